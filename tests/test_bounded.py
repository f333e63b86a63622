"""Writes cut into chunks the database takes (hub.store.bounded)."""

from hub.store.bounded import bounded, utf8_size


def test_chunks_keep_the_order_and_stay_within_the_count_and_the_size() -> None:
    items = ["a" * 3, "b" * 3, "c" * 3, "d" * 9, "e", "f", "g"]
    chunks = list(bounded(items, 3, len, 7))
    assert [x for chunk in chunks for x in chunk] == items
    assert chunks == [["aaa", "bbb"], ["ccc"], ["d" * 9], ["e", "f", "g"]]


def test_an_item_larger_than_the_limit_is_a_chunk_of_its_own() -> None:
    assert list(bounded(["x" * 10], 5, len, 4)) == [["x" * 10]]
    assert list(bounded([], 5, len, 4)) == []


def test_text_is_measured_as_it_travels_utf8() -> None:
    assert utf8_size("Müller") == 7
    assert utf8_size("王伟") == 6
    assert utf8_size("\ud800") == 3  # a lone surrogate from a JSON escape does not fail

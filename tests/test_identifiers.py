"""The one spelling identifying numbers are kept in, whatever a source printed."""

import pytest

from hub.identifiers import material_number, printed_code, revision_order, vin


@pytest.mark.parametrize(
    ("printed", "kept"),
    [
        ("7005 9999 0001", "700599990001"),
        ("7005-9999-0001", "700599990001"),
        ("7005.9999/0001", "700599990001"),
        ("obu-12 34", "OBU1234"),
        ("M-AB 1234", "MAB1234"),
        ("m ab 1234", "MAB1234"),
        ("MAB1234", "MAB1234"),
        ("B-MW 1E", "BMW1E"),
        ("京A·12345", "京A12345"),
        ("7005\u20139999\u20130001", "700599990001"),  # en dashes
        ("\uff17\uff10\uff10\uff15 9999", "70059999"),  # full-width digits
        (" - / ", ""),
    ],
)
def test_a_number_is_kept_without_the_separators_it_was_printed_with(
    printed: str, kept: str
) -> None:
    assert printed_code(printed) == kept


def test_vins_and_material_numbers_are_kept_as_their_systems_show_them() -> None:
    assert vin(" wba12345678901234 ") == "WBA12345678901234"
    assert material_number("000000000009000001") == "9000001"
    assert material_number("000") == "0"
    assert material_number("MAT-007") == "MAT-007"
    assert material_number(" 00abc-1 ") == material_number("00ABC-1") == "00ABC-1"
    full_width = "".join(chr(0xFF10 + int(d)) for d in "4000001")
    assert material_number(full_width) == "4000001"


def test_revisions_sort_numbers_by_value_and_other_digits_as_text() -> None:
    assert sorted(["10", "9", "B", "A", "²"], key=revision_order) == ["9", "10", "A", "B", "²"]

"""Keyset cursors over real HTTP: stable under concurrent writes, bound to their list, signed."""

from __future__ import annotations

import base64
import threading
from typing import Any

from hub.read import cursors
from tests.harness import RunningHub, ok, vin_for
from tests.test_lists import PARTNERS
from tests.test_matching import unique
from tests.test_partners import upsert
from tests.test_stewardship import partner, person_values
from tests.test_vehicles import vehicle

QUEUE = """
query($first: Int, $after: String, $last: Int, $before: String) {
  matchCandidates(status: OPEN, first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { id score } }
  }
}
"""


def person(hub: RunningHub, unique: str, name: str) -> None:
    upsert(
        hub,
        {
            "source": {"system": "CRM", "key": f"{unique}-{name}"},
            "kind": "PERSON",
            "firstName": name,
            "lastName": unique,
        },
    )


def page(hub: RunningHub, unique: str, **args: Any) -> dict[str, Any]:
    where = {"name": {"contains": unique}}
    data: dict[str, Any] = ok(hub, PARTNERS, {"where": where, **args})["businessPartners"]
    return data


def first_names(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["name"].split()[0] for edge in connection["edges"]]


def errors_of(hub: RunningHub, query: str, variables: dict[str, Any]) -> list[dict[str, Any]]:
    body = hub.graphql(query, variables)
    assert body.get("errors"), body
    return list(body["errors"])


def test_partners_inserted_between_two_pages_are_neither_repeated_nor_skipped(
    hub: RunningHub, unique: str
) -> None:
    for name in ("Anna", "Carl", "Emil", "Gert"):
        person(hub, unique, name)
    first = page(hub, unique, first=2)
    assert first_names(first) == ["Anna", "Carl"]
    # One sorts before the cursor (an offset would repeat Carl), one after it.
    person(hub, unique, "Bert")
    person(hub, unique, "Dora")
    second = page(hub, unique, first=2, after=first["pageInfo"]["endCursor"])
    assert first_names(second) == ["Dora", "Emil"]
    third = page(hub, unique, first=2, after=second["pageInfo"]["endCursor"])
    assert first_names(third) == ["Gert"] and not third["pageInfo"]["hasNextPage"]
    back = page(hub, unique, last=2, before=second["pageInfo"]["startCursor"])
    assert first_names(back) == ["Bert", "Carl"]


def test_paging_while_others_write_sees_every_earlier_partner_exactly_once(
    hub: RunningHub, unique: str
) -> None:
    originals = [f"A{n:03d}" for n in range(0, 60, 2)]
    for name in originals:
        person(hub, unique, name)
    stop = threading.Event()

    def write() -> None:
        for n in range(1, 60, 2):
            if stop.is_set():
                return
            person(hub, unique, f"A{n:03d}")

    writer = threading.Thread(target=write)
    writer.start()
    seen: list[str] = []
    try:
        after = None
        while True:
            connection = page(hub, unique, first=7, after=after)
            seen += first_names(connection)
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]
    finally:
        stop.set()
        writer.join()
    assert len(seen) == len(set(seen)), "a partner came twice"
    assert set(originals) <= set(seen), "a partner that existed all along was skipped"
    assert seen == sorted(seen)


def test_a_cursor_used_with_another_order_or_filter_is_refused(
    hub: RunningHub, unique: str
) -> None:
    for name in ("Anna", "Carl", "Emil"):
        person(hub, unique, name)
    cursor = page(hub, unique, first=1)["pageInfo"]["endCursor"]
    reordered = {
        "where": {"name": {"contains": unique}},
        "orderBy": [{"field": "CREATED_AT"}],
        "after": cursor,
    }
    refilled = {"where": {"name": {"startsWith": "Carl"}}, "after": cursor}
    for variables in (reordered, refilled):
        (error,) = errors_of(hub, PARTNERS, variables)
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "after: the cursor was taken from another list" in error["message"]
    # An empty filter is no filter: the cursor is the same list's.
    unfiltered = ok(hub, PARTNERS, {"first": 1})["businessPartners"]["pageInfo"]["endCursor"]
    assert ok(hub, PARTNERS, {"where": {}, "first": 1, "after": unfiltered})["businessPartners"]
    # A partners' cursor means nothing in the stewards' queue either.
    (error,) = errors_of(hub, QUEUE, {"after": cursor})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_cursor_goes_on_with_the_same_set_of_values_in_another_order(
    hub: RunningHub, unique: str
) -> None:
    for name in ("Anna", "Carl", "Emil"):
        person(hub, unique, name)
    names = [f"Anna {unique}", f"Emil {unique}", f"Carl {unique}"]
    where = {"name": {"containsExact": unique}, "firstName": {"in": ["Anna", "Emil", "Carl"]}}
    first = ok(hub, PARTNERS, {"where": where, "first": 1})["businessPartners"]
    turned = {**where, "firstName": {"in": ["Carl", "Anna", "Emil"]}}
    rest = ok(hub, PARTNERS, {"where": turned, "after": first["pageInfo"]["endCursor"]})
    seen = [e["node"]["name"] for e in first["edges"] + rest["businessPartners"]["edges"]]
    assert sorted(seen) == sorted(names) and len(seen) == 3


FLEET = """
query($key: String!, $first: Int, $after: String) {
  businessPartner(source: {system: "CRM", key: $key}) {
    vehicles(first: $first, after: $after) { edges { cursor node { vin } } }
  }
}
"""


def test_a_cursor_of_one_partners_vehicles_is_refused_for_anothers(
    hub: RunningHub, unique: str
) -> None:
    for owner, count in (("Anna", 4), ("Carl", 2)):
        person(hub, unique, owner)
        for n in range(count):
            vehicle(hub, {"source": {"system": "VMS", "key": f"{unique}-{owner}-{n}"},
                          "vin": vin_for(f"{unique}-{owner}", n),
                          "owner": {"source": {"system": "CRM", "key": f"{unique}-{owner}"}}})  # fmt: skip

    def vins(owner: str, **args: Any) -> list[dict[str, Any]]:
        key = f"{unique}-{owner}"
        found = ok(hub, FLEET, {"key": key, **args})["businessPartner"]["vehicles"]["edges"]
        return list(found)

    carls = vins("Carl", first=1)[0]["cursor"]
    (error,) = errors_of(hub, FLEET, {"key": f"{unique}-Anna", "first": 5, "after": carls})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "another list" in error["message"]
    annas = vins("Anna", first=5)
    rest = vins("Anna", first=5, after=annas[0]["cursor"])
    assert [e["node"]["vin"] for e in rest] == [e["node"]["vin"] for e in annas[1:]]


def test_a_forged_or_edited_cursor_is_refused(hub: RunningHub, unique: str) -> None:
    person(hub, unique, "Anna")
    cursor = page(hub, unique, first=1)["pageInfo"]["endCursor"]
    body, _, tag = cursor.partition(".")
    edited = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + tag
    offset = base64.urlsafe_b64encode(b"cursor:99999").decode()
    for forged in (offset, edited, "", "x.y"):
        (error,) = errors_of(hub, PARTNERS, {"where": {}, "before": forged})
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["message"].startswith("before: ") and "not a cursor" in error["message"]


def test_the_match_queue_pages_the_same_forwards_and_backwards(hub: RunningHub) -> None:
    token = unique("queue")
    for n in range(3):
        # One household, one family mailbox, two birth dates: queued for a steward.
        values = {**person_values(token, 70 + n), "email": f"familie.{token}{n}@example.org"}
        partner(hub, "CRM", f"F-{token}-{n}", **values)
        partner(hub, "ERP", f"S-{token}-{n}", **{**values, "birthDate": "2001-01-01"})
    everything = [
        e["node"]["id"] for e in ok(hub, QUEUE, {"first": 100})["matchCandidates"]["edges"]
    ]
    assert len(everything) >= 3
    forwards: list[str] = []
    after = None
    while True:
        connection = ok(hub, QUEUE, {"first": 2, "after": after})["matchCandidates"]
        forwards += [e["node"]["id"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    backwards: list[str] = []
    before = None
    while True:
        connection = ok(hub, QUEUE, {"last": 2, "before": before})["matchCandidates"]
        backwards = [e["node"]["id"] for e in connection["edges"]] + backwards
        if not connection["pageInfo"]["hasPreviousPage"]:
            break
        before = connection["pageInfo"]["startCursor"]
    assert forwards == backwards
    assert len(forwards) == len(set(forwards))
    assert forwards[: len(everything)] == everything


def test_a_nested_lists_scope_under_each_parent_is_the_one_its_cursors_carried() -> None:
    """The scope worked out once for every parent of a nested list is the one a cursor of
    that list was given before: cursors handed out earlier go on."""
    nested = ("Vehicle", [("vin", "ASC")], {"make": {"in": ["VW", "BMW"]}}, "BusinessPartner")
    for parts in (nested, ()):
        for parent in ("0f3c-Ä", None, 7):
            assert cursors.scopes(*parts)(parent) == cursors.scope(*parts, parent)

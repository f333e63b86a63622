"""Filters, ordering and cursor pagination, top-level and nested."""

from typing import Any

import pytest

from hub.read.cursors import Cursors
from hub.read.pagination import PageRequest, PaginationError, page_of_rows
from tests.harness import RunningHub, ok, vin_for
from tests.test_partners import upsert
from tests.test_vehicles import vehicle

PARTNERS = """
query($where: BusinessPartnerWhere, $orderBy: [BusinessPartnerOrderBy!], $first: Int, $after: String,
      $last: Int, $before: String) {
  businessPartners(where: $where, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
  }
}
"""


def world(hub: RunningHub, unique: str) -> None:
    """Five partners; Ann and Bea own BMWs, Cid a VW; Dan lives in Berlin."""
    people = [
        ("Ann", "München", "BMW"),
        ("Bea", "Hamburg", "BMW"),
        ("Cid", "München", "VW"),
        ("Dan", "Berlin", None),
        ("Eve", "Köln", None),
    ]
    for n, (first, city, make) in enumerate(people):
        upsert(
            hub,
            {
                "source": {"system": "CRM", "key": f"{unique}-{first}"},
                "kind": "PERSON",
                "firstName": first,
                "lastName": unique,
                "roles": ["CUSTOMER"] if first != "Eve" else ["VENDOR"],
                "addresses": [{"city": city, "country": "DE", "postalCode": f"{n}0000"}],
            },
        )
        if make:
            vehicle(
                hub,
                {
                    "source": {"system": "VMS", "key": f"{unique}-{first}"},
                    "vin": vin_for(unique, n),
                    "make": make,
                    "owner": {"source": {"system": "CRM", "key": f"{unique}-{first}"}},
                },
            )


def names(
    hub: RunningHub, unique: str, where: dict[str, Any] | None = None, **args: Any
) -> list[str]:
    scoped = {"AND": [{"name": {"contains": unique}}, where or {}]}
    data = ok(hub, PARTNERS, {"where": scoped, **args})["businessPartners"]
    return [edge["node"]["name"].split()[0] for edge in data["edges"]]


def test_string_enum_and_relationship_filters(hub: RunningHub, unique: str) -> None:
    world(hub, unique)
    assert names(hub, unique, {"name": {"startsWith": "B"}}) == ["Bea"]
    assert names(hub, unique, {"name": {"in": [f"Ann {unique}", f"Eve {unique}"]}}) == [
        "Ann",
        "Eve",
    ]
    assert names(hub, unique, {"city": {"eq": "München"}}) == ["Ann", "Cid"]
    assert names(hub, unique, {"postalCode": {"startsWith": "3"}}) == ["Dan"]
    assert names(hub, unique, {"role": "VENDOR"}) == ["Eve"]
    assert names(hub, unique, {"ownsVehicle": {"make": {"eq": "BMW"}}}) == ["Ann", "Bea"]
    assert names(hub, unique, {"kind": "ORGANIZATION"}) == []


def test_nested_and_or_not(hub: RunningHub, unique: str) -> None:
    world(hub, unique)
    either = {"OR": [{"city": {"eq": "Berlin"}}, {"ownsVehicle": {"make": {"eq": "VW"}}}]}
    assert names(hub, unique, either) == ["Cid", "Dan"]
    assert names(hub, unique, {"NOT": {"city": {"eq": "München"}}}) == ["Bea", "Dan", "Eve"]
    nested = {
        "AND": [
            {"NOT": {"OR": [{"role": "VENDOR"}, {"city": {"eq": "Hamburg"}}]}},
            {"name": {"contains": "n"}},
        ]
    }
    assert names(hub, unique, nested) == ["Ann", "Dan"]


def test_not_is_the_complement_and_a_missing_value_counts_as_none(
    hub: RunningHub, unique: str
) -> None:
    world(hub, unique)
    upsert(hub, {"source": {"system": "CRM", "key": f"{unique}-Fay"}, "kind": "PERSON",
                 "firstName": "Fay", "lastName": unique, "email": f"fay.{unique}@example.com"})  # fmt: skip
    everyone = ["Ann", "Bea", "Cid", "Dan", "Eve", "Fay"]
    for where in (
        {"city": {"eq": "München"}},
        {"email": {"contains": "fay"}},
        {"postalCode": {"startsWith": "1"}},
        {"ownsVehicle": {"make": {"eq": "BMW"}}},
    ):
        chosen = names(hub, unique, where)
        assert names(hub, unique, {"NOT": where}) == [n for n in everyone if n not in chosen]
    # Fay has no address, so no city: it is null, and not München.
    assert names(hub, unique, {"city": {"isNull": True}}) == ["Fay"]
    assert "Fay" not in names(hub, unique, {"city": {"isNull": False}})
    assert names(hub, unique, {"city": {"neq": "München"}}) == ["Bea", "Dan", "Eve", "Fay"]
    assert names(hub, unique, {"city": {"notIn": ["München", "Köln"]}}) == ["Bea", "Dan", "Fay"]
    assert names(hub, unique, {"city": {"neq": "München", "startsWith": "B"}}) == ["Dan"]


def test_order_by_several_fields(hub: RunningHub, unique: str) -> None:
    world(hub, unique)
    assert names(hub, unique, orderBy=[{"field": "NAME", "direction": "DESC"}]) == [
        "Eve",
        "Dan",
        "Cid",
        "Bea",
        "Ann",
    ]
    by_time = names(
        hub, unique, orderBy=[{"field": "CREATED_AT", "direction": "ASC"}, {"field": "NAME"}]
    )
    assert by_time == ["Ann", "Bea", "Cid", "Dan", "Eve"]
    twice = [{"field": "NAME"}, {"field": "NAME", "direction": "DESC"}]
    refused = hub.graphql(PARTNERS, {"where": {"name": {"contains": unique}}, "orderBy": twice})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "NAME is named twice" in refused["errors"][0]["message"]


def test_pages_forwards_and_backwards_meet(hub: RunningHub, unique: str) -> None:
    world(hub, unique)
    where = {"name": {"contains": unique}}
    first = ok(hub, PARTNERS, {"where": where, "first": 2})["businessPartners"]
    assert first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    second = ok(
        hub, PARTNERS, {"where": where, "first": 2, "after": first["pageInfo"]["endCursor"]}
    )["businessPartners"]
    third = ok(
        hub, PARTNERS, {"where": where, "first": 2, "after": second["pageInfo"]["endCursor"]}
    )["businessPartners"]
    pages = [[e["node"]["name"][:3] for e in p["edges"]] for p in (first, second, third)]
    assert pages == [["Ann", "Bea"], ["Cid", "Dan"], ["Eve"]]
    assert not third["pageInfo"]["hasNextPage"] and third["pageInfo"]["hasPreviousPage"]

    last = ok(hub, PARTNERS, {"where": where, "last": 2})["businessPartners"]
    assert [e["node"]["name"][:3] for e in last["edges"]] == ["Dan", "Eve"]
    assert last["pageInfo"]["hasPreviousPage"] and not last["pageInfo"]["hasNextPage"]
    before = ok(
        hub, PARTNERS, {"where": where, "last": 2, "before": last["pageInfo"]["startCursor"]}
    )["businessPartners"]
    assert [e["node"]["name"][:3] for e in before["edges"]] == ["Bea", "Cid"]
    assert before["pageInfo"]["hasPreviousPage"] and before["pageInfo"]["hasNextPage"]


def test_page_size_above_the_limit_is_an_error_naming_it(hub: RunningHub) -> None:
    body = hub.graphql("{ vehicles(first: 500) { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "100" in body["errors"][0]["message"]
    assert (
        hub.graphql('{ vehicles(after: "nonsense") { totalCount } }')["errors"][0]["extensions"][
            "code"
        ]
        == "BAD_USER_INPUT"
    )


def test_nested_connections_paginate_the_same_way(hub: RunningHub, unique: str) -> None:
    upsert(
        hub,
        {
            "source": {"system": "CRM", "key": f"{unique}-fleet"},
            "kind": "ORGANIZATION",
            "organizationName": f"Fleet {unique}",
        },
    )
    for n in range(5):
        vehicle(
            hub,
            {
                "source": {"system": "VMS", "key": f"{unique}-{n}"},
                "vin": vin_for(unique, n),
                "owner": {"source": {"system": "CRM", "key": f"{unique}-fleet"}},
            },
        )
    query = """query($key: String!, $first: Int, $after: String, $last: Int, $before: String) {
      businessPartner(source: {system: "CRM", key: $key}) {
        vehicles(first: $first, after: $after, last: $last, before: $before) {
          totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor } edges { node { vin } } } } }"""
    page = ok(hub, query, {"key": f"{unique}-fleet", "first": 2})["businessPartner"]["vehicles"]
    assert page["totalCount"] == 5
    assert [e["node"]["vin"] for e in page["edges"]] == [vin_for(unique, 0), vin_for(unique, 1)]
    assert page["pageInfo"]["hasNextPage"]
    following = ok(
        hub, query, {"key": f"{unique}-fleet", "first": 10, "after": page["pageInfo"]["endCursor"]}
    )
    rest = following["businessPartner"]["vehicles"]
    assert [e["node"]["vin"] for e in rest["edges"]] == [vin_for(unique, n) for n in (2, 3, 4)]
    assert not rest["pageInfo"]["hasNextPage"] and rest["pageInfo"]["hasPreviousPage"]
    tail = ok(hub, query, {"key": f"{unique}-fleet", "last": 2})["businessPartner"]["vehicles"]
    assert [e["node"]["vin"] for e in tail["edges"]] == [vin_for(unique, 3), vin_for(unique, 4)]


def test_a_page_of_rows_starts_after_its_cursor_whatever_was_inserted_before_it() -> None:
    bound = Cursors(b"test key").bound("letters")
    rows = [{"id": c} for c in "acegi"]
    first = page_of_rows(rows, PageRequest(first=2), lambda r: [r["id"]], bound, lambda r: r)
    assert [r["id"] for r in first.nodes] == ["a", "c"] and first.has_next
    grown = sorted([*rows, {"id": "b"}, {"id": "d"}], key=lambda r: r["id"])
    after = PageRequest(first=2, after=first.end_cursor)
    second = page_of_rows(grown, after, lambda r: [r["id"]], bound, lambda r: r)
    assert [r["id"] for r in second.nodes] == ["d", "e"] and second.has_previous
    before = PageRequest(last=3, before=second.start_cursor)
    back = page_of_rows(grown, before, lambda r: [r["id"]], bound, lambda r: r)
    assert [r["id"] for r in back.nodes] == ["a", "b", "c"] and not back.has_previous


def test_page_sizes_outside_their_rules_are_refused() -> None:
    assert PageRequest().size == 20
    with pytest.raises(PaginationError, match="first or last"):
        PageRequest(first=1, last=1).validate()
    with pytest.raises(PaginationError, match="between 0 and 100"):
        PageRequest(last=-1).validate()


def test_identifying_numbers_filter_in_the_spelling_they_are_kept_in(
    hub: RunningHub, unique: str
) -> None:
    vin = vin_for(unique, 7)
    vehicle(hub, {"source": {"system": "VMS", "key": f"SP-{unique}"}, "vin": vin})
    for where in (
        '{vin: {eq: " %s "}}' % vin.lower(),
        '{vin: {in: ["%s"]}}' % vin.lower(),
        '{vin: {eq: "%s"}, make: {isNull: true}}' % vin,
    ):
        found = ok(hub, "{ vehicles(where: %s) { totalCount } }" % where)
        assert found["vehicles"]["totalCount"] == 1, where
    others = ok(
        hub,
        '{ vehicles(where: {vin: {neq: "%s"}, make: {isNull: true}}) { edges { node { vin } } } }'
        % vin.lower(),
    )
    assert vin not in {e["node"]["vin"] for e in others["vehicles"]["edges"]}


def test_phones_and_email_addresses_are_found_as_people_type_them(
    hub: RunningHub, unique: str
) -> None:
    digits = "".join(str(ord(c) % 10) for c in unique)[:8]
    upsert(
        hub,
        {
            "source": {"system": "CRM", "key": f"PH-{unique}"},
            "kind": "PERSON",
            "firstName": "Pia",
            "lastName": unique,
            "phone": f"+49 170 {digits}",
            "email": f"Pia.{unique}@Example.COM",
        },
    )
    for where in (
        {"phone": {"eq": f"+49 (170) {digits}"}},
        {"phone": {"startsWith": f"0049 170 {digits[:3]}"}},
        {"phone": {"contains": f"170 {digits[:4]}"}},
        {"email": {"eq": f"Pia.{unique}@EXAMPLE.com"}},
        {"email": {"in": [f"Pia.{unique}@example.COM"]}},
    ):
        assert names(hub, unique, where) == ["Pia"], where
    assert names(hub, unique, {"email": {"eq": f"pia.{unique}@example.com"}}) == [], (
        "the part before the @ keeps its case"
    )

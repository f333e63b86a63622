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


FLEET = """query($key: String!, $where: VehicleWhere, $orderBy: [VehicleOrderBy!], $first: Int,
      $after: String, $last: Int, $before: String) {
  businessPartner(source: {system: "CRM", key: $key}) {
    vehicles(where: $where, orderBy: $orderBy, first: $first, after: $after, last: $last,
             before: $before) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
      edges { node { vin make modelYear } } } } }"""


def _fleet(hub: RunningHub, unique: str) -> list[tuple[str, str, int]]:
    """A company owning six vehicles: (vin, make, model year) of each."""
    upsert(
        hub,
        {
            "source": {"system": "CRM", "key": f"{unique}-fleet"},
            "kind": "ORGANIZATION",
            "organizationName": f"Fleet {unique}",
        },
    )
    made = []
    for n, (make, year) in enumerate(
        [("BMW", 2019), ("Audi", 2021), ("BMW", 2022), ("bmw", 2018), ("VW", 2020), ("BMW", 2021)]
    ):
        vin = vin_for(unique, n)
        vehicle(
            hub,
            {
                "source": {"system": "VMS", "key": f"{unique}-{n}"},
                "vin": vin,
                "make": make,
                "modelYear": year,
                "owner": {"source": {"system": "CRM", "key": f"{unique}-fleet"}},
            },
        )
        made.append((vin, make, year))
    return made


def test_nested_connections_filter_and_sort_as_the_top_level_lists(
    hub: RunningHub, unique: str
) -> None:
    made = _fleet(hub, unique)
    key = f"{unique}-fleet"
    where = {"make": {"contains": "bmw"}, "modelYearFilter": {"gte": 2019}}
    order = [{"field": "MODEL_YEAR", "direction": "DESC"}, {"field": "VIN"}]
    expected = sorted(
        (v for v in made if v[1].lower() == "bmw" and v[2] >= 2019), key=lambda v: (-v[2], v[0])
    )
    whole = ok(hub, FLEET, {"key": key, "where": where, "orderBy": order})
    listed = whole["businessPartner"]["vehicles"]
    assert [e["node"]["vin"] for e in listed["edges"]] == [v[0] for v in expected]
    assert listed["totalCount"] == len(expected) == 3
    # The same top-level filter finds the same vehicles.
    top = ok(
        hub,
        "query($w: VehicleWhere) { vehicles(where: $w) { totalCount } }",
        {"w": {**where, "vin": {"in": [v[0] for v in made]}}},
    )
    assert top["vehicles"]["totalCount"] == 3

    # Pages of one, forwards and backwards, meet without repeats or gaps.
    seen, after = [], None
    while True:
        variables = {"key": key, "where": where, "orderBy": order, "first": 1, "after": after}
        page = ok(hub, FLEET, variables)["businessPartner"]["vehicles"]
        seen += [e["node"]["vin"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert seen == [v[0] for v in expected]
    back = ok(hub, FLEET, {"key": key, "where": where, "orderBy": order, "last": 2})
    assert [e["node"]["vin"] for e in back["businessPartner"]["vehicles"]["edges"]] == [
        v[0] for v in expected[1:]
    ]

    # Under a list of partners too, where the rows are not read with their parents.
    listed_too = ok(
        hub,
        """query($name: String!, $where: VehicleWhere, $orderBy: [VehicleOrderBy!]) {
          businessPartners(where: {name: {contains: $name}}) { edges { node {
            vehicles(where: $where, orderBy: $orderBy) { edges { node { vin } } }
            all: vehicles { totalCount } } } } }""",
        {"name": unique, "where": where, "orderBy": order},
    )
    (partner,) = listed_too["businessPartners"]["edges"]
    assert [e["node"]["vin"] for e in partner["node"]["vehicles"]["edges"]] == [
        v[0] for v in expected
    ]
    assert partner["node"]["all"]["totalCount"] == 6

    # A cursor belongs to its filter and order: elsewhere it is refused.
    plain = ok(hub, FLEET, {"key": key, "first": 1})["businessPartner"]["vehicles"]
    for variables in (
        {"where": where, "orderBy": order, "after": plain["pageInfo"]["endCursor"]},
        {"where": {"make": {"eq": "VW"}}, "orderBy": order, "after": after},
        {"where": where, "after": after},
    ):
        refused = hub.graphql(FLEET, {"key": key, **variables})
        assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables


def test_an_empty_filter_or_order_pages_a_nested_list_as_none_does(
    hub: RunningHub, unique: str
) -> None:
    made = _fleet(hub, unique)
    key = f"{unique}-fleet"
    plain = ok(hub, FLEET, {"key": key, "first": 2})["businessPartner"]["vehicles"]
    after = plain["pageInfo"]["endCursor"]
    empties: list[dict[str, Any]] = [
        {"where": {}},
        {"where": {"make": None}},
        {"orderBy": []},
        {"where": {}, "orderBy": []},
    ]
    for empty in empties:
        rest = ok(hub, FLEET, {"key": key, "after": after, **empty})["businessPartner"]["vehicles"]
        assert [e["node"]["vin"] for e in rest["edges"]] == sorted(v[0] for v in made)[2:], empty
        # And the other way round: its cursor goes on without them.
        first = ok(hub, FLEET, {"key": key, "first": 2, **empty})["businessPartner"]["vehicles"]
        assert first["pageInfo"]["endCursor"] == after, empty


def test_a_filtered_nested_list_leaves_deleted_records_out_as_its_relation_does(
    hub: RunningHub, unique: str
) -> None:
    made = _fleet(hub, unique)
    ok(
        hub,
        "mutation($s: SourceRefInput!) { deleteRecord(kind: VEHICLE, source: $s) "
        "{ recordDeleted } }",
        {"s": {"system": "VMS", "key": f"{unique}-0"}},
    )
    key = f"{unique}-fleet"
    bmws = ok(hub, FLEET, {"key": key, "where": {"make": {"eq": "BMW"}}})
    vins = [e["node"]["vin"] for e in bmws["businessPartner"]["vehicles"]["edges"]]
    assert vins == [made[2][0], made[5][0]]
    gone = ok(hub, FLEET, {"key": key, "where": {"deletedAt": {"isNull": False}}})
    assert [e["node"]["vin"] for e in gone["businessPartner"]["vehicles"]["edges"]] == [made[0][0]]


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
        {"phone": {"contains": f"0 {digits[:4]}"}},
        {"email": {"eq": f"Pia.{unique}@EXAMPLE.com"}},
        {"email": {"in": [f"Pia.{unique}@example.COM"]}},
    ):
        assert names(hub, unique, where) == ["Pia"], where
    assert names(hub, unique, {"email": {"eq": f"pia.{unique}@example.com"}}) == [], (
        "the part before the @ keeps its case"
    )
    # Inside a number 00 are two digits, not the + that starts one.
    assert names(hub, unique, {"phone": {"contains": f"00{digits[:3]}"}}) == []

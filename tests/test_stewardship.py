"""Survivorship, lineage, merge and un-merge: nothing a source said is lost."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.ids import from_global
from hub.read.changes import of_records
from tests.harness import RunningHub, ok, vin_for
from tests.test_matching import candidate_between, unique

PARTNER = """
mutation($input: BusinessPartnerInput!) {
  upsertBusinessPartner(input: $input) {
    businessPartner { id }
    matchOutcome { action }
    userErrors { field code message }
  }
}
"""

VEHICLE = """
mutation($input: VehicleInput!) {
  upsertVehicle(input: $input) { userErrors { field code message } }
}
"""

CARD = """
mutation($input: IdentificationObjectInput!) {
  upsertIdentificationObject(input: $input) { userErrors { field code message } }
}
"""

MERGE = """
mutation($input: MergeInput!) {
  mergeBusinessPartners(input: $input) {
    businessPartner { id email mergedFrom vehicles { totalCount } }
    userErrors { field code message }
  }
}
"""

UNMERGE = """
mutation($source: SourceRefInput!, $reason: String) {
  unmergeBusinessPartner(source: $source, reason: $reason) {
    businessPartner { id }
    userErrors { field code message }
  }
}
"""

LINEAGE = """
query($id: ID!) {
  businessPartner(id: $id) {
    id organizationName email taxNumber mergedFrom
    lineage { attribute value overridden source { system key } others { source { system } value } }
  }
}
"""


def partner(hub: RunningHub, system: str, key: str, **values: Any) -> dict[str, Any]:
    data = {"source": {"system": system, "key": key}, "kind": "PERSON", **values}
    payload: dict[str, Any] = ok(hub, PARTNER, {"input": data})["upsertBusinessPartner"]
    assert payload["userErrors"] == [], payload
    return payload


def person_values(token: str, n: int) -> dict[str, Any]:
    """A person unlike any other: its own name, birth date, street and phone."""
    digest = hashlib.sha256(f"{token}-{n}".encode()).digest()
    born = dt.date(1940, 1, 1) + dt.timedelta(days=int.from_bytes(digest[:3]) % 20_000)
    return {
        "firstName": unique("").capitalize(),
        "lastName": unique("").capitalize(),
        "birthDate": born.isoformat(),
        "phone": f"+49 30 {int.from_bytes(digest[3:6]) % 10_000_000:07d}",
        "addresses": [
            {
                "street": unique("").capitalize() + "weg",
                "houseNumber": str(n + 1),
                "postalCode": "10115",
                "city": "Berlin",
                "country": "DE",
            }
        ],
    }


def hub_id(global_id: str) -> str:
    decoded = from_global(global_id)
    assert decoded is not None
    return decoded[1]


def snapshot(hub: RunningHub, global_id: str) -> tuple[Any, ...]:
    """A partner's values and relationships (other than its own addresses and keys)."""
    rows = hub.run(
        hub.store.query(
            "MATCH (p:BusinessPartner {id: $id}) RETURN p.state AS state, p.mergedInto AS into, "
            "[(p)-[r]-(x) WHERE NOT type(r) IN ['HAS_ADDRESS', 'LEFT', 'RIGHT'] "
            "| [type(r), coalesce(x.id, x.system + '/' + x.key), r.role]] AS links, "
            "[(p)-[:HAS_ADDRESS]->(a:Address) | [a.street, a.houseNumber, a.city]] AS addresses, "
            "p {.name, .firstName, .lastName, .birthDate, .email, .phone, .taxNumber} AS shown",
            {"id": hub_id(global_id)},
        )
    )
    (row,) = rows
    return (
        json.loads(row["state"]),
        row["into"],
        sorted(map(tuple, row["links"])),
        sorted(map(tuple, row["addresses"])),
        row["shown"],
    )


# ---- survivorship and lineage ---------------------------------------------------------------


def test_each_value_survives_from_its_most_trusted_source(hub: RunningHub) -> None:
    tax = f"DE{abs(hash(unique('t'))) % 900_000_000 + 100_000_000}"
    name = unique("Logistik ")
    crm = ok(
        hub,
        PARTNER,
        {
            "input": {
                "source": {"system": "CRM", "key": f"C-{tax}"},
                "kind": "ORGANIZATION",
                "organizationName": f"{name} GmbH",
                "taxNumber": tax,
                "email": "crm@example.com",
            }
        },
    )
    erp = ok(
        hub,
        PARTNER,
        {
            "input": {
                "source": {"system": "ERP", "key": f"E-{tax}"},
                "kind": "ORGANIZATION",
                "organizationName": f"{name} Gesellschaft mbH",
                "taxNumber": tax,
                "email": "erp@example.com",
            }
        },
    )
    assert erp["upsertBusinessPartner"]["matchOutcome"]["action"] == "AUTO_MERGED"
    golden_id = crm["upsertBusinessPartner"]["businessPartner"]["id"]
    golden = ok(hub, LINEAGE, {"id": golden_id})["businessPartner"]
    # ERP is trusted for the legal name, CRM for e-mail: arrival order does not matter.
    assert golden["organizationName"] == f"{name} Gesellschaft mbH"
    assert golden["email"] == "crm@example.com"
    lineage = {item["attribute"]: item for item in golden["lineage"]}
    assert lineage["email"]["source"] == {"system": "CRM", "key": f"C-{tax}"}
    assert lineage["email"]["others"] == [{"source": {"system": "ERP"}, "value": "erp@example.com"}]
    assert lineage["organizationName"]["source"]["system"] == "ERP"
    assert lineage["email"]["overridden"] is False


def test_a_stewards_override_wins_and_is_kept(hub: RunningHub) -> None:
    token = unique("o")
    a = partner(hub, "CRM", f"A-{token}", **person_values(token, 1))
    b = partner(hub, "ERP", f"B-{token}", **person_values(token, 2))
    merged = ok(
        hub,
        MERGE,
        {
            "input": {
                "survivor": {"id": a["businessPartner"]["id"]},
                "merged": [{"source": {"system": "ERP", "key": f"B-{token}"}}],
                "overrides": [{"attribute": "email", "value": "steward@example.com"}],
                "reason": "same customer, confirmed by phone",
            }
        },
    )["mergeBusinessPartners"]
    assert merged["userErrors"] == []
    assert merged["businessPartner"]["email"] == "steward@example.com"
    assert merged["businessPartner"]["mergedFrom"] == [b["businessPartner"]["id"]]
    # A later delivery does not undo the steward's value.
    partner(hub, "CRM", f"A-{token}", **person_values(token, 1), email="new@example.com")
    golden = ok(hub, LINEAGE, {"id": a["businessPartner"]["id"]})["businessPartner"]
    assert golden["email"] == "steward@example.com"
    email = next(item for item in golden["lineage"] if item["attribute"] == "email")
    assert email["overridden"] is True and email["source"] is None


# ---- merge --------------------------------------------------------------------------------


def test_merge_moves_relationships_and_old_ids_and_keys_lead_to_the_survivor(
    hub: RunningHub,
) -> None:
    token = unique("m")
    a = partner(hub, "CRM", f"A-{token}", **person_values(token, 3))["businessPartner"]["id"]
    b_values = person_values(token, 4)
    b = partner(hub, "ERP", f"B-{token}", **b_values)["businessPartner"]["id"]
    for n, owner in enumerate(
        [("CRM", f"A-{token}"), ("ERP", f"B-{token}"), ("ERP", f"B-{token}")]
    ):
        ok(
            hub,
            VEHICLE,
            {
                "input": {
                    "source": {"system": "VMS", "key": f"{token}-{n}"},
                    "vin": vin_for(token, n),
                    "owner": {"source": {"system": owner[0], "key": owner[1]}},
                }
            },
        )
    result = ok(
        hub,
        MERGE,
        {"input": {"survivor": {"id": a}, "merged": [{"id": b}], "reason": "duplicate"}},
    )["mergeBusinessPartners"]
    assert result["userErrors"] == []
    assert result["businessPartner"]["vehicles"]["totalCount"] == 3
    by_old_id = ok(hub, LINEAGE, {"id": b})["businessPartner"]
    assert by_old_id["id"] == a and by_old_id["mergedFrom"] == [b]
    by_old_key = ok(
        hub,
        "query($s: SourceRefInput!) { businessPartner(source: $s) { id } }",
        {"s": {"system": "ERP", "key": f"B-{token}"}},
    )["businessPartner"]
    assert by_old_key["id"] == a
    listed = ok(
        hub,
        "query($n: String!) { businessPartners(where: {name: {contains: $n}}) "
        "{ edges { node { id } } } }",
        {"n": b_values["lastName"]},
    )["businessPartners"]["edges"]
    # Merged away, it is no longer listed; its name, now one its survivor's sources says,
    # finds the survivor.
    assert [edge["node"]["id"] for edge in listed] == [a]
    logged = hub.run(
        of_records(hub.store.query, "BusinessPartner", [hub_id(a), hub_id(b)], pending=True)
    )
    events = sorted(
        (
            {"action": e["action"], "by": e["by"], "reason": e["reason"]}
            for e in logged
            if e["action"] in ("MERGED", "MERGED_INTO")
        ),
        key=lambda e: e["action"],
    )
    assert events == [
        {"action": "MERGED", "by": "local-developer", "reason": "duplicate"},
        {"action": "MERGED_INTO", "by": "local-developer", "reason": "duplicate"},
    ]


def test_merge_hands_the_merged_partners_blocks_to_the_survivor(hub: RunningHub) -> None:
    token = unique("k")
    survivor = partner(hub, "CRM", f"A-{token}", **person_values(token, 1))["businessPartner"]
    other = partner(hub, "ERP", f"B-{token}", **person_values(token, 2))["businessPartner"]
    merged = ok(
        hub, MERGE, {"input": {"survivor": {"id": survivor["id"]}, "merged": [{"id": other["id"]}]}}
    )
    a, b = hub_id(survivor["id"]), hub_id(other["id"])
    assert merged["mergeBusinessPartners"]["userErrors"] == []
    keys = hub.run(
        hub.store.query(
            "MATCH (p:BusinessPartner) WHERE p.id IN [$a, $b] "
            "RETURN p.id AS id, p.matchKeys AS keys",
            {"a": a, "b": b},
        )
    )
    by_id = {row["id"]: row["keys"] for row in keys}
    assert by_id[b] is None
    blocks = hub.run(
        hub.store.query(
            "UNWIND $keys AS key MATCH (m:MatchKey {value: key}) "
            "RETURN m.members AS members, m.size AS size",
            {"keys": by_id[a]},
        )
    )
    assert len(blocks) == len(by_id[a]) > 0
    # Both were in the Berlin 10115 blocks before: the survivor is there once, the other gone.
    assert all(a in row["members"] and b not in row["members"] for row in blocks), blocks
    assert all(row["size"] == len(row["members"]) for row in blocks), blocks


def test_unmerge_takes_the_golden_record_out_of_the_split_sources_blocks(
    hub: RunningHub,
) -> None:
    token = unique("u")
    a = partner(hub, "CRM", f"A-{token}", **person_values(token, 7))["businessPartner"]["id"]
    b_values = person_values(token, 8)
    b = partner(hub, "ERP", f"B-{token}", **b_values)["businessPartner"]["id"]
    ok(hub, MERGE, {"input": {"survivor": {"id": a}, "merged": [{"id": b}]}})

    def keys_of(global_id: str) -> set[str]:
        (row,) = hub.run(
            hub.store.query(
                "MATCH (p:BusinessPartner {id: $id}) RETURN p.matchKeys AS keys",
                {"id": hub_id(global_id)},
            )
        )
        return set(row["keys"] or [])

    birth_key = "b:" + b_values["birthDate"].replace("-", "")  # the ERP record's birth date
    assert birth_key in keys_of(a)
    split = ok(hub, UNMERGE, {"source": {"system": "ERP", "key": f"B-{token}"}})
    split_id = split["unmergeBusinessPartner"]["businessPartner"]["id"]
    assert birth_key not in keys_of(a)
    assert birth_key in keys_of(split_id)
    (block,) = hub.run(
        hub.store.query(
            "MATCH (m:MatchKey {value: $key}) RETURN m.members AS members", {"key": birth_key}
        )
    )
    assert block["members"] == [hub_id(split_id)]


def test_redelivering_a_merged_source_updates_the_survivor(hub: RunningHub) -> None:
    token = unique("r")
    a = partner(hub, "CRM", f"A-{token}", **person_values(token, 5))["businessPartner"]["id"]
    b = partner(hub, "ERP", f"B-{token}", **person_values(token, 6))["businessPartner"]["id"]
    ok(hub, MERGE, {"input": {"survivor": {"id": a}, "merged": [{"id": b}]}})
    again = partner(hub, "ERP", f"B-{token}", **person_values(token, 6), email="b@example.com")
    assert again["businessPartner"]["id"] == a
    assert again["matchOutcome"]["action"] == "MATCHED_EXISTING"
    assert snapshot(hub, b)[1] == hub_id(a)


def test_repeating_a_delivery_that_names_a_merged_partner_changes_nothing(
    hub: RunningHub,
) -> None:
    token = unique("v")
    a = partner(hub, "CRM", f"A-{token}", **person_values(token, 20))["businessPartner"]["id"]
    b = partner(hub, "ERP", f"B-{token}", **person_values(token, 21))["businessPartner"]["id"]
    vehicle = {
        "source": {"system": "VMS", "key": f"V-{token}"},
        "vin": vin_for(token, 1),
        "owner": {"source": {"system": "ERP", "key": f"B-{token}"}},
    }
    changed = "mutation($input: VehicleInput!) { upsertVehicle(input: $input) { changed } }"
    ok(hub, changed, {"input": vehicle})
    ok(hub, MERGE, {"input": {"survivor": {"id": a}, "merged": [{"id": b}]}})
    assert ok(hub, changed, {"input": vehicle})["upsertVehicle"]["changed"] is False
    ok(hub, UNMERGE, {"source": {"system": "ERP", "key": f"B-{token}"}})
    owner = ok(
        hub,
        "query($vin: String!) { vehicle(vin: $vin) { owner { id } } }",
        {"vin": vin_for(token, 1)},
    )["vehicle"]["owner"]
    assert owner == {"id": b}


def test_a_trusted_source_without_addresses_keeps_the_others(hub: RunningHub) -> None:
    token = unique("a")
    values = person_values(token, 22)
    erp = partner(hub, "ERP", f"E-{token}", **values)["businessPartner"]["id"]
    crm_values = {k: v for k, v in values.items() if k != "addresses"}
    crm = partner(hub, "CRM", f"C-{token}", **crm_values)
    assert crm["matchOutcome"]["action"] == "AUTO_MERGED"
    addresses = ok(
        hub, "query($id: ID!) { businessPartner(id: $id) { addresses { street } } }", {"id": erp}
    )["businessPartner"]["addresses"]
    assert addresses == [{"street": values["addresses"][0]["street"]}]


def test_merge_errors_name_the_input_and_write_nothing(hub: RunningHub) -> None:
    token = unique("e")
    a = partner(hub, "CRM", f"A-{token}", **person_values(token, 7))["businessPartner"]["id"]
    before = snapshot(hub, a)
    errors = ok(
        hub,
        MERGE,
        {
            "input": {
                "survivor": {"id": a},
                "merged": [{"id": a}, {"source": {"system": "ERP", "key": "nobody"}}],
                "overrides": [{"attribute": "shoeSize", "value": "44"}],
            }
        },
    )["mergeBusinessPartners"]
    assert errors["businessPartner"] is None
    assert {(tuple(e["field"]), e["code"]) for e in errors["userErrors"]} == {
        (("input", "merged", "1"), "NOT_FOUND"),
        (("input", "overrides", "0", "attribute"), "INVALID_VALUE"),
    }
    errors = ok(
        hub,
        MERGE,
        {
            "input": {
                "survivor": {"id": a},
                "merged": [{"id": a}],
                "overrides": [{"attribute": "shoeSize", "value": "44"}],
            }
        },
    )["mergeBusinessPartners"]
    assert {(tuple(e["field"]), e["code"]) for e in errors["userErrors"]} == {
        (("input", "overrides", "0", "attribute"), "INVALID_VALUE"),
        (("input", "merged", "0"), "INVALID_VALUE"),
    }
    errors = ok(
        hub,
        MERGE,
        {
            "input": {
                "survivor": {"id": a},
                "merged": [{"source": {"system": "CRM", "key": "nobody"}}],
                "overrides": [
                    {"attribute": "birthDate", "value": "soon"},
                    {"attribute": "roles", "value": '["ASTRONAUT"]'},
                ],
            }
        },
    )["mergeBusinessPartners"]
    assert {(tuple(e["field"]), e["code"]) for e in errors["userErrors"]} >= {
        (("input", "overrides", "0", "value"), "INVALID_VALUE"),
        (("input", "overrides", "1", "value"), "INVALID_VALUE"),
    }
    assert snapshot(hub, a) == before


def test_a_person_and_an_organisation_or_a_partner_merged_before_are_refused(
    hub: RunningHub,
) -> None:
    token = unique("k")
    a = partner(hub, "CRM", f"A-{token}", **person_values(token, 13))["businessPartner"]["id"]
    firm = {"source": {"system": "CRM", "key": f"O-{token}"}, "kind": "ORGANIZATION",
            "organizationName": f"Firma {token}"}  # fmt: skip
    o = ok(hub, PARTNER, {"input": firm})["upsertBusinessPartner"]["businessPartner"]["id"]
    refused = ok(hub, MERGE, {"input": {"survivor": {"id": a}, "merged": [{"id": o}]}})
    (error,) = refused["mergeBusinessPartners"]["userErrors"]
    assert (error["code"], error["message"]) == (
        "INVALID_VALUE",
        "an organisation and a person are never one partner",
    )
    b = partner(hub, "ERP", f"B-{token}", **person_values(token, 14))["businessPartner"]["id"]
    assert ok(hub, MERGE, {"input": {"survivor": {"id": a}, "merged": [{"id": b}]}})[
        "mergeBusinessPartners"]["userErrors"] == []  # fmt: skip
    again = ok(hub, MERGE, {"input": {"survivor": {"id": a},
                                      "merged": [{"source": {"system": "ERP", "key": f"B-{token}"}}]}})  # fmt: skip
    (error,) = again["mergeBusinessPartners"]["userErrors"]
    assert "merged into it before" in error["message"]


def test_unmerging_the_only_source_is_refused(hub: RunningHub) -> None:
    token = unique("u")
    partner(hub, "CRM", f"A-{token}", **person_values(token, 8))
    errors = ok(hub, UNMERGE, {"source": {"system": "CRM", "key": f"A-{token}"}})
    assert errors["unmergeBusinessPartner"]["userErrors"][0]["code"] == "INVALID_TRANSITION"


def _two_merged(hub: RunningHub, token: str) -> tuple[str, str]:
    """A (CRM) with B (ERP) merged into it: their ids."""
    a = partner(hub, "CRM", f"A-{token}", **person_values(token, 1))["businessPartner"]["id"]
    b = partner(hub, "ERP", f"B-{token}", **person_values(token, 2))["businessPartner"]["id"]
    done = ok(hub, MERGE, {"input": {"survivor": {"id": a}, "merged": [{"id": b}]}})
    assert done["mergeBusinessPartners"]["userErrors"] == []
    return a, b


def _deleted(hub: RunningHub, system: str, key: str) -> None:
    ok(
        hub,
        "mutation($s: SourceRefInput!) { deleteRecord(kind: BUSINESS_PARTNER, source: $s) "
        "{ userErrors { code } } }",
        {"s": {"system": system, "key": key}},
    )


@pytest.mark.parametrize("deleted", ["ERP", "CRM"])
def test_an_unmerge_that_would_leave_a_partner_without_a_live_source_is_refused(
    hub: RunningHub, deleted: str
) -> None:
    token = unique("g")
    a, _ = _two_merged(hub, token)
    _deleted(hub, deleted, f"{'B' if deleted == 'ERP' else 'A'}-{token}")
    before = snapshot(hub, a)
    refused = ok(hub, UNMERGE, {"source": {"system": "ERP", "key": f"B-{token}"}})
    (error,) = refused["unmergeBusinessPartner"]["userErrors"]
    assert error["code"] == "INVALID_TRANSITION" and "deleted" in error["message"]
    assert snapshot(hub, a) == before
    kinds = ok(
        hub, "query($id: ID!) { node(id: $id) { ... on BusinessPartner { kind } } }", {"id": a}
    )
    assert kinds["node"] == {"kind": "PERSON"}


def test_an_erased_partner_is_not_unmerged_back(hub: RunningHub) -> None:
    token = unique("e")
    a, b = _two_merged(hub, token)
    erased = ok(
        hub,
        'mutation($id: ID!) { erasePartner(id: $id, reason: "GDPR") { userErrors { code } } }',
        {"id": a},
    )
    assert erased["erasePartner"]["userErrors"] == []
    refused = ok(hub, UNMERGE, {"source": {"system": "ERP", "key": f"B-{token}"}})
    assert [e["code"] for e in refused["unmergeBusinessPartner"]["userErrors"]] == ["ERASED"]
    split = ok(hub, "query($id: ID!) { businessPartner(id: $id) { id } }", {"id": b})
    assert split["businessPartner"]["id"] == a, "B still leads to the erased tombstone"


def test_unmerging_a_source_merged_on_arrival_gives_it_its_own_partner(hub: RunningHub) -> None:
    token = unique("x")
    values = person_values(token, 9)
    a = partner(hub, "CRM", f"A-{token}", **values)["businessPartner"]["id"]
    second = partner(hub, "ERP", f"B-{token}", **values)
    assert second["matchOutcome"]["action"] == "AUTO_MERGED"
    split = ok(
        hub,
        UNMERGE,
        {"source": {"system": "ERP", "key": f"B-{token}"}, "reason": "different people"},
    )["unmergeBusinessPartner"]
    assert split["userErrors"] == []
    new_id = split["businessPartner"]["id"]
    assert new_id != a
    # The pair is never merged again by itself: a repeated delivery stays with the new one.
    again = partner(hub, "ERP", f"B-{token}", **values, email="x@example.com")
    assert again["businessPartner"]["id"] == new_id


def test_the_record_a_partner_was_created_from_is_not_split_from_what_joined_it(
    hub: RunningHub,
) -> None:
    token = unique("f")
    a = partner(hub, "CRM", f"A-{token}", **person_values(token, 11))["businessPartner"]["id"]
    c = partner(hub, "ERP", f"C-{token}", **person_values(token, 12))["businessPartner"]["id"]
    vin = vin_for(token, 1)
    owner = {"source": {"system": "CRM", "key": f"A-{token}"}}
    ok(hub, VEHICLE, {"input": {"source": {"system": "VMS", "key": token}, "vin": vin,
                                "owner": owner}})  # fmt: skip
    merged = ok(hub, MERGE, {"input": {"survivor": {"id": a}, "merged": [{"id": c}]}})
    assert merged["mergeBusinessPartners"]["userErrors"] == []
    before = snapshot(hub, a)
    refused = ok(hub, UNMERGE, {"source": owner["source"]})["unmergeBusinessPartner"]
    (error,) = refused["userErrors"]
    assert error["code"] == "INVALID_TRANSITION"
    assert f"ERP/C-{token}" in error["message"], error
    assert snapshot(hub, a) == before  # nothing moved
    # Un-merging the record that joined it gives back both as they were.
    split = ok(hub, UNMERGE, {"source": {"system": "ERP", "key": f"C-{token}"}})
    assert split["unmergeBusinessPartner"]["businessPartner"]["id"] == c
    shown = ok(hub, "query($id: ID!) { businessPartner(id: $id) { vehicles { edges { node "
               "{ vin } } } } }", {"id": a})  # fmt: skip
    assert [e["node"]["vin"] for e in shown["businessPartner"]["vehicles"]["edges"]] == [vin]


# ---- merge then un-merge restores everything -----------------------------------------------


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    vehicles=st.lists(st.integers(0, 2), min_size=2, max_size=4),
    cards=st.lists(st.integers(0, 2), min_size=2, max_size=4),
    survivor=st.integers(0, 3),
)
def test_merge_then_unmerge_restores_relationships_and_values(
    hub: RunningHub, vehicles: list[int], cards: list[int], survivor: int
) -> None:
    token = unique("p")
    size = min(len(vehicles), len(cards))
    ids = []
    for n in range(size):
        created = partner(hub, f"S{n}", f"{token}-{n}", **person_values(token, 10 + n))
        assert created["matchOutcome"]["action"] == "CREATED", created
        ids.append(created["businessPartner"]["id"])
        for v in range(vehicles[n]):
            vin = vin_for(f"{token}{n}", v)
            ok(
                hub,
                VEHICLE,
                {
                    "input": {
                        "source": {"system": "VMS", "key": f"{token}-{n}-{v}"},
                        "vin": vin,
                        "owner": {"source": {"system": f"S{n}", "key": f"{token}-{n}"}},
                    }
                },
            )
            if v < cards[n]:
                ok(
                    hub,
                    CARD,
                    {
                        "input": {
                            "source": {"system": "CRM", "key": f"card-{token}-{n}-{v}"},
                            "kind": "FUEL_CARD",
                            "number": f"FC-{token}-{n}-{v}",
                            "vehicle": {"vin": vin},
                            "holder": {"source": {"system": f"S{n}", "key": f"{token}-{n}"}},
                        }
                    },
                )
    before = [snapshot(hub, i) for i in ids]
    keep = survivor % size
    merged = ok(
        hub,
        MERGE,
        {
            "input": {
                "survivor": {"id": ids[keep]},
                "merged": [{"id": i} for n, i in enumerate(ids) if n != keep],
            }
        },
    )["mergeBusinessPartners"]
    assert merged["userErrors"] == []
    total = sum(vehicles[:size])
    assert merged["businessPartner"]["vehicles"]["totalCount"] == total
    for n in range(size):
        if n != keep:
            split = ok(hub, UNMERGE, {"source": {"system": f"S{n}", "key": f"{token}-{n}"}})
            assert split["unmergeBusinessPartner"]["userErrors"] == []
            assert split["unmergeBusinessPartner"]["businessPartner"]["id"] == ids[n]
    after = [snapshot(hub, i) for i in ids]
    assert after == before


def test_what_names_a_merged_partner_while_merged_goes_back_to_it_on_unmerge(
    hub: RunningHub,
) -> None:
    token = unique("w")
    ids = [
        partner(hub, system, f"{token}-{n}", **person_values(token, 40 + n))["businessPartner"][
            "id"
        ]
        for n, system in enumerate(("CRM", "ERP"))
    ]
    merged = ok(hub, MERGE, {"input": {"survivor": {"id": ids[0]}, "merged": [{"id": ids[1]}]}})
    assert merged["mergeBusinessPartners"]["userErrors"] == []
    # While merged, ERP delivers a vehicle and a card naming its own partner by its key.
    erp_partner = {"source": {"system": "ERP", "key": f"{token}-1"}}
    vin = vin_for(token, 1)
    vehicle = {"source": {"system": "ERP", "key": f"v-{token}"}, "vin": vin, "owner": erp_partner}
    ok(hub, VEHICLE, {"input": vehicle})
    card = {"source": {"system": "ERP", "key": f"c-{token}"}, "kind": "FUEL_CARD",
            "number": f"FC{token}", "holder": erp_partner}  # fmt: skip
    ok(hub, CARD, {"input": card})
    owned = ok(hub, '{ vehicle(vin: "%s") { owner { id } } }' % vin)
    assert owned["vehicle"]["owner"]["id"] == ids[0]  # the survivor meanwhile
    split = ok(hub, UNMERGE, {"source": erp_partner["source"]})
    assert split["unmergeBusinessPartner"]["userErrors"] == []
    owned = ok(hub, '{ vehicle(vin: "%s") { owner { id } } }' % vin)
    assert owned["vehicle"]["owner"]["id"] == ids[1]
    held = ok(
        hub,
        '{ identificationObject(kind: FUEL_CARD, number: "FC%s") { holder { id } } }' % token,
    )
    assert held["identificationObject"]["holder"]["id"] == ids[1]


def _firm(hub: RunningHub, key: str, **values: Any) -> str:
    data = {"source": {"system": "CRM", "key": key}, "kind": "ORGANIZATION",
            "organizationName": f"{key} {unique('n')} Handel", **values}  # fmt: skip
    payload = ok(hub, PARTNER, {"input": data})["upsertBusinessPartner"]
    assert payload["userErrors"] == [] and payload["matchOutcome"]["action"] == "CREATED"
    return str(payload["businessPartner"]["id"])


def _merged(hub: RunningHub, survivor: str, merged: str) -> None:
    done = ok(hub, MERGE, {"input": {"survivor": {"id": survivor}, "merged": [{"id": merged}]}})
    assert done["mergeBusinessPartners"]["userErrors"] == []


def _unmerged(hub: RunningHub, key: str) -> None:
    done = ok(hub, UNMERGE, {"source": {"system": "CRM", "key": key}})
    assert done["unmergeBusinessPartner"]["userErrors"] == [], done


@pytest.mark.parametrize("order", [("C", "B"), ("B", "C")])
def test_a_relationship_whose_two_ends_were_merged_comes_back_with_both(
    hub: RunningHub, order: tuple[str, str]
) -> None:
    token = unique("r")
    keys = {name: f"{name}-{token}" for name in "ABC"}
    ids = {"A": _firm(hub, keys["A"]), "C": _firm(hub, keys["C"])}
    related = [
        {"type": "SUBSIDIARY_OF", "partner": {"source": {"system": "CRM", "key": keys["C"]}}}
    ]
    ids["B"] = _firm(hub, keys["B"], relationships=related)
    before = {name: snapshot(hub, i) for name, i in ids.items()}
    _merged(hub, ids["A"], ids["C"])
    _merged(hub, ids["A"], ids["B"])  # the relationship runs from A to A now
    for name in order:
        _unmerged(hub, keys[name])
    assert {name: snapshot(hub, i) for name, i in ids.items()} == before


def test_a_merged_partners_system_may_relate_it_to_the_survivor_meanwhile(
    hub: RunningHub,
) -> None:
    token = unique("m")
    keys = {name: f"{name}-{token}" for name in "AB"}
    ids = {name: _firm(hub, key) for name, key in keys.items()}
    _merged(hub, ids["A"], ids["B"])
    related = [
        {"type": "SUBSIDIARY_OF", "partner": {"source": {"system": "CRM", "key": keys["A"]}}}
    ]
    data = {"source": {"system": "CRM", "key": keys["B"]}, "kind": "ORGANIZATION",
            "organizationName": f"Tochter {token}", "relationships": related}  # fmt: skip
    itself = {**data, "relationships": [{**related[0], "partner": {"source": data["source"]}}]}
    refused = ok(hub, PARTNER, {"input": itself})["upsertBusinessPartner"]
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_VALUE"], "still itself"
    delivered = ok(hub, PARTNER, {"input": data})["upsertBusinessPartner"]
    assert delivered["userErrors"] == []
    shown = "query($id: ID!) { businessPartner(id: $id) { id relationships { type direction partner { id } } } }"
    assert ok(hub, shown, {"id": ids["A"]})["businessPartner"]["relationships"] == []
    _unmerged(hub, keys["B"])
    split = ok(hub, shown, {"id": ids["B"]})["businessPartner"]
    assert split["relationships"] == [
        {"type": "SUBSIDIARY_OF", "direction": "OUTGOING", "partner": {"id": ids["A"]}}
    ]


def _events(hub: RunningHub, global_id: str) -> list[tuple[str, dict[str, Any]]]:
    logged = hub.run(of_records(hub.store.query, "BusinessPartner", [hub_id(global_id)],
                                pending=True))  # fmt: skip
    return [(e["action"], {c["field"]: c for c in e["changes"]}) for e in logged]


def test_merge_and_unmerge_events_say_which_partners_they_joined_and_parted(
    hub: RunningHub,
) -> None:
    token = unique("v")
    a, c = _firm(hub, f"A-{token}"), _firm(hub, f"C-{token}")
    _merged(hub, a, c)
    action, changed = _events(hub, a)[-1]
    assert action == "MERGED" and changed["mergedFrom"]["after"] == [hub_id(c)]
    _unmerged(hub, f"C-{token}")
    action, changed = _events(hub, c)[-1]
    assert action == "UNMERGED"
    assert (changed["mergedInto"]["before"], changed["mergedInto"]["after"]) == (hub_id(a), None)
    action, changed = _events(hub, a)[-1]
    assert action == "UNMERGED" and changed["mergedFrom"]["after"] == []
    # Through the API, they name the partners by the IDs node(id:) takes.
    history = ok(
        hub,
        "query($id: ID!) { businessPartner(id: $id) { changeHistory { nodes { action "
        "changes { field after } } } } }",
        {"id": a},
    )["businessPartner"]["changeHistory"]["nodes"]
    merged = next(e for e in history if e["action"] == "MERGED")
    assert {"field": "mergedFrom", "after": [c]} in merged["changes"]


def test_a_survivors_history_holds_the_history_of_the_partners_merged_into_it(
    hub: RunningHub,
) -> None:
    token = unique("h")
    a, c = _firm(hub, f"A-{token}"), _firm(hub, f"C-{token}")
    _merged(hub, a, c)
    query = """query($id: ID!) { businessPartner(id: $id) { id changeHistory {
      nodes { action recordId } } } }"""
    # C's id leads to A, whose history shows what became of C as well.
    found = ok(hub, query, {"id": c})["businessPartner"]
    assert found["id"] == a
    shown = [(e["recordId"], e["action"]) for e in found["changeHistory"]["nodes"]]
    assert (c, "CREATED") in shown and (a, "CREATED") in shown and (a, "MERGED") in shown
    assert [r for r, _ in shown].count(c) == len(_events(hub, c)), "every event of C, once"


def test_a_partner_split_from_one_merged_on_arrival_is_created_then_unmerged(
    hub: RunningHub,
) -> None:
    token = unique("w")
    values = person_values(token, 15)
    kept = partner(hub, "CRM", f"A-{token}", **values)["businessPartner"]["id"]
    assert partner(hub, "ERP", f"B-{token}", **values)["matchOutcome"]["action"] == "AUTO_MERGED"
    split = ok(hub, UNMERGE, {"source": {"system": "ERP", "key": f"B-{token}"}, "reason": "two"})
    new_id = split["unmergeBusinessPartner"]["businessPartner"]["id"]
    logged = hub.run(of_records(hub.store.query, "BusinessPartner", [hub_id(new_id)],
                                pending=True))  # fmt: skip
    assert [(e["action"], e["reason"]) for e in logged] == [("CREATED", "two"), ("UNMERGED", "two")]
    # Its events, and the survivor's, name the source that moved: a consumer learns that ERP's
    # key feeds the new partner now.
    survivor = hub.run(of_records(hub.store.query, "BusinessPartner", [hub_id(kept)],
                                  pending=True))  # fmt: skip
    for event in (*logged, survivor[-1]):
        assert (event["system"], event["key"]) == ("ERP", f"B-{token}"), event


def test_merges_in_a_chain_come_apart_in_the_reverse_order(hub: RunningHub) -> None:
    token = unique("q")
    keys = {name: f"{name}-{token}" for name in "ACEV"}
    ids = {name: _firm(hub, keys[name]) for name in "ACE"}
    vin = vin_for(token, 2)
    ok(hub, VEHICLE, {"input": {"source": {"system": "VMS", "key": keys["V"]}, "vin": vin,
                                "owner": {"source": {"system": "CRM", "key": keys["C"]}}}})  # fmt: skip
    before = {name: snapshot(hub, i) for name, i in ids.items()}
    _merged(hub, ids["A"], ids["C"])  # C's vehicle moves to A
    _merged(hub, ids["E"], ids["A"])  # and on to E
    _unmerged(hub, keys["A"])  # A comes back with what it had, C's vehicle included
    _unmerged(hub, keys["C"])
    assert {name: snapshot(hub, i) for name, i in ids.items()} == before


def test_chained_merges_lead_every_old_id_to_the_last_survivor(hub: RunningHub) -> None:
    token = unique("c")
    a, b, c = (
        partner(hub, "CRM", f"{n}-{token}", **person_values(token, 30 + n))["businessPartner"]["id"]
        for n in range(3)
    )
    ok(hub, MERGE, {"input": {"survivor": {"id": b}, "merged": [{"id": c}]}})
    ok(hub, MERGE, {"input": {"survivor": {"id": a}, "merged": [{"id": b}]}})
    by_oldest = ok(hub, LINEAGE, {"id": c})["businessPartner"]
    assert by_oldest["id"] == a
    assert sorted(by_oldest["mergedFrom"]) == sorted([b, c])


def _open_pairs(hub: RunningHub) -> list[set[str]]:
    """Every open candidate's pair of partners, page by page: the shared store holds the
    candidates of every test."""
    pairs: list[set[str]] = []
    after = None
    while True:
        page = ok(
            hub,
            "query($after: String) { matchCandidates(first: 100, after: $after) { edges { "
            "node { left { id } right { id } } } pageInfo { hasNextPage endCursor } } }",
            {"after": after},
        )["matchCandidates"]
        pairs += [{e["node"]["left"]["id"], e["node"]["right"]["id"]} for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return pairs
        after = page["pageInfo"]["endCursor"]


def test_a_merged_partners_open_candidate_moves_to_the_survivor(hub: RunningHub) -> None:
    token = unique("q")
    # One household and one family mailbox, two birth dates: a steward's decision.
    values = {**person_values(token, 40), "email": f"familie.{token}@example.org"}
    father = partner(hub, "CRM", f"F-{token}", **values)["businessPartner"]["id"]
    son = partner(hub, "ERP", f"S-{token}", **{**values, "birthDate": "2001-01-01"})
    assert son["matchOutcome"]["action"] == "QUEUED_FOR_REVIEW"
    # The father's record in another system, at another address: a steward joins them.
    named = {k: values[k] for k in ("firstName", "lastName")}
    other = partner(hub, "LEASING", f"O-{token}", **{**person_values(token, 41), **named})
    other = other["businessPartner"]["id"]
    ok(hub, MERGE, {"input": {"survivor": {"id": other}, "merged": [{"id": father}]}})
    pairs = _open_pairs(hub)
    assert {son["businessPartner"]["id"], other} in pairs
    assert not any(father in pair for pair in pairs)


def test_a_partner_named_by_the_id_it_had_before_a_merge_is_refused(hub: RunningHub) -> None:
    token = unique("w")
    x, y, z = (_firm(hub, f"{name}-{token}") for name in "XYZ")
    _merged(hub, y, x)
    again = ok(hub, MERGE, {"input": {"survivor": {"id": z}, "merged": [{"id": x}]}})
    (problem,) = again["mergeBusinessPartners"]["userErrors"]
    assert (problem["field"], problem["code"]) == (["input", "merged", "0", "id"], "INVALID_VALUE")
    assert y in problem["message"]
    # Y itself was not merged into Z.
    assert ok(hub, "query($id: ID!) { businessPartner(id: $id) { id } }", {"id": y})[
        "businessPartner"
    ] == {"id": y}


def test_an_override_keeps_a_partner_of_its_kind_and_names_each_attribute_once(
    hub: RunningHub,
) -> None:
    token = unique("k")
    survivor, merged = _firm(hub, f"K1-{token}"), _firm(hub, f"K2-{token}")
    overrides = [
        {"attribute": "kind", "value": "PERSON"},
        {"attribute": "lastName", "value": "Meier"},
        {"attribute": "email", "value": "a@example.com"},
        {"attribute": "email", "value": "b@example.com"},
    ]
    refused = ok(hub, MERGE, {"input": {"survivor": {"id": survivor}, "merged": [{"id": merged}],
                                        "overrides": overrides}})  # fmt: skip
    problems = refused["mergeBusinessPartners"]["userErrors"]
    assert [(p["field"], p["code"]) for p in problems] == [
        (["input", "overrides", str(i), "attribute"], "INVALID_VALUE") for i in (0, 1, 3)
    ]
    assert "an organization has no lastName" in problems[1]["message"]


def test_a_merge_decides_every_candidate_among_the_partners_it_joins(hub: RunningHub) -> None:
    token = unique("t")
    # Name and address, nothing else: each record waits for a steward.
    values = {
        k: v for k, v in person_values(token, 1).items() if k not in ("birthDate", "email", "phone")
    }
    ids = [partner(hub, system, f"{system}-{token}", **values)["businessPartner"]["id"]
           for system in ("CRM", "ERP", "DEALER")]  # fmt: skip
    first = candidate_between(hub, ids[0], ids[1])
    assert first is not None, "the second record waits for a steward"
    merged = {"survivor": {"id": ids[2]}, "merged": [{"id": ids[0]}, {"id": ids[1]}]}
    assert ok(hub, MERGE, {"input": merged})["mergeBusinessPartners"]["userErrors"] == []
    decided = ok(hub, "query($id: ID!) { node(id: $id) { ... on MatchCandidate { status } } }",
                 {"id": first["id"]})  # fmt: skip
    assert decided["node"] == {"status": "MERGED"}


def test_an_unmerged_partner_is_proposed_again_against_its_closest(hub: RunningHub) -> None:
    token = unique("u")
    # Name and address, nothing else: each record waits for a steward.
    values = {
        k: v for k, v in person_values(token, 1).items() if k not in ("birthDate", "email", "phone")
    }
    crm = partner(hub, "CRM", f"CRM-{token}", **values)["businessPartner"]["id"]
    # A steward merges the CRM record into another person by mistake ...
    other = partner(hub, "LEASING", f"L-{token}", **person_values(token, 2))["businessPartner"]
    ok(hub, MERGE, {"input": {"survivor": {"id": other["id"]}, "merged": [{"id": crm}]}})
    # ... before the ERP's record of the CRM's customer arrives, and waits against it.
    erp = partner(hub, "ERP", f"ERP-{token}", **values)["businessPartner"]["id"]
    assert candidate_between(hub, other["id"], erp) is not None
    _unmerged_from(hub, "CRM", f"CRM-{token}")
    assert candidate_between(hub, other["id"], erp) is None  # the other person: withdrawn
    back = candidate_between(hub, crm, erp)
    assert back is not None and back["status"] == "OPEN"


def _unmerged_from(hub: RunningHub, system: str, key: str) -> None:
    done = ok(hub, UNMERGE, {"source": {"system": system, "key": key}})
    assert done["unmergeBusinessPartner"]["userErrors"] == [], done


LINKED = """
query($id: ID!) { businessPartner(id: $id) {
  contracts { totalCount edges { node { number } } }
  relationships { type direction partner { id } } } }
"""


def test_a_merge_of_two_partners_linked_to_each_other_lists_each_link_once(
    hub: RunningHub,
) -> None:
    token = unique("l")
    keys = {name: f"{name}-{token}" for name in ("A", "B")}
    a = _firm(hub, keys["A"])
    b = _firm(hub, keys["B"], relationships=[
        {"type": "SUBSIDIARY_OF", "partner": {"source": {"system": "CRM", "key": keys["A"]}}}])  # fmt: skip
    contract = {
        "source": {"system": "CRM", "key": f"K-{token}"},
        "number": f"K-{token}",
        "type": "LEASING",
        "parties": [
            {"role": "LESSEE", "partner": {"id": a}},
            {"role": "PAYER", "partner": {"id": b}},
        ],
    }
    made = ok(hub, "mutation($i: ContractInput!) { upsertContract(input: $i) "
                   "{ userErrors { field code } } }", {"i": contract})  # fmt: skip
    assert made["upsertContract"]["userErrors"] == []
    _merged(hub, a, b)
    linked = ok(hub, LINKED, {"id": a})["businessPartner"]
    assert linked["contracts"]["totalCount"] == 1
    assert [e["node"]["number"] for e in linked["contracts"]["edges"]] == [f"K-{token}"]
    assert linked["relationships"] == []  # no partner is its own subsidiary
    name = ok(hub, "query($id: ID!) { businessPartner(id: $id) { name } }", {"id": a})
    filtered = ok(hub, "query($n: String!) { businessPartners(where: {name: {eq: $n}, "
                       "relationship: {type: SUBSIDIARY_OF}}) { totalCount } }",
                  {"n": name["businessPartner"]["name"]})  # fmt: skip
    assert filtered["businessPartners"]["totalCount"] == 0
    _unmerged(hub, keys["B"])
    assert ok(hub, LINKED, {"id": b})["businessPartner"]["relationships"] == [
        {"type": "SUBSIDIARY_OF", "direction": "OUTGOING", "partner": {"id": a}}
    ]


OVERRIDE = """
mutation($input: OverrideInput!) {
  overrideBusinessPartner(input: $input) {
    businessPartner { id email phone version }
    userErrors { field code message }
  }
}
"""


def test_a_steward_overrides_one_partner_and_removes_the_override_again(
    hub: RunningHub,
) -> None:
    token = unique("o")
    values = person_values(token, 1)
    made = partner(hub, "CRM", f"O-{token}", **values)["businessPartner"]["id"]

    def override(email: str | None, **extra: Any) -> dict[str, Any]:
        given = {"partner": {"id": made}, "reason": "checked by phone",
                 "overrides": [{"attribute": "email", "value": email}], **extra}  # fmt: skip
        result: dict[str, Any] = ok(hub, OVERRIDE, {"input": given})["overrideBusinessPartner"]
        return result

    first = override("checked@example.com")
    assert first["userErrors"] == [] and first["businessPartner"]["email"] == "checked@example.com"
    # Matching finds the partner by the address the steward gave.
    (keys,) = hub.run(
        hub.store.query(
            "MATCH (p:BusinessPartner {id: $id}) RETURN p.matchKeys AS keys", {"id": hub_id(made)}
        )
    )
    assert "e:checked@example.com" in keys["keys"]
    # A later delivery from the source does not undo it ...
    partner(hub, "CRM", f"O-{token}", **{**values, "email": f"new.{token}@example.com"})
    shown = "query($id: ID!) { businessPartner(id: $id) { email } }"
    assert ok(hub, shown, {"id": made})["businessPartner"]["email"] == "checked@example.com"
    # ... until the steward removes it: the source's value is back.
    assert override(None)["businessPartner"]["email"] == f"new.{token}@example.com"
    same = override(None)  # removing it again changes nothing
    assert same["businessPartner"]["version"] == override(None)["businessPartner"]["version"]
    wrong = override("not an address")["userErrors"]
    assert [(e["field"], e["code"]) for e in wrong] == [
        (["input", "overrides", "0", "value"], "INVALID_VALUE")
    ]


def test_merges_and_unmerges_get_through_while_sources_keep_writing_the_partners(
    hub: RunningHub,
) -> None:
    token = unique("busy")
    values = [person_values(token, 60 + n) for n in range(2)]
    ids = [
        partner(hub, system, f"{token}-{n}", **values[n])["businessPartner"]["id"]
        for n, system in enumerate(("CRM", "ERP"))
    ]
    done = threading.Event()

    def keep_writing(n: int) -> list[int]:
        statuses = []
        step = 0
        while not done.is_set():
            step += 1
            data = {"source": {"system": ("CRM", "ERP")[n % 2], "key": f"{token}-{n % 2}"},
                    "kind": "PERSON", **values[n % 2], "phone": f"+4930{n}{step:06d}"}  # fmt: skip
            statuses.append(hub.post(PARTNER, {"input": data}).status_code)
        return statuses

    refused = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        writers = [pool.submit(keep_writing, n) for n in range(3)]
        try:
            for _ in range(6):
                merge = {"input": {"survivor": {"id": ids[0]}, "merged": [{"id": ids[1]}]}}
                unmerge = {"source": {"system": "ERP", "key": f"{token}-1"}}
                for query, variables in ((MERGE, merge), (UNMERGE, unmerge)):
                    body = hub.graphql(query, variables)
                    if "errors" in body:
                        refused.append(body["errors"])
        finally:
            done.set()
        written = [status for writer in writers for status in writer.result()]
    assert refused == []
    assert written and set(written) == {200}

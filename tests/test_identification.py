"""upsertIdentificationObject and blockIdentificationObject."""

import json
from typing import Any

from tests.harness import RunningHub, ok, vin_for
from tests.test_contracts import setup

UPSERT = """
mutation($input: IdentificationObjectInput!) {
  upsertIdentificationObject(input: $input) {
    created changed userErrors { field code message }
    identificationObject { id kind number status blockedReason validFrom validTo version
      vehicle { vin } holder { name } contract { number } }
  }
}
"""
BLOCK = """
mutation($id: ID!, $reason: String!) {
  blockIdentificationObject(id: $id, reason: $reason) {
    changed userErrors { field code message }
    identificationObject { status blockedReason version }
  }
}
"""


def card(hub: RunningHub, unique: str, **extra: Any) -> dict[str, Any]:
    data = {
        "source": {"system": "ERP", "key": f"FC-{unique}"},
        "kind": "FUEL_CARD",
        "number": f"7000 {unique}",
        "validFrom": "2024-01-01",
        "validTo": "2030-12-31",
        "vehicle": {"vin": vin_for(unique)},
        "holder": {"source": {"system": "CRM", "key": f"P-{unique}"}},
        "contract": {"number": f"L-{unique}"},
        **extra,
    }
    result: dict[str, Any] = ok(hub, UPSERT, {"input": data})["upsertIdentificationObject"]
    return result


def test_card_bound_to_vehicle_holder_and_contract(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    result = card(hub, unique)
    assert result["userErrors"] == []
    obj = result["identificationObject"]
    assert obj["number"] == f"7000{unique}"
    assert obj["status"] == "ACTIVE"
    assert obj["vehicle"] == {"vin": vin_for(unique)}
    assert obj["holder"]["name"] == f"Anna Müller {unique}"
    assert obj["contract"] == {"number": f"L-{unique}"}
    lookup = ok(hub, '{ identificationObject(kind: FUEL_CARD, number: "7000 %s") { id } }' % unique)
    assert lookup["identificationObject"]["id"] == obj["id"]
    assert card(hub, unique)["changed"] is False


def test_blocking_sets_status_and_reason_once(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    obj = card(hub, unique)["identificationObject"]
    blocked = ok(hub, BLOCK, {"id": obj["id"], "reason": "card reported stolen"})[
        "blockIdentificationObject"
    ]
    assert blocked["changed"]
    assert blocked["identificationObject"] == {
        "status": "BLOCKED",
        "blockedReason": "card reported stolen",
        "version": obj["version"] + 1,
    }
    again = ok(hub, BLOCK, {"id": obj["id"], "reason": "card reported stolen"})[
        "blockIdentificationObject"
    ]
    assert again["changed"] is False
    redelivered = card(hub, unique, validTo="2031-12-31")
    assert redelivered["identificationObject"]["status"] == "BLOCKED", "a delivery does not unblock"


def test_blocking_needs_a_reason_and_a_known_object(hub: RunningHub) -> None:
    empty = ok(hub, BLOCK, {"id": "x", "reason": "  "})["blockIdentificationObject"]
    assert empty["userErrors"][0]["code"] == "REQUIRED"
    unknown = ok(hub, BLOCK, {"id": "SWRlbnRpZmljYXRpb25PYmplY3Q6bm9uZQ", "reason": "x"})[
        "blockIdentificationObject"
    ]
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [(["id"], "NOT_FOUND")]
    made_up = ok(hub, BLOCK, {"id": "nope", "reason": "x"})["blockIdentificationObject"]
    assert [(e["field"], e["code"]) for e in made_up["userErrors"]] == [(["id"], "INVALID_ID")]
    vehicle_id = "VmVoaWNsZToxMjM"  # Vehicle:123
    other = ok(hub, BLOCK, {"id": vehicle_id, "reason": "x"})["blockIdentificationObject"]
    (problem,) = other["userErrors"]
    assert (
        problem["field"] == ["id"]
        and "a Vehicle, not an IdentificationObject" in problem["message"]
    )


def test_object_past_valid_to_reads_as_expired(hub: RunningHub, unique: str) -> None:
    result = ok(
        hub,
        UPSERT,
        {
            "input": {
                "source": {"system": "ERP", "key": f"LP-{unique}"},
                "kind": "LICENSE_PLATE",
                "number": f"M-{unique}",
                "validTo": "2020-01-01",
            }
        },
    )["upsertIdentificationObject"]
    assert result["identificationObject"]["status"] == "EXPIRED"
    expired = ok(
        hub,
        '{ identificationObjects(where: {status: EXPIRED, number: {eq: "M-%s"}}) { totalCount } }'
        % unique,
    )
    assert expired["identificationObjects"]["totalCount"] == 1


def test_valid_to_before_valid_from_is_rejected(hub: RunningHub, unique: str) -> None:
    result = ok(
        hub,
        UPSERT,
        {
            "input": {
                "source": {"system": "ERP", "key": f"T-{unique}"},
                "kind": "TOLL_TAG",
                "number": "1",
                "validFrom": "2025-01-01",
                "validTo": "2024-01-01",
            }
        },
    )["upsertIdentificationObject"]
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["input", "validTo"], "INVALID_DATE_RANGE")
    ]


def test_a_second_source_cannot_renumber_a_card_the_first_gives(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    card(hub, unique)
    second = {"source": {"system": "CRM", "key": f"FC-{unique}"}}
    assert card(hub, unique, **second)["userErrors"] == []
    renumbered = card(hub, unique, **second, number=f"7001 {unique}")
    assert [(e["field"], e["code"]) for e in renumbered["userErrors"]] == [
        (["input", "number"], "CONFLICT")
    ]
    kind_changed = card(hub, unique, **second, kind="SERVICE_CARD")
    assert [(e["field"], e["code"]) for e in kind_changed["userErrors"]] == [
        (["input", "kind"], "CONFLICT")
    ]
    lookup = ok(hub, '{ identificationObject(kind: FUEL_CARD, number: "7000 %s") { id } }' % unique)
    assert lookup["identificationObject"] is not None


def test_a_blank_number_finds_nothing_and_says_why(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    card(hub, unique)
    for blank in ("", "  "):
        body = hub.graphql(
            '{ identificationObject(kind: FUEL_CARD, number: "%s") { number } }' % blank
        )
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert "together" in body["errors"][0]["message"]
    document = hub.graphql('{ document(number: " ", revision: "A") { number } }')
    assert document["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", document


def test_a_card_number_printed_with_hyphens_is_the_same_card(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    spaced = card(hub, unique, number=f"7005 {unique} 01")
    hyphened = card(
        hub, unique, source={"system": "ERP", "key": f"FC2-{unique}"}, number=f"7005-{unique}-01"
    )
    assert hyphened["identificationObject"]["id"] == spaced["identificationObject"]["id"]
    found = ok(
        hub, '{ identificationObject(kind: FUEL_CARD, number: "7005.%s.01") { id } }' % unique
    )
    assert found["identificationObject"]["id"] == spaced["identificationObject"]["id"]


def test_a_card_number_is_found_by_part_of_it_as_printed(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    number = card(hub, unique, number=f"7005 {unique} 01")["identificationObject"]["number"]
    for where in (
        '{number: {startsWith: "7005-%s"}}' % unique.lower(),
        '{number: {contains: "%s 01"}}' % unique,
        '{number: {contains: "%s"}}' % number[2:9],
    ):
        found = ok(
            hub, "{ identificationObjects(where: %s) { edges { node { number } } } }" % where
        )
        assert found["identificationObjects"]["edges"] == [{"node": {"number": number}}], where


def test_a_plate_is_found_however_it_was_printed(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    district = "".join(c for c in unique.upper() if c.isalpha())[:2] or "XY"
    plate = card(
        hub,
        unique,
        source={"system": "VMS", "key": f"PL-{unique}"},
        kind="LICENSE_PLATE",
        number=f"{district} ab 123",
        contract=None,
    )["identificationObject"]
    assert plate["number"] == f"{district}AB123"
    for printed in (f"{district}-AB 123", f"{district}AB123", f"{district.lower()}-ab-123"):
        found = ok(
            hub, '{ identificationObject(kind: LICENSE_PLATE, number: "%s") { id } }' % printed
        )
        assert found["identificationObject"] == {"id": plate["id"]}, printed


def test_a_blocked_reason_without_the_blocked_status_is_refused_not_dropped(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    for status in ({}, {"status": "ACTIVE"}):
        refused = card(hub, unique, blockedReason="stolen", **status)
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
            (["input", "blockedReason"], "INVALID_VALUE")
        ], status
    blocked = card(hub, unique, blockedReason="stolen", status="BLOCKED")
    assert blocked["identificationObject"]["blockedReason"] == "stolen"


def test_a_new_link_to_a_deleted_vehicle_is_refused_and_an_old_one_kept(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    bound = card(hub, unique)
    assert bound["userErrors"] == []
    deleted = ok(
        hub,
        "mutation($s: SourceRefInput!) { deleteRecord(kind: VEHICLE, source: $s) "
        "{ recordDeleted } }",
        {"s": {"system": "VMS", "key": f"V-{unique}"}},
    )
    assert deleted["deleteRecord"]["recordDeleted"] is True
    # The card bound before goes on naming it, and may be delivered again.
    again = card(hub, unique, validTo="2031-12-31")
    assert again["userErrors"] == [] and again["changed"]
    new = card(hub, unique, source={"system": "ERP", "key": f"FC9-{unique}"}, number=f"9 {unique}")
    assert [(e["field"], e["code"]) for e in new["userErrors"]] == [
        (["input", "vehicle"], "NOT_FOUND")
    ]
    assert "deleted" in new["userErrors"][0]["message"]
    assert new["identificationObject"] is None


def test_a_number_stored_in_an_older_spelling_is_delivered_again_by_any_source(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    first = card(hub, unique, number=f"7005 {unique}")["identificationObject"]
    card(hub, unique, source={"system": "CRM", "key": f"FC-{unique}"}, number=f"7005 {unique}")
    # As an earlier version kept it: with the hyphen it was delivered with.
    older = f"7005-{unique}"
    rows = hub.run(
        hub.store.query(
            "MATCH (g:IdentificationObject {number: $n}) RETURN g.id AS id, g.state AS state",
            {"n": f"7005{unique}"},
        )
    )
    state = {**json.loads(rows[0]["state"]), "number": older}
    hub.run(
        hub.store.query(
            "MATCH (g:IdentificationObject {id: $id}) SET g.number = $n, g.state = $s",
            {"id": rows[0]["id"], "n": older, "s": json.dumps(state)},
        )
    )
    crm = {"source": {"system": "CRM", "key": f"FC-{unique}"}, "number": older}
    assert card(hub, unique, **crm)["userErrors"] == []  # a repeat, as it was
    changed = card(hub, unique, **crm, validTo="2031-12-31")
    assert changed["userErrors"] == []
    assert changed["identificationObject"]["id"] == first["id"]
    assert changed["identificationObject"]["number"] == f"7005{unique}"


def test_a_number_of_nothing_but_separators_is_refused(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    refused = card(hub, unique, number=" - / ")
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "number"], "INVALID_VALUE")
    ]
    body = hub.graphql('{ identificationObject(kind: FUEL_CARD, number: "---") { id } }')
    assert "separators" in body["errors"][0]["message"]

"""deleteRecord: a source leaves, the record's values follow its other sources; the last one
deletes the record (kept, resolvable, left out of lists); a later delivery restores it."""

from __future__ import annotations

from typing import Any

from tests.conftest import register
from tests.harness import RunningHub, ok, vin_for
from tests.test_matching import candidate_between, unique
from tests.test_stewardship import MERGE, partner, person_values

DELETE = """
mutation($kind: RecordKind!, $source: SourceRefInput!, $reason: String) {
  deleteRecord(kind: $kind, source: $source, reason: $reason) {
    changed recordDeleted userErrors { field code message }
    record { id ... on Vehicle { vin deletedAt sources { system key deletedAt deletionReason } }
                ... on BusinessPartner { phone email deletedAt } }
  }
}
"""
VEHICLE = """
mutation($input: VehicleInput!) {
  upsertVehicle(input: $input) { created changed vehicle { id deletedAt version } userErrors { code } }
}
"""
LISTED = """
query($vin: String!, $deleted: Boolean) {
  live: vehicles(where: {vin: {eq: $vin}}) { totalCount }
  deleted: vehicles(where: {vin: {eq: $vin}, deletedAt: {isNull: $deleted}}) { totalCount }
}
"""
HISTORY = """
query($id: ID!) {
  vehicle(id: $id) { deletedAt changeHistory { nodes { action reason source { system key }
    changes { field before after } } } }
}
"""


def deliver(hub: RunningHub, system: str, key: str, vin: str, **values: Any) -> dict[str, Any]:
    data = {"source": {"system": system, "key": key}, "vin": vin, "make": "BMW", **values}
    result: dict[str, Any] = ok(hub, VEHICLE, {"input": data})["upsertVehicle"]
    assert result["userErrors"] == [], result
    return result


def delete(hub: RunningHub, kind: str, system: str, key: str, reason: str | None = None) -> Any:
    variables = {"kind": kind, "source": {"system": system, "key": key}, "reason": reason}
    return ok(hub, DELETE, variables)["deleteRecord"]


def test_the_last_source_leaving_deletes_the_record_and_lists_leave_it_out(
    hub: RunningHub,
) -> None:
    token = unique("d")
    vin = vin_for(token)
    vehicle_id = deliver(hub, "VMS", f"V-{token}", vin)["vehicle"]["id"]
    deliver(hub, "CRM", f"C-{token}", vin)

    first = delete(hub, "VEHICLE", "VMS", f"V-{token}", "scrapped in VMS")
    assert first["userErrors"] == [] and first["changed"] and not first["recordDeleted"]
    assert first["record"]["deletedAt"] is None
    assert {s["system"]: s["deletionReason"] for s in first["record"]["sources"]} == {
        "VMS": "scrapped in VMS",
        "CRM": None,
    }

    last = delete(hub, "VEHICLE", "CRM", f"C-{token}", "customer left")
    assert last["recordDeleted"] and last["record"]["id"] == vehicle_id
    assert last["record"]["deletedAt"] is not None
    counts = ok(hub, LISTED, {"vin": vin, "deleted": False})
    assert counts["live"]["totalCount"] == 0 and counts["deleted"]["totalCount"] == 1

    history = ok(hub, HISTORY, {"id": vehicle_id})["vehicle"]
    assert history["deletedAt"] is not None
    events = history["changeHistory"]["nodes"]
    assert [(e["action"], e["reason"]) for e in events][-1] == ("DELETED", "customer left")
    # The event gives the time as the record does; the source that left says so.
    assert events[-1]["changes"] == [
        {"field": "deletedAt", "before": None, "after": history["deletedAt"]}
    ]
    left = events[-2]
    assert (left["action"], left["source"]["system"]) == ("UPDATED", "VMS")
    assert [c["field"] for c in left["changes"]] == ["sourceDeletedAt"]

    again = delete(hub, "VEHICLE", "CRM", f"C-{token}")
    assert again["userErrors"] == [] and not again["changed"] and again["recordDeleted"]


def test_a_later_delivery_restores_a_deleted_record_under_its_id(hub: RunningHub) -> None:
    token = unique("r")
    vin = vin_for(token)
    vehicle_id = deliver(hub, "VMS", f"V-{token}", vin, model="X5")["vehicle"]["id"]
    delete(hub, "VEHICLE", "VMS", f"V-{token}")

    # The very same delivery again: the system holds the record again.
    restored = deliver(hub, "VMS", f"V-{token}", vin, model="X5")
    assert restored["changed"] and not restored["created"]
    assert restored["vehicle"]["id"] == vehicle_id and restored["vehicle"]["deletedAt"] is None
    assert ok(hub, LISTED, {"vin": vin, "deleted": True})["live"]["totalCount"] == 1
    events = ok(hub, HISTORY, {"id": vehicle_id})["vehicle"]["changeHistory"]["nodes"]
    assert [e["action"] for e in events] == ["CREATED", "DELETED", "RESTORED"]
    # The restoration undoes the deletion's change, as the deletion lists it.
    (deleted,) = [c for c in events[1]["changes"] if c["field"] == "deletedAt"]
    assert {"field": "deletedAt", "before": deleted["after"], "after": None} in events[2]["changes"]


def test_a_deleted_source_no_longer_gives_a_partner_its_values(hub: RunningHub) -> None:
    token = unique("s")
    crm = partner(hub, "CRM", f"A-{token}", **{**person_values(token, 1), "phone": None})
    erp = partner(hub, "ERP", f"B-{token}", **person_values(token, 2))
    merged = ok(
        hub,
        MERGE,
        {
            "input": {
                "survivor": {"id": crm["businessPartner"]["id"]},
                "merged": [{"id": erp["businessPartner"]["id"]}],
                "reason": "same customer",
            }
        },
    )["mergeBusinessPartners"]
    assert merged["userErrors"] == []
    shown = "query($id: ID!) { businessPartner(id: $id) { phone } }"
    survivor = crm["businessPartner"]["id"]
    assert ok(hub, shown, {"id": survivor})["businessPartner"]["phone"] is not None

    gone = delete(hub, "BUSINESS_PARTNER", "ERP", f"B-{token}", "archived in ERP")
    assert gone["userErrors"] == [] and not gone["recordDeleted"]
    assert gone["record"]["phone"] is None
    assert gone["record"]["deletedAt"] is None


def test_a_source_delivered_again_after_its_deletion_keeps_what_it_said_before(
    hub: RunningHub,
) -> None:
    token = unique("k")
    values = person_values(token, 3)
    crm = partner(hub, "CRM", f"A-{token}", **{**values, "roles": ["CUSTOMER", "VENDOR"]})
    erp = partner(hub, "ERP", f"B-{token}", **{**person_values(token, 4), "phone": None})
    survivor = crm["businessPartner"]["id"]
    merged = ok(
        hub,
        MERGE,
        {"input": {"survivor": {"id": survivor}, "merged": [{"id": erp["businessPartner"]["id"]}]}},
    )["mergeBusinessPartners"]
    assert merged["userErrors"] == []
    delete(hub, "BUSINESS_PARTNER", "CRM", f"A-{token}")
    # Delivered again with less than before: leaving a value out erases nothing.
    partner(hub, "CRM", f"A-{token}", firstName=values["firstName"], lastName=values["lastName"])
    read = ok(
        hub,
        "query($id: ID!) { businessPartner(id: $id) { phone roles "
        "lineage { attribute source { system key } } } }",
        {"id": survivor},
    )["businessPartner"]
    assert read["phone"] is not None and sorted(read["roles"]) == ["CUSTOMER", "VENDOR"]
    came_from = {entry["attribute"]: entry["source"] for entry in read["lineage"]}
    assert came_from["phone"] == {"system": "CRM", "key": f"A-{token}"}
    assert came_from["roles"] == {"system": "CRM", "key": f"A-{token}"}


def test_deleting_an_unknown_key_or_another_systems_key_is_refused(
    hub: RunningHub, secured: RunningHub
) -> None:
    unknown = delete(hub, "VEHICLE", "VMS", "no-such-key")
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [(["source"], "NOT_FOUND")]

    token = register(secured, "write", "read", system="ERP")
    body = secured.graphql(
        DELETE,
        {"kind": "VEHICLE", "source": {"system": "CRM", "key": "K"}},
        token=token,
    )
    errors = body["data"]["deleteRecord"]["userErrors"]
    assert [e["code"] for e in errors] == ["FORBIDDEN"]


FLEET = """
query($id: ID!, $make: String!) {
  businessPartner(id: $id) { vehicles(first: 10) { totalCount edges { node { vin } } } }
  live: businessPartners(where: {ownsVehicle: {make: {eq: $make}}}) { totalCount }
  deleted: businessPartners(where: {ownsVehicle: {make: {eq: $make}, deletedAt: {isNull: false}}}) {
    totalCount }
}
"""


def test_a_partners_fleet_and_its_filter_leave_a_deleted_vehicle_out(hub: RunningHub) -> None:
    token = unique("f")
    owner = partner(hub, "CRM", f"P-{token}", **person_values(token, 1))["businessPartner"]["id"]
    make = unique("Mk").upper()
    kept, scrapped = vin_for(token, 1), vin_for(token, 2)
    for vin, given in ((kept, "BMW"), (scrapped, make)):
        reference = {"source": {"system": "CRM", "key": f"P-{token}"}}
        deliver(hub, "VMS", f"V-{vin}", vin, make=given, owner=reference)
    before = ok(hub, FLEET, {"id": owner, "make": make})
    assert before["businessPartner"]["vehicles"]["totalCount"] == 2
    assert before["live"]["totalCount"] == 1

    assert delete(hub, "VEHICLE", "VMS", f"V-{scrapped}", "scrapped")["recordDeleted"]
    after = ok(hub, FLEET, {"id": owner, "make": make})
    fleet = after["businessPartner"]["vehicles"]
    assert fleet["totalCount"] == 1 and [e["node"]["vin"] for e in fleet["edges"]] == [kept]
    assert after["live"]["totalCount"] == 0 and after["deleted"]["totalCount"] == 1


def test_a_deleted_partner_leaves_the_queue_and_is_merged_no_more(hub: RunningHub) -> None:
    token = unique("q")
    values = {k: v for k, v in person_values(token, 1).items() if k != "birthDate"}
    crm = partner(hub, "CRM", f"A-{token}", **values)
    erp = partner(hub, "ERP", f"B-{token}", **{**values, "phone": None, "email": None})
    assert erp["matchOutcome"]["action"] == "QUEUED_FOR_REVIEW", erp["matchOutcome"]
    pair = (crm["businessPartner"]["id"], erp["businessPartner"]["id"])
    assert candidate_between(hub, *pair) is not None
    delete(hub, "BUSINESS_PARTNER", "ERP", f"B-{token}", "archived")
    assert candidate_between(hub, *pair) is None
    # Delivered again, it is restored, and back in the queue.
    partner(hub, "ERP", f"B-{token}", **{**values, "phone": None, "email": None})
    assert candidate_between(hub, *pair) is not None
    delete(hub, "BUSINESS_PARTNER", "ERP", f"B-{token}", "archived again")
    merge = {"survivor": {"id": crm["businessPartner"]["id"]},
             "merged": [{"id": erp["businessPartner"]["id"]}]}  # fmt: skip
    refused = ok(hub, MERGE, {"input": merge})["mergeBusinessPartners"]["userErrors"]
    assert [(e["field"], e["code"]) for e in refused] == [
        (["input", "merged", "0"], "INVALID_VALUE")
    ]
    assert "deleted" in refused[0]["message"]

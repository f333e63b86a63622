"""upsertVehicle and recordVehicleEvent."""

from typing import Any

from tests.harness import RunningHub, ok, vin_for
from tests.test_partners import person, upsert

UPSERT = """
mutation($input: VehicleInput!) {
  upsertVehicle(input: $input) {
    created changed userErrors { field code message }
    vehicle { id vin make model modelYear configuration version
      owner { name } dealer { name } sources { system key } history { type occurredAt mileageKm description } }
  }
}
"""
EVENT = """
mutation($input: VehicleEventInput!) {
  recordVehicleEvent(input: $input) {
    changed userErrors { field code message }
    vehicle { version history { type occurredAt mileageKm description } }
  }
}
"""


def vehicle(hub: RunningHub, data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = ok(hub, UPSERT, {"input": data})["upsertVehicle"]
    return result


def test_vehicle_with_owner_and_dealer_by_source_reference(hub: RunningHub, unique: str) -> None:
    upsert(hub, person(unique))
    upsert(
        hub,
        {
            "source": {"system": "ERP", "key": f"D-{unique}"},
            "kind": "ORGANIZATION",
            "organizationName": f"Dealer {unique}",
        },
    )
    vin = vin_for(unique)
    result = vehicle(
        hub,
        {
            "source": {"system": "VMS", "key": f"V-{unique}"},
            "vin": vin.lower(),
            "make": "BMW",
            "model": "X3",
            "modelYear": 2023,
            "configuration": ["S423", "P337"],
            "owner": {"source": {"system": "CRM", "key": f"P-{unique}"}},
            "dealer": {"source": {"system": "ERP", "key": f"D-{unique}"}},
        },
    )
    assert result["userErrors"] == [] and result["created"]
    v = result["vehicle"]
    assert v["vin"] == vin
    assert v["owner"]["name"] == f"Anna Müller {unique}"
    assert v["dealer"]["name"] == f"Dealer {unique}"
    assert v["configuration"] == ["P337", "S423"]


def test_second_system_with_the_same_vin_attaches_a_second_source(
    hub: RunningHub, unique: str
) -> None:
    vin = vin_for(unique)
    first = vehicle(
        hub, {"source": {"system": "VMS", "key": f"V-{unique}"}, "vin": vin, "make": "BMW"}
    )
    second = vehicle(
        hub, {"source": {"system": "CRM", "key": f"C-{unique}"}, "vin": vin, "model": "X3"}
    )
    assert not second["created"] and second["changed"]
    assert second["vehicle"]["id"] == first["vehicle"]["id"]
    assert {(s["system"], s["key"]) for s in second["vehicle"]["sources"]} == {
        ("VMS", f"V-{unique}"),
        ("CRM", f"C-{unique}"),
    }
    assert (second["vehicle"]["make"], second["vehicle"]["model"]) == ("BMW", "X3")
    count = ok(hub, '{ vehicles(where: {vin: {eq: "%s"}}) { totalCount } }' % vin)
    assert count["vehicles"]["totalCount"] == 1


def test_repeated_vehicle_delivery_is_unchanged(hub: RunningHub, unique: str) -> None:
    data = {"source": {"system": "VMS", "key": f"V-{unique}"}, "vin": vin_for(unique), "make": "VW"}
    first = vehicle(hub, data)
    again = vehicle(hub, data)
    assert (again["created"], again["changed"]) == (False, False)
    assert again["vehicle"]["version"] == first["vehicle"]["version"]


def test_invalid_vin_and_unknown_owner_are_reported_with_paths(
    hub: RunningHub, unique: str
) -> None:
    bad_vin = vehicle(
        hub, {"source": {"system": "VMS", "key": f"V-{unique}"}, "vin": "WBA1234567890123I"}
    )
    assert [(e["field"], e["code"]) for e in bad_vin["userErrors"]] == [
        (["input", "vin"], "INVALID_VIN")
    ]
    short = vehicle(hub, {"source": {"system": "VMS", "key": f"V-{unique}"}, "vin": "WBA123"})
    assert short["userErrors"][0]["code"] == "INVALID_VIN"
    missing = vehicle(
        hub,
        {
            "source": {"system": "VMS", "key": f"V-{unique}"},
            "vin": vin_for(unique),
            "owner": {"source": {"system": "CRM", "key": "does-not-exist"}},
        },
    )
    assert [(e["field"], e["code"]) for e in missing["userErrors"]] == [
        (["input", "owner"], "NOT_FOUND")
    ]
    assert ok(hub, '{ vehicle(vin: "%s") { id } }' % vin_for(unique)) == {"vehicle": None}


def test_reference_needs_exactly_one_way(hub: RunningHub, unique: str) -> None:
    result = vehicle(
        hub,
        {"source": {"system": "VMS", "key": f"V-{unique}"}, "vin": vin_for(unique), "owner": {}},
    )
    assert result["userErrors"][0]["code"] == "INVALID_REFERENCE"


def test_changing_a_vin_to_one_of_another_vehicle_is_a_conflict(
    hub: RunningHub, unique: str
) -> None:
    vehicle(hub, {"source": {"system": "VMS", "key": f"A-{unique}"}, "vin": vin_for(unique, 1)})
    vehicle(hub, {"source": {"system": "VMS", "key": f"B-{unique}"}, "vin": vin_for(unique, 2)})
    clash = vehicle(
        hub, {"source": {"system": "VMS", "key": f"A-{unique}"}, "vin": vin_for(unique, 2)}
    )
    assert [(e["field"], e["code"]) for e in clash["userErrors"]] == [
        (["input", "vin"], "CONFLICT")
    ]


def test_a_second_source_cannot_change_the_vin_the_first_gives(
    hub: RunningHub, unique: str
) -> None:
    vms = {"source": {"system": "VMS", "key": f"V-{unique}"}, "vin": vin_for(unique, 1)}
    erp = {"source": {"system": "ERP", "key": f"E-{unique}"}, "vin": vin_for(unique, 1)}
    vehicle(hub, vms)
    vehicle(hub, erp)
    other_vin = vehicle(hub, {**erp, "vin": vin_for(unique, 2)})
    assert [(e["field"], e["code"]) for e in other_vin["userErrors"]] == [
        (["input", "vin"], "CONFLICT")
    ]
    assert f"VMS/V-{unique}" in other_vin["userErrors"][0]["message"]
    assert ok(hub, '{ vehicle(vin: "%s") { id } }' % vin_for(unique, 2)) == {"vehicle": None}
    # A vehicle of that VIN comes later; deleting the first source leaves ERP's, as it was.
    vehicle(hub, {"source": {"system": "CRM", "key": f"C-{unique}"}, "vin": vin_for(unique, 2)})
    deleted = ok(
        hub,
        "mutation($s: SourceRefInput!) { deleteRecord(kind: VEHICLE, source: $s) "
        "{ changed userErrors { code } } }",
        {"s": vms["source"]},
    )["deleteRecord"]
    assert deleted == {"changed": True, "userErrors": []}
    found = ok(
        hub, '{ vehicle(vin: "%s") { sources { system key deletedAt } } }' % vin_for(unique, 1)
    )
    live = [(s["system"], s["key"]) for s in found["vehicle"]["sources"] if not s["deletedAt"]]
    assert live == [("ERP", f"E-{unique}")]


def test_the_only_source_of_a_vehicle_may_correct_its_vin(hub: RunningHub, unique: str) -> None:
    data = {"source": {"system": "VMS", "key": f"V-{unique}"}, "vin": vin_for(unique, 1)}
    first = vehicle(hub, data)
    corrected = vehicle(hub, {**data, "vin": vin_for(unique, 2)})
    assert corrected["userErrors"] == [] and corrected["changed"]
    assert corrected["vehicle"]["id"] == first["vehicle"]["id"]
    assert corrected["vehicle"]["vin"] == vin_for(unique, 2)


def test_events_build_the_history_oldest_first_without_doubles(
    hub: RunningHub, unique: str
) -> None:
    vin = vin_for(unique)
    vehicle(hub, {"source": {"system": "VMS", "key": f"V-{unique}"}, "vin": vin})
    sold = {
        "vehicle": {"vin": vin},
        "type": "SOLD",
        "occurredAt": "2024-03-01T10:00:00+01:00",
        "mileageKm": 12,
    }
    produced = {
        "vehicle": {"vin": vin},
        "type": "PRODUCED",
        "occurredAt": "2024-01-15T08:00:00+00:00",
    }
    first = ok(hub, EVENT, {"input": sold})["recordVehicleEvent"]
    assert first["changed"] and first["userErrors"] == []
    ok(hub, EVENT, {"input": produced})
    again = ok(hub, EVENT, {"input": sold})["recordVehicleEvent"]
    assert again["changed"] is False
    history = again["vehicle"]["history"]
    assert [h["type"] for h in history] == ["PRODUCED", "SOLD"]
    assert history[1]["occurredAt"] == "2024-03-01T09:00:00+00:00"
    assert history[1]["mileageKm"] == 12


def test_event_for_an_unknown_vehicle_is_not_found(hub: RunningHub) -> None:
    result = ok(
        hub,
        EVENT,
        {
            "input": {
                "vehicle": {"vin": "WBA00000000000000"},
                "type": "SERVICED",
                "occurredAt": "2024-01-01T00:00:00Z",
            }
        },
    )["recordVehicleEvent"]
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["input", "vehicle"], "NOT_FOUND")
    ]
    negative = ok(
        hub,
        EVENT,
        {
            "input": {
                "vehicle": {"vin": "WBA00000000000000"},
                "type": "SERVICED",
                "occurredAt": "2024-01-01T00:00:00Z",
                "mileageKm": -5,
            }
        },
    )["recordVehicleEvent"]
    assert negative["userErrors"][0]["field"] == ["input", "mileageKm"]

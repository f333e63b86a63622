"""Lineage for every kind: which source said what, and which value the hub keeps."""

from __future__ import annotations

import json
from typing import Any

from hub.mastering.survivorship import SourceValues, survive
from tests.harness import RunningHub, ok, vin_for
from tests.test_contracts import change, setup
from tests.test_partners import person, upsert
from tests.test_vehicles import vehicle

LINEAGE = """
query($id: ID!) { node(id: $id) { ... on %s {
  lineage { attribute value source { system key } others { source { system } value } } } } }
"""


def lineage(hub: RunningHub, label: str, hub_id: str) -> dict[str, dict[str, Any]]:
    found = ok(hub, LINEAGE % label, {"id": hub_id})["node"]["lineage"]
    return {item["attribute"]: item for item in found}


def test_the_vehicle_systems_model_survives_a_crm_delivery_and_both_are_shown(
    hub: RunningHub, unique: str
) -> None:
    upsert(hub, person(unique))
    vin = vin_for(unique)
    vms = {"source": {"system": "VMS", "key": f"V-{unique}"}, "vin": vin, "make": "BMW"}
    vehicle(hub, {**vms, "model": "X3", "modelYear": 2024})
    crm = {
        "source": {"system": "CRM", "key": f"C-{unique}"},
        "vin": vin,
        "model": "X3 xDrive20d",
        "owner": {"source": {"system": "CRM", "key": f"P-{unique}"}},
    }
    found = vehicle(hub, crm)["vehicle"]
    assert (found["make"], found["model"], found["modelYear"]) == ("BMW", "X3", 2024)
    assert found["owner"] == {"name": f"Anna Müller {unique}"}

    shown = lineage(hub, "Vehicle", found["id"])
    assert shown["model"]["value"] == "X3"
    assert shown["model"]["source"] == {"system": "VMS", "key": f"V-{unique}"}
    assert shown["model"]["others"] == [{"source": {"system": "CRM"}, "value": "X3 xDrive20d"}]
    assert shown["owner"]["source"] == {"system": "CRM", "key": f"C-{unique}"}
    # The owner is named by the ID node(id:) takes.
    owner = json.loads(shown["owner"]["value"])
    named = ok(hub, "query($id: ID!) { node(id: $id) { ... on BusinessPartner { name } } }",
               {"id": owner["id"]})["node"]  # fmt: skip
    assert named == {"name": f"Anna Müller {unique}"}
    assert shown["modelYear"]["value"] == "2024"

    # The vehicle system delivering again does not lose what CRM said.
    again = vehicle(hub, {**vms, "model": "X3", "modelYear": 2025})["vehicle"]
    assert (again["model"], again["modelYear"], again["owner"]) == (
        "X3",
        2025,
        {"name": f"Anna Müller {unique}"},
    )


def test_a_contracts_lineage_says_which_values_a_change_process_set(
    hub: RunningHub, unique: str
) -> None:
    made = setup(hub, unique)["contract"]
    assert change(hub, unique, process="TERM", effectiveDate="2026-01-01")["userErrors"] == []
    shown = lineage(hub, "Contract", made["id"])
    assert shown["number"]["source"] == {"system": "CRM", "key": f"K-{unique}"}
    # CRM says ACTIVE; the termination made it TERMINATED: no source delivered that.
    assert shown["status"]["value"] == "TERMINATED"
    assert shown["status"]["source"] is None
    assert shown["status"]["others"] == [{"source": {"system": "CRM"}, "value": "ACTIVE"}]
    assert shown["terminationDate"] == {
        "attribute": "terminationDate",
        "value": "2026-01-01",
        "source": None,
        "others": [],
    }


def test_a_value_no_source_says_any_more_is_kept(hub: RunningHub, unique: str) -> None:
    """A source stored before vehicles survived by trust kept only its latest delivery."""
    vin = vin_for(unique)
    vms = {"source": {"system": "VMS", "key": f"V-{unique}"}, "vin": vin}
    made = vehicle(hub, {**vms, "make": "BMW", "model": "X3"})["vehicle"]
    hub.run(
        hub.store.query(
            "MATCH (s:SourceRecord {entity: 'Vehicle', system: 'VMS', key: $key}) "
            "SET s.payload = $payload",
            {"key": f"V-{unique}", "payload": '{"vin": "%s"}' % vin},
        )
    )
    later = vehicle(hub, {**vms, "modelYear": 2025})["vehicle"]
    assert later["id"] == made["id"]
    assert (later["make"], later["model"], later["modelYear"]) == ("BMW", "X3", 2025)


def test_a_documents_file_fields_come_from_one_source() -> None:
    pdm = SourceValues("PDM", "D1", "2026-01-02T00:00:00", {"fileSha256": "a" * 64, "fileSize": 10})
    crm = SourceValues(
        "CRM", "D1", "2026-01-03T00:00:00",
        {"fileSha256": "b" * 64, "fileSize": 20, "fileName": "offer.pdf", "title": "Offer"},
    )  # fmt: skip
    state, _ = survive([pdm, crm], {}, "Document")
    # PDM's file, and no name: CRM's name belongs to CRM's file.
    assert (state["fileSha256"], state["fileSize"]) == ("a" * 64, 10)
    assert "fileName" not in state
    assert state["title"] == "Offer"


def test_a_name_an_erp_cut_at_its_field_limit_gives_way_to_the_whole_name() -> None:
    erp = SourceValues("ERP", "E1", "2026-01-02T00:00:00",
                       {"organizationName": "INTERNATIONALE SPEDITION HOHENWARTE"})  # fmt: skip
    crm = SourceValues("CRM", "C1", "2026-01-01T00:00:00",
                       {"organizationName": "Internationale Spedition Hohenwarte GmbH"})  # fmt: skip
    state, lineage = survive([erp, crm])
    assert state["organizationName"] == "Internationale Spedition Hohenwarte GmbH"
    (named,) = [entry for entry in lineage if entry.attribute == "organizationName"]
    assert named.source is crm and [s for s, _ in named.others] == [erp]
    # A short name another continues is a name of its own: the trusted system's stays.
    erp = SourceValues("ERP", "E2", "2026-01-02T00:00:00", {"organizationName": "Bau Krüger GmbH"})
    crm = SourceValues("CRM", "C2", "2026-01-01T00:00:00",
                       {"organizationName": "Bau Krüger GmbH & Co. KG"})  # fmt: skip
    assert survive([erp, crm])[0]["organizationName"] == "Bau Krüger GmbH"


def test_a_name_an_erp_keeps_in_one_field_is_its_last_and_first_name(
    hub: RunningHub, unique: str
) -> None:
    data = person(unique)
    del data["firstName"]
    data["source"] = {"system": "ERP", "key": f"E-{unique}"}
    data["lastName"] = f"RIEDLINGER JUN. {unique.upper()}, OTTMAR"
    created = upsert(hub, data)["businessPartner"]
    assert (created["lastName"], created["firstName"]) == (
        f"RIEDLINGER JUN. {unique.upper()}",
        "OTTMAR",
    )


def test_a_first_name_an_erp_cut_gives_way_to_the_name_it_was_cut_from() -> None:
    whole = "SCHMIDT-WITTGENSTEIN-HOHENLOHE, ANDREAS"
    erp = SourceValues("ERP", "E1", "2026-01-02T00:00:00",
                       {"kind": "PERSON", "lastName": whole[:35]})  # fmt: skip
    dealer = SourceValues("DEALER", "D1", "2026-01-01T00:00:00",
                          {"kind": "PERSON", "lastName": "Schmidt-Wittgenstein-Hohenlohe",
                           "firstName": "Andreas"})  # fmt: skip
    state, lineage = survive([erp, dealer])
    # ERP is trusted before the dealer, but its "AND" was cut from the dealer's Andreas.
    assert (state["lastName"], state["firstName"]) == ("SCHMIDT-WITTGENSTEIN-HOHENLOHE", "Andreas")
    (first,) = [entry for entry in lineage if entry.attribute == "firstName"]
    assert first.source is dealer
    # Alone, ERP's cut name is the best there is.
    alone, _ = survive([erp])
    assert alone["firstName"] == "AND"


def test_a_placeholder_birth_date_gives_way_to_a_real_one_whatever_its_system() -> None:
    crm = SourceValues("CRM", "C1", "2026-01-02T00:00:00", {"birthDate": "1900-01-01"})
    dealer = SourceValues("DEALER", "D1", "2026-01-01T00:00:00", {"birthDate": "1953-05-12"})
    state, lineage = survive([crm, dealer])
    # CRM is trusted before the dealer and delivered later, yet it did not know the date.
    assert state["birthDate"] == "1953-05-12"
    (born,) = [entry for entry in lineage if entry.attribute == "birthDate"]
    assert born.source is dealer and [s for s, _ in born.others] == [crm]
    # Alone, the placeholder is what the sources say.
    assert survive([crm])[0]["birthDate"] == "1900-01-01"

"""upsertContract and changeContract (LCOO, ETER, TERM, BLEX, CHOA, LCOP)."""

from typing import Any

from tests.harness import RunningHub, ok, vin_for
from tests.test_partners import person, upsert
from tests.test_vehicles import vehicle

UPSERT = """
mutation($input: ContractInput!) {
  upsertContract(input: $input) {
    created changed userErrors { field code message }
    contract { id number type status startDate endDate version
      parties { role partner { name } }
      items { uiid kind product singleServices { code coveragePercent } coveredVehicles { vin } }
      changes { process effectiveDate } }
  }
}
"""
CHANGE = """
mutation($input: ContractChangeInput!) {
  changeContract(input: $input) {
    changed userErrors { field code message }
    contract { status endDate version parties { role partner { name } validFrom validTo }
      changes { process effectiveDate newEndDate newLessee { name } partyRole party { name } } }
  }
}
"""


def setup(
    hub: RunningHub, unique: str, status: str = "ACTIVE", end: str = "2030-12-31"
) -> dict[str, Any]:
    upsert(hub, person(unique))
    vehicle(hub, {"source": {"system": "VMS", "key": f"V-{unique}"}, "vin": vin_for(unique)})
    data = {
        "source": {"system": "CRM", "key": f"K-{unique}"},
        "number": f"L-{unique}",
        "type": "LEASING",
        "status": status,
        "startDate": "2024-01-01",
        "endDate": end,
        "parties": [
            {"role": "LESSEE", "partner": {"source": {"system": "CRM", "key": f"P-{unique}"}}}
        ],
        "items": [
            {
                "uiid": f"F-{unique}",
                "kind": "FINANCING",
                "product": "LEASE36",
                "coveredVehicles": [{"vin": vin_for(unique)}],
            },
            {
                "uiid": f"S-{unique}",
                "kind": "SERVICE",
                "singleServices": [
                    {"code": "TYRES", "coveragePercent": 100},
                    {"code": "WASH", "coveragePercent": 0},
                ],
                "coveredVehicles": [{"vin": vin_for(unique)}],
            },
        ],
    }
    result: dict[str, Any] = ok(hub, UPSERT, {"input": data})["upsertContract"]
    assert result["userErrors"] == []
    return result


def change(hub: RunningHub, unique: str, **fields: Any) -> dict[str, Any]:
    data = {"contract": {"number": f"L-{unique}"}, "effectiveDate": "2025-06-30", **fields}
    result: dict[str, Any] = ok(hub, CHANGE, {"input": data})["changeContract"]
    return result


def test_contract_with_parties_items_and_covered_vehicles(hub: RunningHub, unique: str) -> None:
    contract = setup(hub, unique)["contract"]
    assert contract["status"] == "ACTIVE"
    assert contract["parties"] == [{"role": "LESSEE", "partner": {"name": f"Anna Müller {unique}"}}]
    assert [i["uiid"] for i in contract["items"]] == [f"F-{unique}", f"S-{unique}"]
    assert contract["items"][1]["singleServices"][0] == {"code": "TYRES", "coveragePercent": 100}
    assert contract["items"][0]["coveredVehicles"] == [{"vin": vin_for(unique)}]
    covering = ok(
        hub,
        '{ vehicle(vin: "%s") { contracts { totalCount edges { node { number } } } } }'
        % vin_for(unique),
    )
    assert covering["vehicle"]["contracts"]["edges"][0]["node"]["number"] == f"L-{unique}"


def test_repeated_contract_delivery_is_unchanged(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    again = setup(hub, unique)
    assert (again["created"], again["changed"]) == (False, False)
    assert again["contract"]["version"] == 1


def test_coverage_must_be_0_or_100_and_dates_in_order(hub: RunningHub, unique: str) -> None:
    data = {
        "source": {"system": "CRM", "key": f"K-{unique}"},
        "number": f"L-{unique}",
        "type": "SERVICE",
        "startDate": "2025-01-01",
        "endDate": "2024-01-01",
        "items": [
            {
                "uiid": "X",
                "kind": "SERVICE",
                "singleServices": [{"code": "OIL", "coveragePercent": 50}],
            }
        ],
    }
    errors = ok(hub, UPSERT, {"input": data})["upsertContract"]["userErrors"]
    assert {(tuple(e["field"]), e["code"]) for e in errors} == {
        (("input", "endDate"), "INVALID_DATE_RANGE"),
        (("input", "items", "0", "singleServices", "0", "coveragePercent"), "INVALID_COVERAGE"),
    }


def test_a_service_listed_twice_or_without_a_code_is_refused(hub: RunningHub, unique: str) -> None:
    services = [
        {"code": "FUEL", "coveragePercent": 100},
        {"code": "fuel", "coveragePercent": 0},
        {"code": "  ", "coveragePercent": 100},
    ]
    data = {
        "source": {"system": "CRM", "key": f"K-{unique}"},
        "number": f"L-{unique}",
        "type": "SERVICE",
        "items": [{"uiid": "X", "kind": "SERVICE", "singleServices": services}],
    }
    errors = ok(hub, UPSERT, {"input": data})["upsertContract"]["userErrors"]
    path = ("input", "items", "0", "singleServices")
    assert {(tuple(e["field"]), e["code"]) for e in errors} == {
        ((*path, "1", "code"), "DUPLICATE"),
        ((*path, "2", "code"), "REQUIRED"),
    }


def test_unknown_party_rolls_back_the_whole_contract(hub: RunningHub, unique: str) -> None:
    data = {
        "source": {"system": "CRM", "key": f"K-{unique}"},
        "number": f"L-{unique}",
        "type": "LEASING",
        "parties": [{"role": "PAYER", "partner": {"id": "QnVzaW5lc3NQYXJ0bmVyOm5vbmU"}}],
    }
    result = ok(hub, UPSERT, {"input": data})["upsertContract"]
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["input", "parties", "0", "partner"], "NOT_FOUND")
    ]
    assert ok(hub, '{ contract(number: "L-%s") { id } }' % unique) == {"contract": None}


def test_a_contract_is_leased_to_one_lessee_at_a_time(hub: RunningHub, unique: str) -> None:
    upsert(hub, person(unique))
    upsert(hub, person(unique + "B"))
    parties = [
        {"role": "LESSEE", "partner": {"source": {"system": "CRM", "key": f"P-{unique}"}}},
        {"role": "PAYER", "partner": {"source": {"system": "CRM", "key": f"P-{unique}B"}}},
        {"role": "LESSEE", "partner": {"source": {"system": "CRM", "key": f"P-{unique}B"}}},
    ]
    data = {"source": {"system": "CRM", "key": f"K-{unique}"}, "number": f"L-{unique}",
            "type": "LEASING", "parties": parties}  # fmt: skip
    result = ok(hub, UPSERT, {"input": data})["upsertContract"]
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["input", "parties", "2", "role"], "INVALID_VALUE")
    ]
    assert "LCOO" in result["userErrors"][0]["message"]
    assert ok(hub, '{ contract(number: "L-%s") { id } }' % unique) == {"contract": None}
    data["parties"] = parties[:2]
    assert ok(hub, UPSERT, {"input": data})["upsertContract"]["userErrors"] == []


def test_item_uiid_cannot_move_to_another_contract(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    other = {
        "source": {"system": "CRM", "key": f"K2-{unique}"},
        "number": f"L2-{unique}",
        "type": "SERVICE",
        "items": [{"uiid": f"S-{unique}", "kind": "SERVICE"}],
    }
    result = ok(hub, UPSERT, {"input": other})["upsertContract"]
    assert [e["code"] for e in result["userErrors"]] == ["CONFLICT"]


def test_termination_sets_terminated_and_is_recorded(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    result = change(hub, unique, process="ETER")
    assert result["userErrors"] == [] and result["changed"]
    assert result["contract"]["status"] == "TERMINATED"
    assert result["contract"]["endDate"] == "2025-06-30"
    assert result["contract"]["version"] == 2
    assert result["contract"]["changes"][0]["process"] == "ETER"


def test_terminating_twice_or_a_draft_is_an_invalid_transition(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    change(hub, unique, process="TERM")
    # The same termination sent again is a repeat; another one is a second termination.
    repeated = change(hub, unique, process="TERM")
    assert (repeated["changed"], repeated["userErrors"]) == (False, [])
    again = change(hub, unique, process="TERM", effectiveDate="2025-07-31")
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_TRANSITION"]
    assert again["contract"] is None
    draft_token = unique + "D"
    setup(hub, draft_token, status="DRAFT")
    draft = change(hub, draft_token, process="ETER")
    assert [e["code"] for e in draft["userErrors"]] == ["INVALID_TRANSITION"]
    assert "DRAFT" in draft["userErrors"][0]["message"]


def test_termination_in_the_future_applies_from_its_effective_date(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    result = change(hub, unique, process="TERM", effectiveDate="2029-01-31")
    assert result["contract"]["status"] == "ACTIVE"
    assert result["contract"]["endDate"] == "2029-01-31"


def test_a_termination_takes_effect_within_the_contracts_term(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)  # runs from 2024-01-01 to 2030-12-31
    for day, phrase in (
        ("2023-06-01", "starts on 2024-01-01"),
        ("2031-03-01", "ends on 2030-12-31"),
    ):
        refused = change(hub, unique, process="TERM", effectiveDate=day)
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
            (["input", "effectiveDate"], "INVALID_VALUE")
        ]
        assert phrase in refused["userErrors"][0]["message"]
    # An end date belongs to an extension; a termination's end is its effective date.
    dated = change(hub, unique, process="ETER", newEndDate="2026-01-31")
    assert [(e["field"], e["code"]) for e in dated["userErrors"]] == [
        (["input", "newEndDate"], "INVALID_VALUE")
    ]
    done = change(hub, unique, process="ETER", effectiveDate="2024-01-01")
    assert done["contract"]["endDate"] == "2024-01-01"


def test_extension_must_end_after_the_current_end(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    shorter = change(hub, unique, process="BLEX", newEndDate="2029-01-01")
    assert [(e["field"], e["code"]) for e in shorter["userErrors"]] == [
        (["input", "newEndDate"], "INVALID_TRANSITION")
    ]
    missing = change(hub, unique, process="BLEX")
    assert [(e["field"], e["code"]) for e in missing["userErrors"]] == [
        (["input", "newEndDate"], "REQUIRED")
    ]
    longer = change(hub, unique, process="BLEX", newEndDate="2032-12-31")
    assert longer["contract"]["endDate"] == "2032-12-31"
    assert longer["contract"]["changes"][-1]["newEndDate"] == "2032-12-31"


def test_change_of_lessee_keeps_the_previous_one_with_the_period_it_held_the_contract(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    upsert(hub, person(unique + "N", lastName=f"Neu {unique}"))
    new_lessee = {"source": {"system": "CRM", "key": f"P-{unique}N"}}
    result = change(hub, unique, process="LCOO", newLessee=new_lessee)
    assert result["userErrors"] == []
    assert result["contract"]["parties"] == [
        {"role": "LESSEE", "partner": {"name": f"Anna Müller {unique}"},
         "validFrom": None, "validTo": "2025-06-29"},
        {"role": "LESSEE", "partner": {"name": f"Anna Neu {unique}"},
         "validFrom": "2025-06-30", "validTo": None},
    ]  # fmt: skip
    assert result["contract"]["changes"][-1]["newLessee"] == {"name": f"Anna Neu {unique}"}
    same = change(hub, unique, process="LCOO", newLessee=new_lessee, effectiveDate="2025-08-01")
    assert [(e["field"], e["code"]) for e in same["userErrors"]] == [
        (["input", "newLessee"], "INVALID_TRANSITION")
    ]
    back = {"source": {"system": "CRM", "key": f"P-{unique}"}}
    earlier = change(hub, unique, process="LCOO", newLessee=back, effectiveDate="2025-06-01")
    assert [(e["field"], e["code"]) for e in earlier["userErrors"]] == [
        (["input", "effectiveDate"], "INVALID_VALUE")
    ]
    missing = change(hub, unique, process="LCOO")
    assert missing["userErrors"][0]["field"] == ["input", "newLessee"]


def test_a_partner_named_for_another_process_is_refused_and_nothing_changes(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    lessee = {"source": {"system": "CRM", "key": f"P-{unique}"}}
    party = {"role": "GUARANTOR", "partner": lessee}
    refused = change(hub, unique, process="TERM", newLessee=lessee, party=party)
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "newLessee"], "INVALID_VALUE"),
        (["input", "party"], "INVALID_VALUE"),
    ]
    assert "LCOO" in refused["userErrors"][0]["message"]
    assert change(hub, unique, process="TERM")["contract"]["status"] == "TERMINATED"


def test_a_change_of_another_party_passes_its_role_and_keeps_who_held_it(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    for suffix in ("D1", "D2"):
        upsert(hub, person(unique + suffix, lastName=f"Fahrer{suffix} {unique}"))
    driver = {"role": "DRIVER", "partner": {"source": {"system": "CRM", "key": f"P-{unique}D1"}}}
    first = change(hub, unique, process="LCOP", party=driver, effectiveDate="2025-01-01")
    assert first["userErrors"] == []
    second = change(
        hub,
        unique,
        process="LCOP",
        party={**driver, "partner": {"source": {"system": "CRM", "key": f"P-{unique}D2"}}},
        effectiveDate="2025-07-01",
    )
    drivers = [p for p in second["contract"]["parties"] if p["role"] == "DRIVER"]
    assert [(p["partner"]["name"], p["validFrom"], p["validTo"]) for p in drivers] == [
        (f"Anna FahrerD1 {unique}", "2025-01-01", "2025-06-30"),
        (f"Anna FahrerD2 {unique}", "2025-07-01", None),
    ]
    recorded = second["contract"]["changes"][-1]
    assert (recorded["partyRole"], recorded["party"]) == (
        "DRIVER",
        {"name": f"Anna FahrerD2 {unique}"},
    )
    lessee = change(hub, unique, process="LCOP", party={**driver, "role": "LESSEE"})
    assert [(e["field"], e["code"]) for e in lessee["userErrors"]] == [
        (["input", "party", "role"], "INVALID_VALUE")
    ]
    missing = change(hub, unique, process="LCOP")
    assert [(e["field"], e["code"]) for e in missing["userErrors"]] == [
        (["input", "party"], "REQUIRED")
    ]


def test_other_processes_are_recorded_and_bump_the_version(hub: RunningHub, unique: str) -> None:
    created = setup(hub, unique)["contract"]
    choa = change(hub, unique, process="CHOA")
    upsert(hub, person(unique + "G", lastName=f"Bürge {unique}"))
    guarantor = {
        "role": "GUARANTOR",
        "partner": {"source": {"system": "CRM", "key": f"P-{unique}G"}},
    }
    lcop = change(hub, unique, process="LCOP", party=guarantor)
    assert lcop["contract"]["version"] == created["version"] + 2
    assert [c["process"] for c in lcop["contract"]["changes"]] == ["CHOA", "LCOP"]
    assert choa["changed"]


def test_change_of_an_unknown_contract_is_not_found(hub: RunningHub) -> None:
    result = ok(
        hub,
        CHANGE,
        {
            "input": {
                "contract": {"number": "NOPE-0"},
                "process": "CHOA",
                "effectiveDate": "2025-01-01",
            }
        },
    )
    assert [(e["field"], e["code"]) for e in result["changeContract"]["userErrors"]] == [
        (["input", "contract"], "NOT_FOUND")
    ]


CARD_VALIDITY = """
query($kind: IdentificationKind!, $number: String!) {
  identificationObject(kind: $kind, number: $number) {
    validTo changeHistory { nodes { action process changes { field before after } } }
  }
}
"""


def test_termination_and_extension_carry_over_to_the_contracts_cards(
    hub: RunningHub, unique: str
) -> None:
    from tests.test_identification import card  # noqa: PLC0415 - that module imports this one

    setup(hub, unique)  # ends 2030-12-31
    card(hub, unique)  # valid to 2030-12-31, issued under the contract
    card(
        hub,
        f"{unique}L",
        kind="LICENSE_PLATE",
        number=f"M AB {unique[:4]}",
        validTo="2029-06-30",
        vehicle=None,
        holder=None,
        contract={"number": f"L-{unique}"},
    )
    looked_up = {"kind": "FUEL_CARD", "number": f"7000{unique}"}
    plate = {"kind": "LICENSE_PLATE", "number": f"MAB{unique[:4]}"}

    extended = change(hub, unique, process="BLEX", newEndDate="2032-12-31")
    assert extended["userErrors"] == []
    assert ok(hub, CARD_VALIDITY, looked_up)["identificationObject"]["validTo"] == "2032-12-31"
    # A plate that ended before the contract keeps its own end.
    assert ok(hub, CARD_VALIDITY, plate)["identificationObject"]["validTo"] == "2029-06-30"

    # Terminated from 2028-03-31: the objects are valid up to the day before.
    ended = change(hub, unique, process="ETER", effectiveDate="2028-03-31")
    assert ended["userErrors"] == []
    for ref in (looked_up, plate):
        found = ok(hub, CARD_VALIDITY, ref)["identificationObject"]
        assert found["validTo"] == "2028-03-30"
        processes = [e["process"] for e in found["changeHistory"]["nodes"]]
        assert processes[-1] == "ETER"


ITEMS = """
query($n: String) { contract(number: $n) {
  items { uiid product singleServices { code coveragePercent inclusion } }
  changes { process itemUiid attributes } } }
"""


def test_a_change_of_attributes_addresses_one_item_and_keeps_mandatory_services(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    item = {"uiid": f"S-{unique}"}
    services = [
        {"code": "TYRES", "coveragePercent": 100, "inclusion": "MANDATORY"},
        {"code": "WASH", "coveragePercent": 100, "inclusion": "OPTIONAL"},
    ]
    first = change(
        hub, unique, process="CHOA", item=item,
        attributes={"product": "SERVICE-PLUS", "singleServices": services},
    )  # fmt: skip
    assert first["userErrors"] == [] and first["changed"]
    contract = ok(hub, ITEMS, {"n": f"L-{unique}"})["contract"]
    financing, service_item = contract["items"]
    assert financing["product"] == "LEASE36"  # the other item is left alone
    assert service_item["product"] == "SERVICE-PLUS"
    assert [(x["code"], x["inclusion"]) for x in service_item["singleServices"]] == [
        ("TYRES", "MANDATORY"),
        ("WASH", "OPTIONAL"),
    ]
    assert contract["changes"][-1]["itemUiid"] == f"S-{unique}"
    assert contract["changes"][-1]["attributes"]["product"] == "SERVICE-PLUS"
    # The optional wash may go; the mandatory tyres may not.
    without_wash = change(
        hub, unique, process="CHOA", item=item, effectiveDate="2025-08-01",
        attributes={"singleServices": services[:1]},
    )  # fmt: skip
    assert without_wash["userErrors"] == []
    without_tyres = change(
        hub, unique, process="CHOA", item=item, effectiveDate="2025-09-01",
        attributes={"singleServices": services[1:]},
    )  # fmt: skip
    assert [(e["field"], e["code"]) for e in without_tyres["userErrors"]] == [
        (["input", "attributes", "singleServices"], "INVALID_TRANSITION")
    ]
    assert "TYRES" in without_tyres["userErrors"][0]["message"]
    unknown = change(
        hub, unique, process="CHOA", item={"uiid": "NOPE"}, attributes={"product": "X"}
    )
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [
        (["input", "item", "uiid"], "NOT_FOUND")
    ]
    no_item = change(hub, unique, process="CHOA", attributes={"product": "X"})
    assert [(e["field"], e["code"]) for e in no_item["userErrors"]] == [
        (["input", "item"], "REQUIRED")
    ]
    lessee = {"source": {"system": "CRM", "key": f"P-{unique}"}}
    other = change(hub, unique, process="LCOO", newLessee=lessee, item=item)
    assert [(e["field"], e["code"]) for e in other["userErrors"]] == [
        (["input", "item"], "INVALID_VALUE")
    ]


COVERED = """
query($n: String) { contract(number: $n) {
  items { uiid referenceItem coveredVehicles { vin } } } }
"""


def test_a_service_item_covers_its_financing_items_vehicles_unless_it_lists_its_own(
    hub: RunningHub, unique: str
) -> None:
    for n in (1, 2):
        vehicle(
            hub, {"source": {"system": "VMS", "key": f"V-{unique}-{n}"}, "vin": vin_for(unique, n)}
        )
    upsert(hub, person(unique))
    data: dict[str, Any] = {
        "source": {"system": "CRM", "key": f"K-{unique}"},
        "number": f"L-{unique}",
        "type": "LEASING",
        "items": [
            {
                "uiid": f"F-{unique}",
                "kind": "FINANCING",
                "coveredVehicles": [{"vin": vin_for(unique, 1)}],
            },
            {"uiid": f"S-{unique}", "kind": "SERVICE"},
            {"uiid": f"X-{unique}", "kind": "SERVICE", "coveredVehicles": []},
        ],
    }
    assert ok(hub, UPSERT, {"input": data})["upsertContract"]["userErrors"] == []
    items = ok(hub, COVERED, {"n": f"L-{unique}"})["contract"]["items"]
    assert [[v["vin"] for v in i["coveredVehicles"]] for i in items] == [
        [vin_for(unique, 1)],
        [vin_for(unique, 1)],
        [],
    ]
    # The financing item changes its vehicle: the service item follows.
    data["items"][0]["coveredVehicles"] = [{"vin": vin_for(unique, 2)}]
    assert ok(hub, UPSERT, {"input": data})["upsertContract"]["userErrors"] == []
    items = ok(hub, COVERED, {"n": f"L-{unique}"})["contract"]["items"]
    assert [v["vin"] for v in items[1]["coveredVehicles"]] == [vin_for(unique, 2)]
    data["items"][1]["referenceItem"] = "NOT-HERE"
    refused = ok(hub, UPSERT, {"input": data})["upsertContract"]["userErrors"]
    assert [(e["field"], e["code"]) for e in refused] == [
        (["input", "items", "1", "referenceItem"], "INVALID_REFERENCE")
    ]


def test_a_status_given_as_null_goes_back_to_its_default(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    data = {"source": {"system": "CRM", "key": f"K-{unique}"}, "number": f"L-{unique}",
            "type": "LEASING", "status": None}  # fmt: skip
    result = ok(hub, UPSERT, {"input": data})["upsertContract"]
    assert result["userErrors"] == [] and result["contract"]["status"] == "DRAFT"
    listed = ok(hub, '{ contracts(where: {number: {eq: "L-%s"}, status: DRAFT}) { totalCount } }'
                % unique)  # fmt: skip
    assert listed["contracts"]["totalCount"] == 1


def test_a_contract_delivered_expired_must_have_ended(hub: RunningHub, unique: str) -> None:
    upsert(hub, person(unique))
    data = {
        "source": {"system": "CRM", "key": f"K-{unique}"},
        "number": f"L-{unique}",
        "type": "LEASING",
        "status": "EXPIRED",
        "startDate": "2020-01-01",
        "endDate": "2099-12-31",
    }
    running = ok(hub, UPSERT, {"input": data})["upsertContract"]
    assert [(e["field"], e["code"]) for e in running["userErrors"]] == [
        (["input", "status"], "INVALID_VALUE")
    ]
    ended = ok(hub, UPSERT, {"input": {**data, "endDate": "2023-12-31"}})["upsertContract"]
    assert ended["userErrors"] == [] and ended["contract"]["status"] == "EXPIRED"


def test_a_deleted_partner_does_not_take_over_a_contract(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    upsert(hub, person(unique + "G", lastName=f"Gone {unique}"))
    gone = {"source": {"system": "CRM", "key": f"P-{unique}G"}}
    ok(
        hub,
        "mutation($s: SourceRefInput!) { deleteRecord(kind: BUSINESS_PARTNER, source: $s) "
        "{ recordDeleted } }",
        {"s": gone["source"]},
    )
    result = change(hub, unique, process="LCOO", newLessee=gone)
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["input", "newLessee"], "NOT_FOUND")
    ]
    assert "deleted" in result["userErrors"][0]["message"]


def test_a_vehicles_contracts_filtered_list_a_contract_covering_it_twice_once(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)  # two items of the contract cover the vehicle
    query = """query($vin: String!, $where: ContractWhere) { vehicle(vin: $vin) {
      contracts(where: $where) { totalCount edges { node { number } } } } }"""
    for where, numbers in (({"status": "ACTIVE"}, [f"L-{unique}"]), ({"status": "DRAFT"}, [])):
        found = ok(hub, query, {"vin": vin_for(unique), "where": where})["vehicle"]["contracts"]
        assert [e["node"]["number"] for e in found["edges"]] == numbers, where
        assert found["totalCount"] == len(numbers)

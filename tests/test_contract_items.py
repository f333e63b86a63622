"""Contract items as the leasing processes treat them: cards and plates issued under one
item, ETER, TERM and BLEX of one item with their cascades, and item end dates."""

from __future__ import annotations

from typing import Any

from tests.harness import RunningHub, ok
from tests.test_contracts import UPSERT as UPSERT_CONTRACT
from tests.test_contracts import change, setup
from tests.test_identification import card
from tests.test_invoices import check, line

OBJECT = """
query($kind: IdentificationKind!, $n: String!) {
  identificationObject(kind: $kind, number: $n) {
    status validTo contract { number } item { uiid kind singleServices { code } }
    changeHistory { nodes { process } } } }
"""
ITEMS = """
query($n: String) { contract(number: $n) { status endDate
  items { uiid endDate terminationDate identificationObjects { number } } } }
"""


def items(hub: RunningHub, unique: str) -> dict[str, dict[str, Any]]:
    found = ok(hub, ITEMS, {"n": f"L-{unique}"})["contract"]["items"]
    return {i["uiid"].split("-")[0]: i for i in found}


def issued(hub: RunningHub, unique: str) -> None:
    """A fuel card under the service item, a plate under the financing item."""
    assert card(hub, unique, contract=None, item={"uiid": f"S-{unique}"})["userErrors"] == []
    plate = card(
        hub,
        f"{unique}P",
        kind="LICENSE_PLATE",
        number=f"B LP {unique[:4]}",
        vehicle=None,
        holder=None,
        contract=None,
        item={"uiid": f"F-{unique}"},
    )
    assert plate["userErrors"] == []


def obj(hub: RunningHub, kind: str, number: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(hub, OBJECT, {"kind": kind, "n": number})["identificationObject"]
    return found


def test_a_card_issued_under_an_item_reaches_its_contract_through_it(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    issued(hub, unique)
    fuel = obj(hub, "FUEL_CARD", f"7000{unique}")
    assert fuel["contract"] == {"number": f"L-{unique}"}
    assert fuel["item"] == {
        "uiid": f"S-{unique}",
        "kind": "SERVICE",
        "singleServices": [{"code": "TYRES"}, {"code": "WASH"}],
    }
    listed = items(hub, unique)
    assert listed["S"]["identificationObjects"] == [{"number": f"7000{unique}"}]
    assert listed["F"]["identificationObjects"] == [{"number": f"BLP{unique[:4]}"}]


def test_an_item_of_another_contract_or_none_is_refused_on_the_item_field(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    setup(hub, unique + "X")
    clash = card(hub, unique, item={"uiid": f"S-{unique}X"})  # contract L-{unique} named
    assert [(e["field"], e["code"]) for e in clash["userErrors"]] == [
        (["input", "item"], "INVALID_REFERENCE")
    ]
    unknown = card(hub, unique, contract=None, item={"uiid": f"NO-{unique}"})
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [
        (["input", "item"], "NOT_FOUND")
    ]
    assert f"NO-{unique}" in unknown["userErrors"][0]["message"]


def test_terminating_one_item_ends_it_and_its_cards_and_leaves_the_contract_running(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    issued(hub, unique)
    ended = change(
        hub, unique, process="ETER", effectiveDate="2027-04-01", item={"uiid": f"S-{unique}"}
    )
    assert ended["userErrors"] == []
    assert ended["contract"]["endDate"] == "2030-12-31"
    listed = items(hub, unique)
    assert (listed["S"]["endDate"], listed["S"]["terminationDate"]) == ("2027-03-31", "2027-04-01")
    assert (listed["F"]["endDate"], listed["F"]["terminationDate"]) == (None, None)
    fuel = obj(hub, "FUEL_CARD", f"7000{unique}")
    assert fuel["validTo"] == "2027-03-31"
    assert fuel["changeHistory"]["nodes"][-1]["process"] == "ETER"
    # The plate, under the financing item, keeps its validity.
    assert obj(hub, "LICENSE_PLATE", f"BLP{unique[:4]}")["validTo"] == "2030-12-31"

    before, after = check(
        hub, line(unique, 1, date="2027-03-31"), line(unique, 2, date="2027-04-01")
    )
    assert before["verdict"] == "COVERED"
    assert (after["verdict"], after["rebillAmount"]) == ("CONTRACT_ENDED", "0.00")
    assert f"S-{unique}" in after["explanation"]

    again = change(
        hub, unique, process="TERM", effectiveDate="2027-05-01", item={"uiid": f"S-{unique}"}
    )
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [
        (["input", "item"], "INVALID_TRANSITION")
    ]


def test_terminating_the_contract_ends_every_item(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    assert change(hub, unique, process="TERM", effectiveDate="2026-01-01")["userErrors"] == []
    listed = items(hub, unique)
    assert {(i["endDate"], i["terminationDate"]) for i in listed.values()} == {
        ("2025-12-31", "2026-01-01")
    }


def test_extending_an_item_stays_within_its_contract_and_carries_its_cards(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    issued(hub, unique)
    short = {"uiid": f"S-{unique}"}
    shortened = change(
        hub, unique, process="CHOA", item=short, attributes={"endDate": "2028-12-31"}
    )
    assert shortened["userErrors"] == []
    card(hub, unique, contract=None, item=short, validTo="2028-12-31")

    beyond = change(hub, unique, process="BLEX", item=short, newEndDate="2031-06-30")
    assert [(e["field"], e["code"]) for e in beyond["userErrors"]] == [
        (["input", "newEndDate"], "INVALID_VALUE")
    ]
    assert "extend the contract first" in beyond["userErrors"][0]["message"]

    extended = change(hub, unique, process="BLEX", item=short, newEndDate="2029-12-31")
    assert extended["userErrors"] == []
    assert items(hub, unique)["S"]["endDate"] == "2029-12-31"
    assert obj(hub, "FUEL_CARD", f"7000{unique}")["validTo"] == "2029-12-31"

    # The contract's extension takes along the items that end with it, not the others.
    assert change(hub, unique, process="BLEX", newEndDate="2032-12-31")["userErrors"] == []
    listed = items(hub, unique)
    assert (listed["S"]["endDate"], listed["F"]["endDate"]) == ("2029-12-31", None)


def test_an_item_end_outside_its_contract_is_refused(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    late = change(
        hub,
        unique,
        process="CHOA",
        item={"uiid": f"S-{unique}"},
        attributes={"endDate": "2031-01-01"},
    )
    assert [(e["field"], e["code"]) for e in late["userErrors"]] == [
        (["input", "attributes", "endDate"], "INVALID_VALUE")
    ]
    data = {
        "source": {"system": "CRM", "key": f"K-{unique}"},
        "number": f"L-{unique}",
        "type": "LEASING",
        "startDate": "2024-01-01",
        "endDate": "2030-12-31",
        "items": [{"uiid": f"S-{unique}", "kind": "SERVICE", "endDate": "2023-12-31"}],
    }
    early = ok(hub, UPSERT_CONTRACT, {"input": data})["upsertContract"]
    assert [(e["field"], e["code"]) for e in early["userErrors"]] == [
        (["input", "items", "0", "endDate"], "INVALID_VALUE")
    ]


def test_a_contract_delivered_again_keeps_its_items_terminations(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    item = {"uiid": f"S-{unique}"}
    assert (
        change(hub, unique, process="ETER", effectiveDate="2027-01-01", item=item)["userErrors"]
        == []
    )
    setup(hub, unique)  # the source system sends the contract as it knows it
    assert items(hub, unique)["S"]["terminationDate"] == "2027-01-01"
    assert items(hub, unique)["S"]["endDate"] == "2026-12-31"


def test_the_parties_processes_do_not_address_an_item(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    refused = change(
        hub,
        unique,
        process="LCOO",
        newLessee={"source": {"system": "CRM", "key": f"P-{unique}"}},
        item={"uiid": f"S-{unique}"},
    )
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "item"], "INVALID_VALUE")
    ]


def test_an_issuing_system_can_deliver_a_blocked_card_but_not_an_expired_one(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    blocked = card(hub, unique, status="BLOCKED", blockedReason="stolen")
    assert blocked["userErrors"] == []
    assert blocked["identificationObject"]["blockedReason"] == "stolen"
    (refused,) = check(hub, line(unique, 1))
    assert refused["verdict"] == "BLOCKED_OBJECT"
    expired = card(hub, unique + "E", status="EXPIRED")
    assert [(e["field"], e["code"]) for e in expired["userErrors"]] == [
        (["input", "status"], "INVALID_VALUE")
    ]


def test_a_card_moved_to_another_contract_leaves_its_item(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    setup(hub, unique + "X")
    issued(hub, unique)
    moved = card(hub, unique, contract={"number": f"L-{unique}X"})
    assert moved["userErrors"] == []
    fuel = obj(hub, "FUEL_CARD", f"7000{unique}")
    assert (fuel["contract"], fuel["item"]) == ({"number": f"L-{unique}X"}, None)
    assert items(hub, unique)["S"]["identificationObjects"] == []


def test_an_item_left_out_and_listed_again_finds_its_cards_again(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    issued(hub, unique)
    data = {
        "source": {"system": "CRM", "key": f"K-{unique}"},
        "number": f"L-{unique}",
        "type": "LEASING",
        "items": [{"uiid": f"F-{unique}", "kind": "FINANCING"}],
    }
    assert ok(hub, UPSERT_CONTRACT, {"input": data})["upsertContract"]["userErrors"] == []
    assert obj(hub, "FUEL_CARD", f"7000{unique}")["item"] is None
    setup(hub, unique)  # the service item is listed again
    assert obj(hub, "FUEL_CARD", f"7000{unique}")["item"]["uiid"] == f"S-{unique}"


def test_an_items_termination_takes_effect_after_its_contract_starts(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)  # starts 2024-01-01
    early = change(
        hub, unique, process="ETER", effectiveDate="2023-06-01", item={"uiid": f"S-{unique}"}
    )
    assert [(e["field"], e["code"]) for e in early["userErrors"]] == [
        (["input", "effectiveDate"], "INVALID_VALUE")
    ]


def test_an_items_new_end_carries_over_and_the_contracts_extension_leaves_it(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    issued(hub, unique)
    item = {"uiid": f"S-{unique}"}
    shorter = change(hub, unique, process="CHOA", item=item, attributes={"endDate": "2028-12-31"})
    assert shorter["userErrors"] == []
    assert obj(hub, "FUEL_CARD", f"7000{unique}")["validTo"] == "2028-12-31"
    assert change(hub, unique, process="BLEX", newEndDate="2032-12-31")["userErrors"] == []
    assert obj(hub, "FUEL_CARD", f"7000{unique}")["validTo"] == "2028-12-31"
    assert obj(hub, "LICENSE_PLATE", f"BLP{unique[:4]}")["validTo"] == "2032-12-31"


def test_a_card_not_yet_valid_when_its_item_ends_is_blocked(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    later = card(hub, unique, contract=None, item={"uiid": f"S-{unique}"}, validFrom="2028-01-01")
    assert later["userErrors"] == []
    ended = change(
        hub, unique, process="ETER", effectiveDate="2027-01-01", item={"uiid": f"S-{unique}"}
    )
    assert ended["userErrors"] == []
    fuel = obj(hub, "FUEL_CARD", f"7000{unique}")
    assert (fuel["status"], fuel["validTo"]) == ("BLOCKED", "2030-12-31")


def test_terminating_the_contract_brings_an_items_later_termination_forward(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    item = {"uiid": f"S-{unique}"}
    assert (
        change(hub, unique, process="ETER", effectiveDate="2027-04-01", item=item)["userErrors"]
        == []
    )
    assert change(hub, unique, process="TERM", effectiveDate="2026-01-01")["userErrors"] == []
    listed = items(hub, unique)
    assert (listed["S"]["endDate"], listed["S"]["terminationDate"]) == ("2025-12-31", "2026-01-01")


def test_a_change_id_given_to_another_items_change_is_a_conflict(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    first = change(
        hub, unique, process="ETER", item={"uiid": f"S-{unique}"}, changeId=f"{unique}-e"
    )
    assert first["userErrors"] == []
    other = change(
        hub, unique, process="ETER", item={"uiid": f"F-{unique}"}, changeId=f"{unique}-e"
    )
    assert [(e["field"], e["code"]) for e in other["userErrors"]] == [
        (["input", "changeId"], "CONFLICT")
    ]


def test_a_card_delivered_active_again_has_no_blocked_reason(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    assert card(hub, unique, status="BLOCKED", blockedReason="stolen")["userErrors"] == []
    active = card(hub, unique, status="ACTIVE")["identificationObject"]
    assert (active["status"], active["blockedReason"]) == ("ACTIVE", None)

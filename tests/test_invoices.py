"""Invoice-line checks over HTTP: every verdict the hub gives, stored once per line, and the
list of checked lines with its filters and cursors."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from hub.domain import invoices
from loaders.invoice_lines import check_files
from tests.harness import RunningHub, hub_command, ok, vin_for
from tests.test_contracts import UPSERT as UPSERT_CONTRACT
from tests.test_contracts import change, setup
from tests.test_identification import BLOCK, card
from tests.test_partners import person as partner_person
from tests.test_partners import upsert as upsert_partner
from tests.test_vehicles import vehicle

CHECK = """
mutation($lines: [InvoiceLineInput!]!) {
  checkInvoiceLines(lines: $lines) {
    id lineNumber verdict explanation amount coveredAmount rebillAmount itemUiid
    contract { number } billTo { name } identificationObject { number }
  }
}
"""
LIST = """
query($where: InvoiceLineWhere, $first: Int, $after: String) {
  invoiceLines(where: $where, first: $first, after: $after) {
    totalCount
    edges { cursor node { lineNumber verdict } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def line(unique: str, n: int, **values: Any) -> dict[str, Any]:
    return {
        "supplier": f"Aral {unique}",
        "invoiceNumber": f"INV-{unique}",
        "lineNumber": n,
        "identification": {"kind": "FUEL_CARD", "number": f"7000 {unique}"},
        "date": "2025-03-01",
        "serviceCode": "TYRES",
        "amount": "120.50",
        "currency": "EUR",
        **values,
    }


def check(hub: RunningHub, *lines: dict[str, Any]) -> list[dict[str, Any]]:
    checked: list[dict[str, Any]] = ok(hub, CHECK, {"lines": list(lines)})["checkInvoiceLines"]
    return checked


def test_a_covered_service_is_paid_and_an_uncovered_one_billed_to_the_lessee(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    card(hub, unique)
    tyres, wash, fuel = check(
        hub,
        line(unique, 1),
        line(unique, 2, serviceCode="wash"),
        line(unique, 3, serviceCode="FUEL", amount="80"),
    )
    assert tyres["verdict"] == "COVERED"
    assert (tyres["coveredAmount"], tyres["rebillAmount"]) == ("120.50", "0.00")
    assert tyres["itemUiid"] == f"S-{unique}"
    assert tyres["contract"] == {"number": f"L-{unique}"}
    assert tyres["billTo"] == {"name": f"Anna Müller {unique}"}
    assert tyres["identificationObject"] == {"number": f"7000{unique}"}
    # WASH is listed at 0 %, FUEL not at all: both are billed on to the lessee.
    assert (wash["verdict"], wash["coveredAmount"], wash["rebillAmount"]) == (
        "NOT_COVERED",
        "0.00",
        "120.50",
    )
    assert (fuel["verdict"], fuel["rebillAmount"]) == ("NOT_COVERED", "80.00")
    assert "does not cover FUEL" in fuel["explanation"]


def test_a_contract_sums_its_checked_lines_per_month(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    card(hub, unique)
    check(
        hub,
        line(unique, 1, date="2025-03-01"),
        line(unique, 2, date="2025-03-20", serviceCode="WASH", amount="10"),
        line(unique, 3, date="2025-04-02", amount="99.99"),
    )
    check(hub, line(unique, 1, date="2025-03-01"))  # checked again: counted once
    query = """query($n: String) { contract(number: $n) {
        invoiceTotals { month currency lines coveredAmount rebillAmount } } }"""
    totals = ok(hub, query, {"n": f"L-{unique}"})["contract"]["invoiceTotals"]
    assert totals == [
        {"month": "2025-03", "currency": "EUR", "lines": 2,
         "coveredAmount": "120.50", "rebillAmount": "10.00"},
        {"month": "2025-04", "currency": "EUR", "lines": 1,
         "coveredAmount": "99.99", "rebillAmount": "0.00"},
    ]  # fmt: skip


def test_after_a_change_of_lessee_cards_and_lines_follow_the_new_lessee(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    card(hub, unique)
    upsert_partner(hub, partner_person(unique + "N", lastName=f"Neu {unique}"))
    new_lessee = {"source": {"system": "CRM", "key": f"P-{unique}N"}}
    assert change(hub, unique, process="LCOO", newLessee=new_lessee)["userErrors"] == []
    query = """query($n: String!) { identificationObject(kind: FUEL_CARD, number: $n) {
        holder { name } changeHistory { edges { node { action process } } } } }"""
    moved = ok(hub, query, {"n": f"7000 {unique}"})["identificationObject"]
    assert moved["holder"] == {"name": f"Anna Neu {unique}"}
    assert {"action": "PROCESS", "process": "LCOO"} in [
        e["node"] for e in moved["changeHistory"]["edges"]
    ]
    before, after = check(
        hub,
        line(unique, 1, date="2025-03-01"),
        line(unique, 2, date="2025-08-01", serviceCode="WASH"),
    )
    assert before["billTo"] == {"name": f"Anna Müller {unique}"}
    assert after["billTo"] == {"name": f"Anna Neu {unique}"}


def test_a_change_of_lessee_can_leave_the_cards_with_their_holders(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    card(hub, unique)
    upsert_partner(hub, partner_person(unique + "K", lastName=f"Kay {unique}"))
    new_lessee = {"source": {"system": "CRM", "key": f"P-{unique}K"}}
    result = change(hub, unique, process="LCOO", newLessee=new_lessee, keepCardHolders=True)
    assert result["userErrors"] == []
    query = "query($n: String!) { identificationObject(kind: FUEL_CARD, number: $n) { holder { name } } }"
    kept = ok(hub, query, {"n": f"7000 {unique}"})["identificationObject"]
    assert kept["holder"] == {"name": f"Anna Müller {unique}"}


def _with_tyre_cap(hub: RunningHub, unique: str, cap: float, period: str) -> None:
    """The contract of :func:`setup` again, its TYRES capped."""
    data = {
        "source": {"system": "CRM", "key": f"K-{unique}"},
        "number": f"L-{unique}",
        "type": "LEASING",
        "status": "ACTIVE",
        "startDate": "2024-01-01",
        "endDate": f"{dt.date.today().year + 4}-12-31",
        "parties": [
            {"role": "LESSEE", "partner": {"source": {"system": "CRM", "key": f"P-{unique}"}}}
        ],
        "items": [
            {"uiid": f"S-{unique}", "kind": "SERVICE",
             "singleServices": [
                 {"code": "TYRES", "coveragePercent": 100, "inclusion": "MANDATORY",
                  "quantityCap": cap, "capPeriod": period},
                 {"code": "WASH", "coveragePercent": 100, "inclusion": "OPTIONAL"}]},
        ],
    }  # fmt: skip
    result = ok(hub, UPSERT_CONTRACT, {"input": data})["upsertContract"]
    assert result["userErrors"] == [], result


def test_tyres_over_the_yearly_cap_are_billed_to_the_lessee_for_the_part_above(
    hub: RunningHub, unique: str
) -> None:
    # The contract year that holds today: used and remaining are shown for it.
    year = dt.date.today().year
    setup(hub, unique)
    _with_tyre_cap(hub, unique, 8, "CONTRACT_YEAR")
    card(hub, unique, validTo=f"{year + 4}-12-31")
    first, second, third = check(
        hub,
        line(unique, 1, date=f"{year}-02-01", quantity=4, amount="400"),
        line(unique, 2, date=f"{year}-05-01", quantity=3, amount="300"),
        line(unique, 3, date=f"{year}-09-01", quantity=4, amount="400"),
    )
    assert [first["verdict"], second["verdict"]] == ["COVERED", "COVERED"]
    assert (third["verdict"], third["coveredAmount"], third["rebillAmount"]) == (
        "QUOTA_EXCEEDED",
        "100.00",
        "300.00",
    )
    assert "1 of 4 covered" in third["explanation"]
    # On another invoice, and checked again: nothing counted twice.
    again, over = check(
        hub,
        line(unique, 3, date=f"{year}-09-01", quantity=4, amount="400"),
        {**line(unique, 1, date=f"{year}-10-01", quantity=2, amount="200"),
         "invoiceNumber": f"INV2-{unique}"},
    )  # fmt: skip
    assert again == third
    assert (over["verdict"], over["coveredAmount"]) == ("QUOTA_EXCEEDED", "0.00")
    # A new contract year starts from nothing.
    (next_year,) = check(
        hub,
        {**line(unique, 1, date=f"{year + 1}-01-05", quantity=2, amount="200"),
         "invoiceNumber": f"INV3-{unique}"},
    )  # fmt: skip
    assert next_year["verdict"] == "COVERED"
    services = ok(
        hub,
        """query($n: String) { contract(number: $n) { items { singleServices {
            code inclusion quantityCap capPeriod usedQuantity remainingQuantity } } } }""",
        {"n": f"L-{unique}"},
    )["contract"]["items"][0]["singleServices"]
    assert services == [
        {"code": "TYRES", "inclusion": "MANDATORY", "quantityCap": 8.0,
         "capPeriod": "CONTRACT_YEAR", "usedQuantity": 8.0, "remainingQuantity": 0.0},
        {"code": "WASH", "inclusion": "OPTIONAL", "quantityCap": None,
         "capPeriod": "CONTRACT_YEAR", "usedQuantity": 0.0, "remainingQuantity": None},
    ]  # fmt: skip


def test_a_cap_over_the_whole_contract_counts_every_year(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    _with_tyre_cap(hub, unique, 5, "CONTRACT")
    card(hub, unique)
    first, later = check(
        hub,
        line(unique, 1, date="2024-06-01", quantity=4, amount="400"),
        line(unique, 2, date="2026-06-01", quantity=4, amount="400"),
    )
    assert first["verdict"] == "COVERED"
    assert (later["verdict"], later["coveredAmount"], later["rebillAmount"]) == (
        "QUOTA_EXCEEDED",
        "100.00",
        "300.00",
    )


def test_a_cap_must_be_a_positive_number_with_its_period(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    data = {
        "source": {"system": "CRM", "key": f"K-{unique}"},
        "number": f"L-{unique}",
        "type": "LEASING",
        "items": [
            {"uiid": f"S-{unique}", "kind": "SERVICE",
             "singleServices": [
                 {"code": "TYRES", "coveragePercent": 100, "quantityCap": 0},
                 {"code": "WASH", "coveragePercent": 100, "capPeriod": "CONTRACT"}]},
        ],
    }  # fmt: skip
    result = ok(hub, UPSERT_CONTRACT, {"input": data})["upsertContract"]
    assert [(e["field"][-2:], e["code"]) for e in result["userErrors"]] == [
        (["0", "quantityCap"], "INVALID_VALUE"),
        (["1", "capPeriod"], "REQUIRED"),
    ]


def test_an_unknown_card_goes_to_the_placeholder_partner_and_the_queue(
    hub: RunningHub, unique: str
) -> None:
    (unknown,) = check(
        hub, line(unique, 1, identification={"kind": "FUEL_CARD", "number": f"9999{unique}"})
    )
    assert unknown["verdict"] == "UNKNOWN_OBJECT"
    assert unknown["billTo"] == {"name": "Unknown customer"}
    assert unknown["rebillAmount"] == "120.50" and unknown["contract"] is None
    queue = ok(
        hub,
        LIST,
        {"where": {"verdicts": ["UNKNOWN_OBJECT"], "supplier": f"Aral {unique}"}},
    )["invoiceLines"]["edges"]
    assert [edge["node"]["verdict"] for edge in queue] == ["UNKNOWN_OBJECT"]
    # One placeholder for every supplier.
    (other,) = check(
        hub,
        line(
            unique,
            1,
            supplier=f"Shell {unique}",
            identification={"kind": "LICENSE_PLATE", "number": f"B X {unique}"},
        ),
    )
    assert other["billTo"] == unknown["billTo"]


def test_blocked_expired_and_ended_are_refused(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)  # ends 2030-12-31
    obj = card(hub, unique, validFrom="2025-01-01", validTo="2035-12-31")["identificationObject"]
    early, late = check(hub, line(unique, 1, date="2024-12-31"), line(unique, 2, date="2031-01-15"))
    assert early["verdict"] == "OBJECT_EXPIRED"
    assert (early["coveredAmount"], early["rebillAmount"]) == ("0.00", "0.00")
    assert late["verdict"] == "CONTRACT_ENDED"
    # Terminated early: a line from the termination day on is after the contract.
    assert change(hub, unique, process="ETER", effectiveDate="2025-06-30")["userErrors"] == []
    (terminated,) = check(hub, line(unique, 3, date="2025-07-01"))
    assert terminated["verdict"] == "CONTRACT_ENDED", terminated
    ok(hub, BLOCK, {"id": obj["id"], "reason": "card reported stolen"})
    (blocked,) = check(hub, line(unique, 4, date="2025-03-01"))
    assert blocked["verdict"] == "BLOCKED_OBJECT"
    assert "card reported stolen" in blocked["explanation"]
    # A refused line is billed to nobody.
    assert [c["billTo"] for c in (early, late, terminated, blocked)] == [None] * 4


def test_checking_a_line_again_answers_with_what_was_stored(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    card(hub, unique)
    (first,) = check(hub, line(unique, 1, amount="120.505"))
    assert first["amount"] == "120.51"  # to cents, as stored
    # The card is blocked afterwards: the stored check stands, and the line is not stored twice.
    obj = ok(hub, '{ identificationObject(kind: FUEL_CARD, number: "7000%s") { id } }' % unique)
    ok(hub, BLOCK, {"id": obj["identificationObject"]["id"], "reason": "lost"})
    again, new = check(hub, line(unique, 1, amount="120.505"), line(unique, 2))
    assert again == first
    assert new["verdict"] == "BLOCKED_OBJECT"
    listed = ok(hub, LIST, {"where": {"supplier": f"Aral {unique}"}})["invoiceLines"]["edges"]
    assert [edge["node"]["lineNumber"] for edge in listed] == [1, 2]


def test_the_list_pages_by_cursor_bound_to_its_filter(hub: RunningHub, unique: str) -> None:
    lines = [
        line(unique, n, identification={"kind": "FUEL_CARD", "number": f"8{n}{unique}"})
        for n in range(1, 6)
    ]
    check(hub, *lines)
    where = {"supplier": f"Aral {unique}"}
    seen, after = [], None
    while True:
        page = ok(hub, LIST, {"where": where, "first": 2, "after": after})["invoiceLines"]
        assert page["totalCount"] == 5  # the whole list's, on every page
        seen += [edge["node"]["lineNumber"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert seen == [1, 2, 3, 4, 5]
    other = hub.graphql(LIST, {"where": {"verdicts": ["COVERED"]}, "after": after})
    assert other["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # Opaque: the filter it is bound to is a digest, not the hub's own spelling of it.
    body = after.split(".")[0]
    assert "Filter" not in base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    forged = hub.graphql(LIST, {"where": where, "after": "x" * 5000})
    assert len(forged["errors"][0]["message"]) < 200


def test_the_supplier_is_found_in_any_case_and_no_verdict_lists_no_line(
    hub: RunningHub, unique: str
) -> None:
    check(hub, line(unique, 1, identification={"kind": "FUEL_CARD", "number": f"81{unique}"}))

    def count(where: dict[str, Any]) -> int:
        return int(ok(hub, LIST, {"where": where})["invoiceLines"]["totalCount"])

    assert count({"supplier": f"ARAL {unique.lower()}"}) == count({"supplier": f"Aral {unique}"})
    assert count({"supplier": f"aral {unique}"}) == 1
    assert count({"supplier": f"Aral {unique}", "verdicts": []}) == 0


def test_a_line_sent_again_with_the_supplier_in_another_case_is_the_same_line(
    hub: RunningHub, unique: str
) -> None:
    (first,) = check(hub, line(unique, 1))
    (again,) = check(hub, line(unique, 1, supplier=f" ARAL  {unique.upper()} "))
    assert again["id"] == first["id"]
    listed = ok(hub, LIST, {"where": {"supplier": f"aral {unique}"}})["invoiceLines"]
    assert listed["totalCount"] == 1


def test_a_line_for_a_card_nobody_holds_under_no_contract_goes_to_the_placeholder(
    hub: RunningHub, unique: str
) -> None:
    loose = card(hub, unique, vehicle=None, holder=None, contract=None)
    assert loose["userErrors"] == []
    (checked,) = check(hub, line(unique, 1))
    assert checked["verdict"] == "NOT_COVERED"
    assert checked["billTo"] == {"name": "Unknown customer"}
    assert Decimal(checked["rebillAmount"]) == Decimal("120.50")
    assert "no holder" in checked["explanation"]


def test_bad_lines_are_refused_with_the_field_and_the_rule(hub: RunningHub, unique: str) -> None:
    lines = [line(unique, 1), line(unique, 2, currency="EURO"), line(unique, 3, amount="-1")]
    body = hub.graphql(CHECK, {"lines": lines})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    # Every bad line at once, in the message and one by one.
    assert "lines.1.currency" in error["message"] and "lines.2.amount" in error["message"]
    assert [(p["field"], p["code"]) for p in error["extensions"]["problems"]] == [
        (["lines", "1", "currency"], "INVALID_VALUE"),
        (["lines", "2", "amount"], "INVALID_VALUE"),
    ]
    huge = hub.graphql(CHECK, {"lines": [line(unique, 3, amount="1E+27")]})
    assert huge["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "lines.0.amount" in huge["errors"][0]["message"]


def test_each_field_of_a_line_is_held_to_its_rule(hub: RunningHub, unique: str) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"supplier": "A\u0000ral"}, "supplier", "control character"),
        ({"serviceCode": "X" * 300}, "serviceCode", "longer than 256"),
        ({"identification": {"kind": "FUEL_CARD", "number": "9" * 300}}, "identification.number",
         "longer than 256"),
        ({"currency": "ÄÖÜ"}, "currency", "ISO 4217"),
        ({"amount": "NaN"}, "amount", "decimal point"),
        ({"amount": "-50.00"}, "amount", "credit notes"),
        ({"quantity": 0}, "quantity", "above 0"),
        ({"amount": "999999999999.995"}, "amount", "below 1,000,000,000,000"),
        ({"identification": {"kind": "FUEL_CARD", "number": " - "}}, "identification.number",
         "nothing but separators"),
        ({"date": "1800-01-01"}, "date", "before 1900-01-01"),
        ({"date": "2300-01-01"}, "date", "after 2199-12-31"),
    ]  # fmt: skip
    for values, field, rule in cases:
        body = hub.graphql(CHECK, {"lines": [line(unique, 1, **values)]})
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", values
        assert f"lines.0.{field}" in error["message"] and rule in error["message"], (
            values,
            error["message"],
        )


def test_an_amount_with_a_decimal_comma_in_a_file_is_refused_saying_so(unique: str) -> None:
    made, problems = invoices.line_of(line(unique, 1, amount="10,50"), ("row",))
    assert made is None
    assert [(p.path, p.code) for p in problems] == [(("row", "amount"), "INVALID_VALUE")]
    assert "decimal point (10.50)" in problems[0].message


def test_a_card_of_a_deleted_contract_is_covered_by_nothing(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    card(hub, unique)
    deleted = ok(
        hub,
        """mutation($s: SourceRefInput!) { deleteRecord(kind: CONTRACT, source: $s) {
          recordDeleted userErrors { code } } }""",
        {"s": {"system": "CRM", "key": f"K-{unique}"}},
    )["deleteRecord"]
    assert deleted == {"recordDeleted": True, "userErrors": []}
    (checked,) = check(hub, line(unique, 1))
    assert (checked["verdict"], checked["coveredAmount"]) == ("NOT_COVERED", "0.00")
    assert checked["contract"] is None


def test_a_card_for_a_vehicle_its_contracts_items_do_not_cover_is_not_covered(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)  # its items cover vin_for(unique) alone
    other = vin_for(unique, 1)
    vehicle(hub, {"source": {"system": "VMS", "key": f"V2-{unique}"}, "vin": other})
    card(hub, unique, vehicle={"vin": other})
    (checked,) = check(hub, line(unique, 1))
    assert (checked["verdict"], checked["rebillAmount"]) == ("NOT_COVERED", "120.50")
    assert "other vehicles" in checked["explanation"]
    # The card moved to the covered vehicle: covered.
    card(hub, unique)
    (again,) = check(hub, line(unique, 2))
    assert again["verdict"] == "COVERED"
    # A service item that lists no vehicle, an empty list, covers none of them.
    service = {"uiid": f"S-{unique}", "kind": "SERVICE", "coveredVehicles": [],
               "singleServices": [{"code": "TYRES", "coveragePercent": 100}]}  # fmt: skip
    financing = {"uiid": f"F-{unique}", "kind": "FINANCING", "product": "LEASE36",
                 "coveredVehicles": [{"vin": vin_for(unique)}]}  # fmt: skip
    contract = {"source": {"system": "CRM", "key": f"K-{unique}"}, "number": f"L-{unique}",
                "type": "LEASING", "items": [financing, service]}  # fmt: skip
    assert ok(hub, UPSERT_CONTRACT, {"input": contract})["upsertContract"]["userErrors"] == []
    (none,) = check(hub, line(unique, 3))
    assert none["verdict"] == "NOT_COVERED", none


def test_partial_coverage_bills_the_rest_to_the_lessee() -> None:
    facts = {
        "object": "o",
        "contract": "c",
        "number": "L-1",
        "status": "ACTIVE",
        "blockedReason": None,
        "validFrom": None,
        "validTo": None,
        "contractStatus": "ACTIVE",
        "startDate": None,
        "endDate": None,
        "terminationDate": None,
        "holder": "h",
        "lessees": [{"id": "l", "validFrom": None, "validTo": None}],
        "items": [{"uiid": "S-1", "kind": "SERVICE", "codes": ["TYRES"], "coverage": [50]}],
    }
    given = invoices.normalized(
        invoices.Line(
            "Aral", "I-1", 1, "FUEL_CARD", "7000 1", dt.date(2025, 1, 1),
            "tyres", 1.0, Decimal("100.01"), "eur",
        )
    )  # fmt: skip
    judged = invoices.judge(given, facts, None)
    assert (judged.verdict, judged.covered, judged.rebill) == (
        "COVERED",
        Decimal("50.01"),
        Decimal("50.00"),
    )
    assert judged.bill_to_id == "l"


def test_hub_load_checks_an_invoice_file_and_rejects_its_bad_lines(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    setup(hub, unique)
    card(hub, unique)
    csv_file = tmp_path / "aral-invoice_lines.csv"
    csv_file.write_text(
        "supplier,invoiceNumber,lineNumber,identification.kind,identification.number,"
        "date,serviceCode,quantity,amount,currency\n"
        f"Aral {unique},INV-{unique},1,FUEL_CARD,7000 {unique},2025-03-01,TYRES,1,120.50,EUR\n"
        f"Aral {unique},INV-{unique},2,FUEL_CARD,7000 {unique},2025-03-02,WASH,,10,EUR\n"
        f"Aral {unique},INV-{unique},3,FUEL_CARD,9999 {unique},2025-03-03,FUEL,,50,EUR\n"
        f"Aral {unique},INV-{unique},x,FUEL_CARD,7000 {unique},2025-03-04,FUEL,,50,EURO\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejected.ndjson"
    env = {"HUB_DATA_DIR": str(hub.services.settings.data_dir)}
    args = ("load", "aral", str(csv_file), "--rejects", str(rejects))
    result = hub_command(*args, env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert (
        "invoice lines: 3 checked (COVERED 1, NOT_COVERED 1, UNKNOWN_OBJECT 1), 1 rejected"
        in result.stdout
    ), result.stdout
    (rejected,) = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert rejected["line"] == 5
    assert {tuple(e["field"]) for e in rejected["errors"]} == {("lineNumber",), ("currency",)}
    listed = ok(hub, LIST, {"where": {"supplier": f"Aral {unique}"}})["invoiceLines"]["edges"]
    assert [edge["node"]["verdict"] for edge in listed] == [
        "COVERED",
        "NOT_COVERED",
        "UNKNOWN_OBJECT",
    ]
    again = hub_command(*args, env=env, cwd=tmp_path)
    assert "3 checked (COVERED 1, NOT_COVERED 1, UNKNOWN_OBJECT 1)" in again.stdout
    listed = ok(hub, LIST, {"where": {"supplier": f"Aral {unique}"}})["invoiceLines"]["edges"]
    assert len(listed) == 3


def test_a_second_row_of_one_line_with_other_values_is_rejected_not_dropped(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    head = (
        "supplier,invoiceNumber,lineNumber,identification.kind,identification.number,"
        "date,serviceCode,quantity,amount,currency\n"
    )
    row = f"Aral {unique},INV-{unique},1,FUEL_CARD,7000 {unique},2025-03-01,TYRES,1,{{}},EUR\n"
    csv_file = tmp_path / "invoice_lines.csv"
    csv_file.write_text(
        head + row.format("20.00") + row.format("20.00") + row.format("99.00"), encoding="utf-8"
    )
    summary = hub.run(check_files(hub.store, [csv_file], "test"))
    assert sum(summary.verdicts.values()) == 2, "the same row twice is one line, checked twice"
    ((_, number, _, problems),) = summary.rejected
    assert number == 4 and [p.code for p in problems] == ["DUPLICATE"]
    assert "row 2" in problems[0].message


def test_a_card_issued_under_no_contract_is_billed_to_its_holder(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)  # other contracts, with their lessees, exist in the store
    upsert_partner(hub, partner_person(unique + "H", lastName=f"Halter {unique}"))
    holder = {"source": {"system": "CRM", "key": f"P-{unique}H"}}
    assert card(hub, unique, contract=None, holder=holder)["userErrors"] == []
    (billed,) = check(hub, line(unique, 1))
    assert (billed["verdict"], billed["rebillAmount"]) == ("NOT_COVERED", "120.50")
    assert billed["billTo"] == {"name": f"Anna Halter {unique}"}
    assert billed["contract"] is None and billed["itemUiid"] is None


def test_a_line_finds_its_card_however_the_supplier_printed_the_number(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    card(hub, unique)
    (hyphened,) = check(
        hub, line(unique, 1, identification={"kind": "FUEL_CARD", "number": f"7000-{unique}"})
    )
    assert hyphened["verdict"] == "COVERED", hyphened["explanation"]

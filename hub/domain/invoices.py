"""Invoice-line checks: is a supplier's line for a card or plate covered by the contract the
object was issued under, to be billed on to the lessee, or refused?

Each line is looked up by its object (kind and number as printed), that object's contract,
the contract's lessee and its service items, and given a verdict (see ``docs/leasing.md``):

- ``UNKNOWN_OBJECT``: no such card or plate. Billed to the placeholder partner *Unknown
  customer* (one for every supplier, source ``HUB``/``UNKNOWN-CUSTOMER``) and left for a
  person: ``invoiceLines(where: {verdicts: [UNKNOWN_OBJECT]})`` is that queue.
- ``BLOCKED_OBJECT``: the object is blocked; ``CONTRACT_ENDED``: the day lies after the
  contract's end or termination, after the end of the item the object was issued under, or
  after the end of every service item that lists the service; ``OBJECT_EXPIRED``: the day
  lies outside the object's validity. These lines are refused: neither covered nor billed
  on.
- ``COVERED``: a service item that runs on the day (the one the object was issued under,
  when it is a service item; else any of the contract's) covers the service code at its
  percentage (the rest, if any, is billed to the lessee); ``NOT_COVERED``: none does (or at
  0 %), or the object was issued under no contract, or the contract is not in force that
  day: the whole amount is billed to the lessee (to the holder where there is no contract).

A line is checked once: its result is stored under (supplier, invoice number, line number)
and checking it again answers with what was stored.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from graph_schema.entities import FIRST_DAY, LAST_DAY
from graph_schema.enums import IdentificationKind, QuotaPeriod
from hub.domain import deliveries, kinds, service, validation
from hub.domain import problems as codes
from hub.domain.problems import Path, Problem
from hub.errors import BadRequest
from hub.identifiers import printed_code
from hub.ids import new_id
from hub.read import quotas
from hub.read.invoice_lines import CAPPED_CALL_OFFS, call_offs_of
from hub.read.values import native
from hub.store import Store, Transaction
from hub.store.temporal import utc_now

PLACEHOLDER = {"system": "HUB", "key": "UNKNOWN-CUSTOMER"}
UNKNOWN_CUSTOMER = {
    "source": PLACEHOLDER,
    "kind": "ORGANIZATION",
    "organizationName": "Unknown customer",
}
# Lines one request may check.
MAX_LINES = 1_000
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    supplier: str
    invoice_number: str
    line_number: int
    object_kind: str
    object_number: str
    date: dt.date
    service_code: str
    quantity: float
    amount: Decimal
    currency: str

    @property
    def object_ref(self) -> tuple[str, str]:
        """The card or plate it names: its kind and its number."""
        return (self.object_kind, self.object_number)

    @property
    def identity(self) -> tuple[str, str, int]:
        """What makes two lines one: the supplier in any case (``ARAL`` and ``Aral`` bill
        the same line once), the invoice number and the line number."""
        return (self.supplier.lower(), self.invoice_number, self.line_number)


@dataclass(frozen=True)
class Check:
    line: Line
    verdict: str
    explanation: str
    covered: Decimal
    rebill: Decimal
    object_id: str | None = None
    contract_id: str | None = None
    item_uiid: str | None = None
    bill_to_id: str | None = None
    id: str = ""
    covered_quantity: float | None = None  # what it counted against the item's cap


# Largest amount a line may carry.
LARGEST_AMOUNT = Decimal(10**12)


def line_of(data: dict[str, Any], path: Path) -> tuple[Line | None, list[Problem]]:
    """The line an InvoiceLineInput (or a row of an invoice file, the same fields) describes,
    normalized, or what is wrong with it, each problem naming its field under ``path``."""
    problems: list[Problem] = []

    def bad(field: str, code: str, message: str) -> None:
        problems.append(Problem((*path, *field.split(".")), code, message))

    def text(field: str) -> str:
        value: Any = data
        for part in field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        value = getattr(value, "value", value)  # an enum's member
        checked = validation.text(value, (*path, *field.split(".")))
        if isinstance(checked, Problem):
            problems.append(checked)
            return ""
        if not checked:
            bad(field, codes.REQUIRED, "must not be empty")
            return ""
        if len(checked) > validation.MAX_KEY:
            bad(field, codes.INVALID_VALUE, f"is longer than {validation.MAX_KEY} characters")
            return ""
        return checked

    supplier, invoice, service_code = text("supplier"), text("invoiceNumber"), text("serviceCode")
    kind, number = text("identification.kind"), text("identification.number")
    if kind and kind not in IdentificationKind.__members__:
        options = ", ".join(IdentificationKind.__members__)
        bad("identification.kind", codes.INVALID_VALUE, f"{kind!r} is not one of {options}")
    currency = text("currency")
    checked = validation.currency(currency, path) if currency else None
    if isinstance(checked, Problem):
        bad("currency", codes.INVALID_VALUE, checked.message)
    line_number = _number(data.get("lineNumber"), int)
    if line_number is None or line_number < 1:
        bad("lineNumber", codes.INVALID_VALUE, "must be a whole number, 1 or more")
    if number and not printed_code(number):
        bad("identification.number", codes.INVALID_VALUE, "is nothing but separators")
    quantity = _number(data.get("quantity", 1), float)
    # None of a service is no service: a line of nothing would be covered past every cap.
    if quantity is None or not quantity > 0 or not math.isfinite(quantity):
        bad("quantity", codes.INVALID_VALUE, "must be a number above 0")
    amount = _number(data.get("amount"), Decimal)
    wrong = _amount_problem(amount)
    if wrong is not None:
        bad("amount", codes.INVALID_VALUE, wrong)
    given = data.get("date")
    day = given if isinstance(given, dt.date) else None
    if day is None:
        try:
            day = dt.date.fromisoformat(str(given).strip())
        except ValueError:
            bad("date", codes.INVALID_VALUE, f"{given!r} is not a date (YYYY-MM-DD)")
    far = validation.plausible(day, (*path, "date"), FIRST_DAY, LAST_DAY, dt.date.today())
    if far is not None:
        problems.append(far)
    if problems or day is None:
        return None, problems
    assert line_number is not None and quantity is not None and amount is not None
    made = Line(
        supplier, invoice, line_number, kind, number, day, service_code, quantity, amount, currency
    )
    return normalized(made), []


def _amount_problem(amount: Decimal | None) -> str | None:
    """What is wrong with a line's amount, as it is checked and stored (to the cent)."""
    if amount is None or not amount.is_finite():
        return "must be a number, with a decimal point (10.50)"
    if amount < 0:
        # A credit is no service to check against a contract.
        return "must not be negative: credit notes are not checked"
    # Compared before it is rounded too: a huge amount has no cents to round to.
    if amount >= LARGEST_AMOUNT or _money(amount) >= LARGEST_AMOUNT:
        return f"must be below {LARGEST_AMOUNT:,}"
    return None


def _number(value: Any, kind: Callable[[str], Any]) -> Any:
    """``value`` as a number of ``kind``, or None (text from a file is read as one too)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        found = kind(str(value).strip())
    except (ValueError, ArithmeticError):
        return None
    return found


def normalized(line: Line) -> Line:
    """The line as it is stored and compared: names trimmed, the number as cards keep it."""
    return replace(
        line,
        supplier=" ".join(line.supplier.split()),
        invoice_number=line.invoice_number.strip(),
        object_number=printed_code(line.object_number),
        service_code=line.service_code.strip().upper(),
        currency=line.currency.strip().upper(),
        amount=_money(line.amount),
    )


def _money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def judge(
    line: Line,
    facts: dict[str, Any] | None,
    unknown_customer: str | None,
    call_offs: list[quotas.CallOff] | None = None,
) -> Check:
    """The verdict on one line, given what the graph holds about its object (None: no such
    object) and the quantities earlier lines counted against caps (``call_offs``, to which a
    covered line adds its own). The rules of the module's docstring; nothing read or
    written."""
    if facts is None:
        return Check(
            line,
            "UNKNOWN_OBJECT",
            f"No {line.object_kind} {line.object_number} is known: billed to the placeholder "
            "partner until a person finds its holder.",
            _NOTHING,
            _money(line.amount),
            bill_to_id=unknown_customer,
        )
    found = {
        "object_id": facts["object"],
        "contract_id": facts["contract"],
        "bill_to_id": _lessee_on(line.date, facts["lessees"] or []) or facts["holder"],
    }
    # A contract's end comes before the object's: a termination ends its objects too.
    rules = (_blocked, _after_contract, _after_item, _expired, _without_contract, _not_in_force)
    for rule in rules:
        said = rule(line, facts)
        if said is not None:
            verdict, explanation, billed = said
            if not billed:  # a refused line is billed to nobody
                return Check(
                    line, verdict, explanation, _NOTHING, _NOTHING, **{**found, "bill_to_id": None}
                )
            if found["bill_to_id"] is None:
                # Nobody holds it: the amount waits with the placeholder, not with no one.
                found["bill_to_id"] = unknown_customer
                explanation += (
                    " It has no holder: billed to the placeholder partner until a person finds "
                    "who pays."
                )
            return Check(line, verdict, explanation, _NOTHING, _money(line.amount), **found)
    return _covered(line, facts, found, call_offs if call_offs is not None else [])


def _lessee_on(day: dt.date, lessees: list[dict[str, Any]]) -> str | None:
    """The lessee on ``day``: the one whose period holds it, else the one who holds the
    contract now (after a change of lessee, the previous one stays listed)."""
    for lessee in lessees:
        start, end = native(lessee["validFrom"]), native(lessee["validTo"])
        if (start is None or start <= day) and (end is None or day <= end):
            return str(lessee["id"])
    now = [lessee["id"] for lessee in lessees if lessee["validTo"] is None]
    return str(now[0]) if now else (str(lessees[0]["id"]) if lessees else None)


# A rule: None when it does not apply; else the verdict, its explanation and whether the
# amount is billed on (True) or the line refused (False).
Said = tuple[str, str, bool] | None
_NOTHING = Decimal("0.00")


def _blocked(line: Line, facts: dict[str, Any]) -> Said:
    if facts["status"] != "BLOCKED":
        return None
    reason = f" ({facts['blockedReason']})" if facts["blockedReason"] else ""
    return "BLOCKED_OBJECT", f"The {line.object_kind} is blocked{reason}: refuse the line.", False


def _expired(line: Line, facts: dict[str, Any]) -> Said:
    valid_from, valid_to = native(facts["validFrom"]), native(facts["validTo"])
    if not ((valid_from and line.date < valid_from) or (valid_to and line.date > valid_to)):
        return None
    return (
        "OBJECT_EXPIRED",
        f"The {line.object_kind} is valid {valid_from or '…'} to {valid_to or '…'}, not on "
        f"{line.date}: refuse the line.",
        False,
    )


def _without_contract(line: Line, facts: dict[str, Any]) -> Said:
    if facts["contract"] is not None:
        return None
    explanation = f"The {line.object_kind} was issued under no contract: billed to its holder."
    return "NOT_COVERED", explanation, True


def _after_contract(line: Line, facts: dict[str, Any]) -> Said:
    ended = _ended(facts)
    if ended is None:
        if facts["contractStatus"] not in ("TERMINATED", "EXPIRED"):
            return None
        explanation = f"Contract {facts['number']} is {facts['contractStatus'].lower()}."
        return "CONTRACT_ENDED", f"{explanation} Refuse the line.", False
    if line.date < ended:
        return None
    explanation = f"Contract {facts['number']} ended before {ended}: refuse the line."
    return "CONTRACT_ENDED", explanation, False


def _not_in_force(line: Line, facts: dict[str, Any]) -> Said:
    start = native(facts["startDate"])
    if facts["contractStatus"] != "DRAFT" and not (start and line.date < start):
        return None
    explanation = (
        f"Contract {facts['number']} was not in force on {line.date}: billed to the lessee."
    )
    return "NOT_COVERED", explanation, True


def _covered(
    line: Line, facts: dict[str, Any], found: dict[str, Any], call_offs: list[quotas.CallOff]
) -> Check:
    amount = _money(line.amount)
    items = _serving(facts)
    running = [i for i in items if _running(i, line.date)]
    item, percent, terms = _covering(running, line.service_code)
    if item is None:
        ended, _, _ = _covering(items, line.service_code)
        if ended is not None:
            explanation = (
                f"Item {ended} of contract {facts['number']} ended before {line.date}: refuse "
                "the line."
            )
            found = {**found, "item_uiid": ended, "bill_to_id": None}  # refused: billed to nobody
            return Check(line, "CONTRACT_ENDED", explanation, _NOTHING, _NOTHING, **found)
    found = {**found, "item_uiid": item}
    if item is None or percent <= 0:
        explanation = (
            f"Contract {facts['number']} does not cover {line.service_code}: billed to the lessee."
        )
        elsewhere, listed, _ = _covering(_serving(facts, any_vehicle=True), line.service_code)
        if item is None and elsewhere is not None and listed > 0:
            explanation = (
                f"Contract {facts['number']} covers {line.service_code} for other vehicles, not "
                f"for the one this {line.object_kind} is for: billed to the lessee."
            )
        return Check(line, "NOT_COVERED", explanation, _NOTHING, amount, **found)
    quantity = float(line.quantity)
    counted, beyond = quantity, ""
    if terms.cap is not None:
        period = quotas.period_of(terms.period, native(facts["startDate"]), line.date)
        key = (facts["contract"], item, line.service_code)
        before = quotas.used(call_offs, *key, period)
        counted = max(min(quantity, terms.cap - before), 0.0)
        if counted < quantity:
            span = "contract" if terms.period == "CONTRACT" else f"contract year from {period[0]}"
            beyond = (
                f" up to {terms.cap:g} per {span}; {before:g} used before, so {counted:g} of "
                f"{quantity:g} covered and the rest billed to the lessee"
            )
    share = Decimal(str(counted / quantity)) if quantity > 0 else Decimal(1)
    covered = _money(amount * share * min(percent, 100) / 100)
    if terms.cap is not None and counted > 0:
        call_offs.append(
            quotas.CallOff(facts["contract"], item, line.service_code, line.date, counted)
        )
    rest = "" if percent >= 100 else f" at {percent} %, the rest billed to the lessee"
    explanation = (
        f"Item {item} of contract {facts['number']} covers {line.service_code}{rest}{beyond}."
    )
    verdict = "QUOTA_EXCEEDED" if beyond else "COVERED"
    return Check(
        line, verdict, explanation, covered, amount - covered, **found, covered_quantity=counted
    )


def _serving(facts: dict[str, Any], any_vehicle: bool = False) -> list[dict[str, Any]]:
    """The service items that may cover the object's lines: the one it was issued under,
    when that is a service item; else every service item of its contract. Where the object
    is for a vehicle and the contract's items cover vehicles, only the items that cover that
    one (unless ``any_vehicle``): an item that lists none, an empty list included, covers
    none. A contract none of whose items covers a vehicle is bound to none."""
    items = [i for i in facts["items"] or [] if i["kind"] == "SERVICE"]
    own = [i for i in items if i["uiid"] == facts.get("item")]
    serving = own or items
    vehicle = facts.get("vehicle")
    bound = any(i.get("vehicles") for i in facts["items"] or [])
    if vehicle is None or any_vehicle or not bound:
        return serving
    return [i for i in serving if vehicle in (i.get("vehicles") or [])]


def _after_item(line: Line, facts: dict[str, Any]) -> Said:
    """The item the object was issued under ended (or was terminated) before the day."""
    own = next((i for i in facts["items"] or [] if i["uiid"] == facts.get("item")), None)
    if own is None or _running(own, line.date):
        return None
    explanation = (
        f"Item {own['uiid']} of contract {facts['number']}, under which the "
        f"{line.object_kind} was issued, ended before {line.date}: refuse the line."
    )
    return "CONTRACT_ENDED", explanation, False


def _running(item: dict[str, Any], day: dt.date) -> bool:
    """Whether the item still runs on ``day``: not past its own end or termination."""
    end = _first_day_after(item.get("endDate"), item.get("terminationDate"))
    return end is None or day < end


def _ended(facts: dict[str, Any]) -> dt.date | None:
    """The first day the contract no longer runs, if it ends."""
    return _first_day_after(facts["endDate"], facts["terminationDate"])


def _first_day_after(end: Any, termination: Any) -> dt.date | None:
    """The first day outside a period that lasts to ``end`` or is terminated from
    ``termination`` (either may be missing)."""
    days = []
    if end is not None:
        days.append(native(end) + dt.timedelta(days=1))
    if termination is not None:
        days.append(native(termination))
    return min(days) if days else None


def _covering(
    items: list[dict[str, Any]], service_code: str
) -> tuple[str | None, int, quotas.Terms]:
    """The service item that lists the code, its coverage and the service's terms; else the
    first that lists it at 0 %, else none."""
    listed: tuple[str | None, int, quotas.Terms] = (None, 0, quotas.Terms())
    for item in items:
        codes = [str(c).upper() for c in item["codes"] or []]
        if service_code in codes:
            coverage = item["coverage"] or []
            index = codes.index(service_code)
            percent = int(coverage[index] or 0) if index < len(coverage) else 0
            terms = quotas.terms_of(item.get("terms"), len(codes))[index]
            if percent > 0:
                return item["uiid"], percent, terms
            if listed[0] is None:
                listed = (item["uiid"], 0, terms)
    return listed


# A pattern comprehension from a variable OPTIONAL MATCH left null matches as if the variable
# were unbound on the embedded store (every lessee of every contract): hence the guards.
_FACTS = """
UNWIND $refs AS r
MATCH (o:IdentificationObject {kind: r.kind, number: r.number}) WHERE o.deletedAt IS NULL
OPTIONAL MATCH (o)-[:ISSUED_UNDER]->(c:Contract) WHERE c.deletedAt IS NULL
WITH r, o, c,
  head([(o)-[:HELD_BY]->(h:BusinessPartner) | coalesce(h.mergedInto, h.id)]) AS holder,
  CASE WHEN c IS NULL THEN [] ELSE
    [(c)<-[p:PARTY_TO]-(l:BusinessPartner) WHERE p.role = 'LESSEE' |
    {id: coalesce(l.mergedInto, l.id), validFrom: p.validFrom, validTo: p.validTo}] END AS lessees,
  CASE WHEN c IS NULL THEN [] ELSE [(c)-[:HAS_ITEM]->(i:ContractItem) |
    {uiid: i.uiid, kind: i.kind, codes: i.serviceCodes, coverage: i.serviceCoverage,
     terms: i.serviceTerms, position: i.position, endDate: i.endDate,
     terminationDate: i.terminationDate,
     vehicles: [(i)-[:COVERS]->(cv:Vehicle) | cv.id]}] END AS items
RETURN collect({kind: r.kind, number: r.number, object: o.id, status: o.status,
  vehicle: head([(o)-[:IDENTIFIES]->(ov:Vehicle) | ov.id]),
  blockedReason: o.blockedReason, validFrom: o.validFrom, validTo: o.validTo,
  item: o.itemUiid, contract: c.id, number_: c.number, contractStatus: c.status,
  startDate: c.startDate, endDate: c.endDate, terminationDate: c.terminationDate,
  holder: holder, lessees: lessees, items: items}) AS rows
"""


async def check(store: Store, lines: list[Line], by: str | None) -> list[Check]:
    """Check ``lines`` (normalized), storing the results of those not checked before; the
    answer holds one check per line, in order."""
    now = utc_now()
    # Two requests storing the same new line at once: the second finds the first's.
    checked = await service.run_keyed(store, lambda tx: _check(tx, lines, by, now))
    if checked is None:
        await placeholder(store)
        checked = await service.run_keyed(store, lambda tx: _check(tx, lines, by, now))
    if checked is None:
        raise BadRequest(
            "the placeholder partner for unknown objects (HUB/UNKNOWN-CUSTOMER) was erased "
            "and cannot be made again"
        )
    return checked


async def placeholder(store: Store) -> None:
    """Make the placeholder partner by a delivery like any other, on first use; never matched
    with real partners, so none of their lines is billed to it, nor its lines to them."""
    delivery, problems = deliveries.BUILDERS["BusinessPartner"](UNKNOWN_CUSTOMER, ())
    assert delivery is not None, problems
    await service.upsert_batch(store, kinds.BUSINESS_PARTNER, [delivery], matching=False)


async def _check(
    tx: Transaction, lines: list[Line], by: str | None, now: dt.datetime
) -> list[Check] | None:
    """The checks of ``lines``, or None when one's object is unknown and the placeholder
    partner does not exist yet."""
    stored, unknown = await _stored(tx, lines)
    fresh = [line for line in lines if line.identity not in stored]
    facts: dict[tuple[str, str], dict[str, Any]] = {}
    if fresh:
        refs = sorted({line.object_ref for line in fresh})
        rows = await tx.collected(_FACTS, {"refs": [{"kind": k, "number": n} for k, n in refs]})
        facts = {(row["kind"], row["number"]): _facts_of(row) for row in rows}
    if unknown is None and any(_needs_placeholder(facts.get(li.object_ref)) for li in fresh):
        return None
    call_offs = await _call_offs(tx, fresh, facts)
    made: dict[tuple[str, str, int], Check] = {}
    for line in fresh:
        if line.identity not in made:  # the same line twice in one request is one line
            known = facts.get(line.object_ref)
            judged = judge(line, known, unknown, call_offs)
            made[line.identity] = replace(judged, id=new_id())
    if made:
        await tx.send(
            "UNWIND $rows AS r CREATE (l:InvoiceLine) SET l = r, l.checkedAt = $now",
            {"rows": [_stored_row(c, by) for c in made.values()], "now": now},
        )
    return [stored.get(line.identity) or made[line.identity] for line in lines]


def _needs_placeholder(facts: dict[str, Any] | None) -> bool:
    """Whether a line of this object may be billed to the placeholder partner: the object
    is unknown, or nobody holds it nor leases its contract."""
    return facts is None or not (facts["holder"] or facts["lessees"])


_DAYS = ("validFrom", "validTo", "startDate", "endDate", "terminationDate")


def _facts_of(row: dict[str, Any]) -> dict[str, Any]:
    """An object's facts as the rules read them, their days as Python dates once for all
    its lines."""
    facts = {**row, "number": row["number_"]}
    facts.update((name, native(row[name])) for name in _DAYS)
    facts["lessees"] = [
        {**lessee, "validFrom": native(lessee["validFrom"]), "validTo": native(lessee["validTo"])}
        for lessee in row["lessees"] or []
    ]
    facts["items"] = [
        {
            **item,
            "endDate": native(item["endDate"]),
            "terminationDate": native(item["terminationDate"]),
        }
        for item in row["items"] or []
    ]
    return facts


async def _call_offs(
    tx: Transaction, lines: list[Line], facts: dict[tuple[str, str], dict[str, Any]]
) -> list[quotas.CallOff]:
    """What stored lines counted against the caps the fresh ``lines`` count against, in the
    periods the lines fall in."""
    contracts, codes, since = set(), set(), dt.date.max
    capped: dict[str, dict[str, set[str]]] = {}
    for line in lines:
        found = facts.get(line.object_ref)
        if found is None or found["contract"] is None:
            continue
        contract = found["contract"]
        if contract not in capped:
            capped[contract] = _capped_codes(found["items"])
        for period in capped[contract].get(line.service_code, ()):
            contracts.add(contract)
            codes.add(line.service_code)
            since = min(since, quotas.period_of(period, found["startDate"], line.date)[0])
    if not contracts:
        return []
    # Two checks of one capped contract's lines at once: the second waits for (or, on the
    # embedded store, conflicts with and is retried after) the first, and then counts its
    # call-offs; without the lock both would see room under the cap.
    ids = sorted(contracts)
    await tx.send(
        "MATCH (c:Contract) WHERE c.id IN $ids SET c.lockedAt = $now",
        {"ids": ids, "now": utc_now()},
    )
    params = {"ids": ids, "codes": sorted(codes), "since": since}
    return call_offs_of(await tx.collected(CAPPED_CALL_OFFS, params))


def _capped_codes(items: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The service codes a contract's items cap, with the periods their caps count over."""
    capped: dict[str, set[str]] = {}
    for item in items:
        terms = json.loads(item["terms"]) if item.get("terms") else []
        for code, term in zip(item["codes"] or [], terms, strict=False):
            if term.get("quantityCap") is not None:
                period = term.get("capPeriod") or QuotaPeriod.CONTRACT_YEAR.value
                capped.setdefault(str(code).upper(), set()).add(period)
    return capped


async def _stored(
    tx: Transaction, lines: list[Line]
) -> tuple[dict[tuple[str, str, int], Check], str | None]:
    """The stored checks of ``lines`` checked before, and the placeholder partner's hub id
    (None until a first unknown object made it); one statement for both."""
    keys = sorted({line.identity for line in lines})
    (row,) = await tx.run(
        "UNWIND $keys AS k OPTIONAL MATCH (l:InvoiceLine {invoiceNumber: k[1], lineNumber: k[2]}) "
        "WHERE toLower(l.supplier) = k[0] WITH collect(l {.*}) AS stored "
        "OPTIONAL MATCH (:SourceRecord {entity: 'BusinessPartner', system: $system, key: $key})"
        "-[:SOURCE_OF]->(g:BusinessPartner) WHERE g.deletedAt IS NULL "
        "RETURN stored, coalesce(g.mergedInto, g.id) AS unknown",
        {"keys": [list(key) for key in keys], **PLACEHOLDER},
    )
    checks = (from_stored(line) for line in row["stored"])
    unknown = row["unknown"]
    return {c.line.identity: c for c in checks}, None if unknown is None else str(unknown)


def _stored_row(c: Check, by: str | None) -> dict[str, Any]:
    line = c.line
    return {
        "id": c.id,
        "supplier": line.supplier,
        "invoiceNumber": line.invoice_number,
        "lineNumber": line.line_number,
        "objectKind": line.object_kind,
        "objectNumber": line.object_number,
        "date": line.date,
        "serviceCode": line.service_code,
        "quantity": float(line.quantity),
        "amount": str(_money(line.amount)),
        "currency": line.currency,
        "verdict": c.verdict,
        "explanation": c.explanation,
        "coveredAmount": str(c.covered),
        "rebillAmount": str(c.rebill),
        "objectId": c.object_id,
        "contractId": c.contract_id,
        "itemUiid": c.item_uiid,
        "billToId": c.bill_to_id,
        "coveredQuantity": c.covered_quantity,
        "checkedBy": by,
    }


def from_stored(row: dict[str, Any]) -> Check:
    line = Line(
        supplier=row["supplier"],
        invoice_number=row["invoiceNumber"],
        line_number=int(row["lineNumber"]),
        object_kind=row["objectKind"],
        object_number=row["objectNumber"],
        date=native(row["date"]),
        service_code=row["serviceCode"],
        quantity=float(row["quantity"]),
        amount=Decimal(row["amount"]),
        currency=row["currency"],
    )
    return Check(
        line,
        row["verdict"],
        row["explanation"],
        Decimal(row["coveredAmount"]),
        Decimal(row["rebillAmount"]),
        row.get("objectId"),
        row.get("contractId"),
        row.get("itemUiid"),
        row.get("billToId"),
        row["id"],
        row.get("coveredQuantity"),
    )

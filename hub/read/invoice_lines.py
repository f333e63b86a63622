"""Reading the stored invoice-line checks: a page in the list's order (day, supplier,
invoice, line), after a position, under a filter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.read.quotas import CallOff
from hub.read.values import native
from hub.store import Store

# The lines after a position, in the list's order.
_AFTER = (
    "(l.date > $afterDate OR (l.date = $afterDate AND (l.supplier > $afterSupplier OR "
    "(l.supplier = $afterSupplier AND (l.invoiceNumber > $afterInvoice OR "
    "(l.invoiceNumber = $afterInvoice AND l.lineNumber > $afterLine))))))"
)


@dataclass(frozen=True)
class LineFilter:
    """Which lines: of these verdicts (none: no line), this supplier (in lower case, as
    it is compared), this contract (hub id), these days; None does not filter."""

    verdicts: tuple[str, ...] | None = None
    supplier: str | None = None
    contract: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def condition(self) -> tuple[list[str], dict[str, Any]]:
        tests: list[str] = []
        params: dict[str, Any] = {}
        for given, test, name in (
            (self.verdicts, "l.verdict IN $verdicts", "verdicts"),
            (self.supplier, "toLower(l.supplier) = $supplier", "supplier"),
            (self.contract, "l.contractId = $contract", "contract"),
            (self.date_from, "l.date >= $dateFrom", "dateFrom"),
            (self.date_to, "l.date <= $dateTo", "dateTo"),
        ):
            if given is not None:
                tests.append(test)
                params[name] = list(given) if isinstance(given, tuple) else given
        return tests, params


Position = tuple[dt.date, str, str, int]


def position_of(row: dict[str, Any]) -> Position:
    """Where a stored line stands in the list."""
    return (row["date"], row["supplier"], row["invoiceNumber"], int(row["lineNumber"]))


async def page(
    store: Store, only: LineFilter, after: Position | None, first: int
) -> tuple[list[dict[str, Any]], bool]:
    """Up to ``first`` stored lines after ``after``, and whether more follow."""
    tests, params = only.condition()
    if after is not None:
        tests.append(_AFTER)
        params.update(
            afterDate=after[0], afterSupplier=after[1], afterInvoice=after[2], afterLine=after[3]
        )
    rows = await store.query(
        f"{_lines(tests)} "
        "RETURN l {.*} AS line ORDER BY l.date, l.supplier, l.invoiceNumber, l.lineNumber "
        "LIMIT $n",
        {**params, "n": first + 1},
    )
    return [row["line"] for row in rows[:first]], len(rows) > first


def _lines(tests: list[str]) -> str:
    """The stored lines that pass every test."""
    return f"MATCH (l:InvoiceLine) {'WHERE ' + ' AND '.join(tests) if tests else ''}"


async def count(store: Store, only: LineFilter) -> int:
    """How many stored lines the filter lets through."""
    tests, params = only.condition()
    rows = await store.query(f"{_lines(tests)} RETURN count(l) AS n", params)
    return int(rows[0]["n"])


@dataclass(frozen=True)
class MonthTotal:
    """What the checked lines of one contract came to in one month and currency."""

    month: str  # YYYY-MM
    currency: str
    lines: int
    covered: Decimal
    rebilled: Decimal


async def monthly_totals(store: Store, contract_ids: list[str]) -> dict[str, list[MonthTotal]]:
    """Per contract, its checked lines' covered and re-billed amounts per month and currency,
    oldest month first."""
    rows = await store.query(
        "MATCH (l:InvoiceLine) WHERE l.contractId IN $ids "
        "RETURN l.contractId AS contract, l.date AS date, l.currency AS currency, "
        "l.coveredAmount AS covered, l.rebillAmount AS rebilled",
        {"ids": contract_ids},
    )
    sums: dict[tuple[str, str, str], list[Any]] = {}
    for row in rows:
        month = native(row["date"]).isoformat()[:7]
        total = sums.setdefault(
            (row["contract"], month, row["currency"]), [0, Decimal(0), Decimal(0)]
        )
        total[0] += 1
        total[1] += Decimal(row["covered"])
        total[2] += Decimal(row["rebilled"])
    found: dict[str, list[MonthTotal]] = {i: [] for i in contract_ids}
    for (contract, month, currency), (n, covered, rebilled) in sorted(sums.items()):
        found[contract].append(MonthTotal(month, currency, n, covered, rebilled))
    return found


# What checked lines counted against the caps of contracts' single services.
CALL_OFFS = (
    "MATCH (l:InvoiceLine) WHERE l.contractId IN $ids "
    "AND l.verdict IN ['COVERED', 'QUOTA_EXCEEDED'] AND l.itemUiid IS NOT NULL "
    "RETURN l.contractId AS contract, l.itemUiid AS item, l.serviceCode AS service, "
    "l.date AS day, coalesce(l.coveredQuantity, l.quantity) AS quantity"
)


# The same, for some service codes from a day on, as one list.
CAPPED_CALL_OFFS = (
    "MATCH (l:InvoiceLine) WHERE l.contractId IN $ids AND l.serviceCode IN $codes "
    "AND l.date >= $since "
    "AND l.verdict IN ['COVERED', 'QUOTA_EXCEEDED'] AND l.itemUiid IS NOT NULL "
    "RETURN collect({contract: l.contractId, item: l.itemUiid, service: l.serviceCode, "
    "day: l.date, quantity: coalesce(l.coveredQuantity, l.quantity)}) AS rows"
)


def call_offs_of(rows: list[dict[str, Any]]) -> list[CallOff]:
    return [
        CallOff(r["contract"], r["item"], r["service"], native(r["day"]), float(r["quantity"]))
        for r in rows
    ]


async def call_offs(store: Store, contract_ids: list[str]) -> dict[str, list[CallOff]]:
    """Per contract, the quantities its checked lines counted against caps."""
    found: dict[str, list[CallOff]] = {i: [] for i in contract_ids}
    for c in call_offs_of(await store.query(CALL_OFFS, {"ids": contract_ids})):
        found[c.contract].append(c)
    return found

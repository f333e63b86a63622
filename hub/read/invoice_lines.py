"""Reading the stored invoice-line checks: a page in the list's order (day, supplier,
invoice, line), after a position, under a filter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub.store import Store

# The lines after a position, in the list's order.
_AFTER = (
    "(l.date > $afterDate OR (l.date = $afterDate AND (l.supplier > $afterSupplier OR "
    "(l.supplier = $afterSupplier AND (l.invoiceNumber > $afterInvoice OR "
    "(l.invoiceNumber = $afterInvoice AND l.lineNumber > $afterLine))))))"
)


@dataclass(frozen=True)
class LineFilter:
    """Which lines: of these verdicts, this supplier, this contract (hub id), these days;
    None does not filter."""

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
            (self.supplier, "l.supplier = $supplier", "supplier"),
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
        f"MATCH (l:InvoiceLine) {'WHERE ' + ' AND '.join(tests) if tests else ''} "
        "RETURN l {.*} AS line ORDER BY l.date, l.supplier, l.invoiceNumber, l.lineNumber "
        "LIMIT $n",
        {**params, "n": first + 1},
    )
    return [row["line"] for row in rows[:first]], len(rows) > first

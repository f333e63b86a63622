"""Invoice lines in bulk (``hub load SYSTEM invoice_lines.csv``): each good line checked as
``checkInvoiceLines`` checks it, in batches, each bad one written to the rejects file with its
line number and problems; the summary counts the lines per verdict.

A line is shaped like ``InvoiceLineInput``: NDJSON objects, or CSV with the fields as columns
(``identification.kind``, ``identification.number``); a missing ``quantity`` is 1. Lines are
stored once per supplier, invoice and line number, so loading a file again checks nothing
twice.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from hub.domain import invoices
from hub.domain import problems as codes
from hub.domain.problems import Problem
from hub.store import Store
from loaders.objects import rows

NAMES = ("invoice_lines", "invoicelines", "invoices")
BATCH = invoices.MAX_LINES


def holds_invoice_lines(path: Path) -> bool:
    """Whether a file's name says it holds invoice lines (``aral-invoice_lines.csv``)."""
    stem = path.stem.lower().replace("-", "_")
    return path.suffix.lower() in (".csv", ".ndjson", ".jsonl") and any(
        stem == name or stem.endswith("_" + name) for name in NAMES
    )


@dataclass
class InvoiceSummary:
    verdicts: Counter[str] = field(default_factory=Counter)
    rejected: list[tuple[str, int, str, list[Problem]]] = field(default_factory=list)
    rejects: Path | None = None  # the file the rejected lines were written to

    def render(self) -> str:
        checked = sum(self.verdicts.values())
        counts = ", ".join(f"{verdict} {n:,}" for verdict, n in sorted(self.verdicts.items()))
        where = f"; see {self.rejects}" if self.rejected and self.rejects else ""
        return (
            f"invoice lines: {checked:,} checked ({counts or 'none'}), "
            f"{len(self.rejected):,} rejected{where}"
        )


async def check_files(store: Store, paths: list[Path], by: str) -> InvoiceSummary:
    summary = InvoiceSummary()
    for path in paths:
        batch: list[invoices.Line] = []
        # Each line of the file by what makes two lines one: its first row, and that row.
        seen: dict[tuple[str, str, int], tuple[int, invoices.Line]] = {}
        for number, row, error in rows(path):
            if row is None:
                problem = Problem((), codes.INVALID_VALUE, error)
                summary.rejected.append((str(path), number, "", [problem]))
                continue
            line, problems = invoices.line_of(row, ())
            if line is None:
                text = json.dumps(row, ensure_ascii=False, default=str)
                summary.rejected.append((str(path), number, text, problems))
                continue
            first = seen.setdefault(line.identity, (number, line))
            if first[0] != number and not _same(first[1], line):
                # Checked once, the second row's values would go unchecked and unsaid.
                problem = Problem(
                    (),
                    codes.DUPLICATE,
                    f"row {first[0]} of this file has this supplier, invoice and line number "
                    "with other values",
                )
                text = json.dumps(row, ensure_ascii=False, default=str)
                summary.rejected.append((str(path), number, text, [problem]))
                continue
            batch.append(line)
            if len(batch) == BATCH:
                await _check(store, batch, by, summary)
                batch = []
        if batch:
            await _check(store, batch, by, summary)
    return summary


def _same(first: invoices.Line, other: invoices.Line) -> bool:
    """Whether two rows of one line say the same (the supplier in any case)."""
    return replace(first, supplier=other.supplier) == other


async def _check(
    store: Store, batch: list[invoices.Line], by: str, summary: InvoiceSummary
) -> None:
    for checked in await invoices.check(store, batch, by):
        summary.verdicts[checked.verdict] += 1

"""Mass contract changes from a file (``hub change FILE``): one change process per line, each
in its own transaction, with a result per line.

A line is shaped like ``ContractChangeInput``: NDJSON objects as the API takes them, or CSV
with a header naming the fields, nested ones with dots (``contract.number``,
``newLessee.source.system``, ``newLessee.source.key``). A line without a ``changeId`` gets one
made of its content, so running the same file again applies nothing twice.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.actor import Actor
from hub.domain import contract_changes, processes, service
from hub.domain import problems as codes
from hub.domain.problems import Problem
from hub.store import Store, Transaction
from loaders.objects import rows


@dataclass
class Line:
    number: int
    outcome: str  # applied, repeated or rejected
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ChangeSummary:
    lines: list[Line] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)


def change_id_of(row: dict[str, Any]) -> str:
    """The id a line without one gets: its content, so that it is the same every run."""
    return contract_changes.content_id(row, "line:")


def _applying(change: contract_changes.ContractChange) -> service.Process[processes.ProcessResult]:
    def apply(tx: Transaction, now: dt.datetime) -> Awaitable[processes.ProcessResult]:
        return processes.change_contract(tx, change, now)

    return apply


async def run_changes(store: Store, path: Path, actor: Actor) -> ChangeSummary:
    """Apply every good line of ``path``, report every bad one."""
    summary = ChangeSummary()
    acting = store.for_caller(actor.name, actor=actor)
    for number, row, error in rows(path):
        if row is None:
            problem = Problem((), codes.INVALID_VALUE, error)
            summary.lines.append(Line(number, "rejected", [problem]))
            continue
        unknown = _unknown_fields(row)
        if unknown:
            summary.lines.append(Line(number, "rejected", unknown))
            continue
        if row.get("changeId") is None:
            row["changeId"] = change_id_of(row)
        change, problems = contract_changes.change_of(row, ())
        if change is None:
            summary.lines.append(Line(number, "rejected", problems))
            continue
        result = await service.run_process(acting, _applying(change))
        if isinstance(result, list):
            unprefixed = [
                Problem(p.path[1:] if p.path[:1] == ("input",) else p.path, p.code, p.message)
                for p in result
            ]
            summary.lines.append(Line(number, "rejected", unprefixed))
        else:
            summary.lines.append(Line(number, "applied" if result.changed else "repeated"))
    return summary


def _unknown_fields(row: dict[str, Any]) -> list[Problem]:
    """A field no change has (a misspelt ``chnageId`` would be dropped and the change stored
    under another id), named with the closest known one."""
    found = []
    for name in row:
        if name in contract_changes.FIELDS:
            continue
        closest = difflib.get_close_matches(name, contract_changes.FIELDS, n=1, cutoff=0.6)
        hint = f"; did you mean {closest[0]}?" if closest else ""
        found.append(Problem((name,), codes.UNKNOWN_FIELD, f"unknown field {name}{hint}"))
    return found


def render(path: Path, summary: ChangeSummary) -> list[str]:
    out = []
    for line in summary.lines:
        for p in line.problems:
            where = ".".join(str(x) for x in p.path) or "line"
            out.append(f"{path}:{line.number}: {where}: {p.code}: {p.message}")
    out.append(
        f"{summary.count('applied'):,} applied, {summary.count('repeated'):,} applied before, "
        f"{summary.count('rejected'):,} rejected"
    )
    return out

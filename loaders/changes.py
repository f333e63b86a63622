"""Mass contract changes from a file (``hub change FILE``): one change process per line, each
in its own transaction, with a result per line.

A line is shaped like ``ContractChangeInput``: NDJSON objects as the API takes them, or CSV
with a header naming the fields, nested ones with dots (``contract.number``,
``newLessee.source.system``, ``newLessee.source.key``). A line without a ``changeId`` gets one
made of its content, so running the same file again applies nothing twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub import encoding
from hub.actor import Actor
from hub.domain import problems as codes
from hub.domain import processes, service
from hub.domain.problems import Problem
from hub.store import Store, Transaction


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


def _nested(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row with dotted column names as the nested object they name; empty cells are
    left out."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        if name is None or value is None or value.strip() == "":
            continue
        *parents, last = name.strip().split(".")
        target = out
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value.strip()
    return out


def rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, the line's object or None, what was wrong) of each line of ``path``."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        for row in reader:
            yield reader.line_num, _nested(row), ""
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            found = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"not JSON: {exc.msg}"
            continue
        if isinstance(found, dict):
            yield number, found, ""
        else:
            yield number, None, "a line must be an object of ContractChangeInput's fields"


def change_id_of(row: dict[str, Any]) -> str:
    """The id a line without one gets: its content, so that it is the same every run."""
    return "line:" + hashlib.sha256(encoding.canonical(row, default=str).encode()).hexdigest()[:32]


def _applying(change: processes.ContractChange) -> service.Process[processes.ProcessResult]:
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
        row.setdefault("changeId", change_id_of(row))
        change, problems = processes.change_of(row, ())
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

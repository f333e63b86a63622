"""Rows a load refused, kept in the hub for a steward: corrected and submitted again through
the same write path as the load, or dismissed with a reason. Nothing a load refuses lives in a
file only (the rejects file stays, for scripts)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from hub.actor import Actor
from hub.domain import deliveries, kinds, service
from hub.domain import problems as codes
from hub.domain.problems import Problem
from hub.domain.shapes import INPUTS, unknown_in
from hub.domain.upsert import Outcome, PartnerMatcher
from hub.errors import HubError
from hub.ids import new_id
from hub.read.rejected_rows import by_id
from hub.store import Store, Transaction
from hub.store.bounded import STATEMENT_BYTES, bounded, utf8_size
from hub.store.temporal import to_store, utc_now

OPEN, RESUBMITTED, DISMISSED = "OPEN", "RESUBMITTED", "DISMISSED"


@dataclass(frozen=True)
class Refused:
    """One row a load refused: where it came from, as it was, and why."""

    kind: str
    system: str
    file: str
    line: int
    raw: str
    row: dict[str, Any] | None
    errors: list[dict[str, Any]]


def source_key(row: str | None) -> str | None:
    """The key a refused row gives its record in its source system, when it could be read
    (``row`` is the row as read, as JSON: ``source.key`` nested or as one column)."""
    if not row:
        return None
    try:
        read = json.loads(row)
    except json.JSONDecodeError:
        return None
    if not isinstance(read, dict):
        return None
    source = read.get("source")
    key = source.get("key") if isinstance(source, dict) else read.get("source.key")
    return None if key is None else str(key).strip()


def errors_of(problems: list[Problem]) -> list[dict[str, Any]]:
    return [
        {"field": [str(p) for p in x.path], "code": x.code, "message": x.message} for x in problems
    ]


# How many refused rows one statement keeps at most; their text is bounded as well (a row's
# raw line and its parsed row can be long: see hub.store.bounded).
KEPT_AT_ONCE = 1000
CLOSED_AT_ONCE = 10_000  # rows closed per statement (two ids each)

# A load run again refuses the same rows again: each is kept once (by its fingerprint), with
# the problems and time of its latest refusal while it is open.
_KEEP = (
    "UNWIND $rows AS r MERGE (x:RejectedRow {fingerprint: r.fingerprint}) "
    "ON CREATE SET x.id = r.id, x.kind = r.kind, x.system = r.system, x.file = r.file, "
    "x.line = r.line, x.raw = r.raw, x.row = r.row, x.status = 'OPEN' "
    "WITH x, r WHERE x.status = 'OPEN' SET x.errors = r.errors, x.rejectedAt = $now"
)


def fingerprint(refused: Refused) -> str:
    """What one refused row is: its kind, system, file, line and text."""
    text = "\x1f".join((refused.kind, refused.system, refused.file, str(refused.line), refused.raw))
    return hashlib.sha256(_storable(text).encode()).hexdigest()


def _storable(text: str) -> str:
    """Text the database takes: a lone surrogate (a JSON escape in a row) as its escape, as
    the rejects file writes it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


async def keep(store: Store, refused: list[Refused], now: dt.datetime) -> None:
    """Store refused rows as open rejected rows."""
    if not refused:
        return
    rows = [
        {
            "id": new_id(),
            "fingerprint": fingerprint(r),
            "kind": r.kind,
            "system": r.system,
            "file": _storable(r.file),
            "line": r.line,
            "raw": _storable(r.raw),
            "row": None if r.row is None else _storable(json.dumps(r.row, ensure_ascii=False)),
            "errors": _storable(json.dumps(r.errors, ensure_ascii=False)),
        }
        for r in refused
    ]

    for chunk in bounded(rows, KEPT_AT_ONCE, _text_size, STATEMENT_BYTES):
        # Each chunk commits on its own: a row kept twice is kept once (its fingerprint).
        async def work(tx: Transaction, chunk: list[dict[str, Any]] = chunk) -> None:
            await tx.run(_KEEP, {"rows": chunk, "now": to_store(now)})

        await store.write(work)


def _text_size(row: dict[str, Any]) -> int:
    return sum(utf8_size(v) for v in row.values() if isinstance(v, str))


class _Decided(HubError):
    """The row was resubmitted or dismissed meanwhile: the write is rolled back."""

    code = codes.INVALID_TRANSITION


def _decided(row_id: str, status: str) -> Problem:
    return Problem(
        ("id",), codes.INVALID_TRANSITION, f"rejected row {row_id} is {status.lower()} already"
    )


async def _open(store: Store, row_id: str) -> dict[str, Any] | list[Problem]:
    stored = await by_id(store, row_id)
    if stored is None:
        return [Problem(("id",), codes.NOT_FOUND, f"no rejected row {row_id}")]
    if stored["status"] != OPEN:
        return [_decided(row_id, stored["status"])]
    return stored


_CLOSE = (
    "MATCH (r:RejectedRow {id: $id, status: 'OPEN'}) SET r.status = $status, "
    "r.decidedAt = $now, r.decidedBy = $by, r.decidedOnBehalfOf = $onBehalfOf, "
    "r.reason = $reason, r.recordId = $record, r.row = coalesce($row, r.row) RETURN r.id AS id"
)


async def _close(tx: Transaction, row_id: str, status: str, actor: Actor, **values: Any) -> None:
    params = {"reason": None, "record": None, "row": None, **values}
    found = await tx.run(
        _CLOSE,
        {
            "id": row_id,
            "status": status,
            "now": utc_now(),
            "by": actor.name,
            "onBehalfOf": actor.on_behalf_of,
            **params,
        },
    )
    if not found:
        raise _Decided(f"rejected row {row_id} was decided meanwhile")


def _other_source(stored: dict[str, Any], row: dict[str, Any]) -> Problem | None:
    """A corrected row speaks for the record the refused one named, under the load's system:
    another system or key, or a deletion, is no correction."""
    before = json.loads(stored["row"]) if stored.get("row") else None
    given = row.get("source")
    source: dict[str, Any] = given if isinstance(given, dict) else {}
    system = str(source.get("system") or stored["system"]).strip().upper()
    if system != stored["system"]:
        message = f"a row of a {stored['system']} load stays under {stored['system']}'s keys"
        return Problem(("row", "source", "system"), codes.FORBIDDEN, message)
    old_source = (before or {}).get("source") if isinstance(before, dict) else None
    old_key = old_source.get("key") if isinstance(old_source, dict) else None
    if old_key is not None and str(source.get("key") or "").strip() != str(old_key).strip():
        message = f"the corrected row keeps the refused row's key {old_key}"
        return Problem(("row", "source", "key"), codes.INVALID_VALUE, message)
    if row.get("deleted") not in (None, False, "", "false", "0", "no"):
        message = "a deletion is no correction: send it with the source system's next load"
        return Problem(("row", "deleted"), codes.INVALID_VALUE, message)
    return None


# What a load itself puts in a row beside the input's fields: whether the system deleted the
# record, and the document file it stored.
_LOAD_FIELDS = ("deleted", "fileSha256", "fileSize", "fileMediaType", "fileName")


def _unfit(stored: dict[str, Any], label: str, row: dict[str, Any]) -> list[Problem]:
    """What refuses a corrected row before it is read: another source than the one refused,
    or a field the kind does not know (which writing would drop unseen)."""
    moved = _other_source(stored, row)
    if moved is not None:
        return [moved]
    given = {name: value for name, value in row.items() if name not in _LOAD_FIELDS}
    return _under_row(list(unknown_in(INPUTS[label], given)))


def _under_row(problems: list[Problem]) -> list[Problem]:
    return [Problem(("row", *p.path), p.code, p.message) for p in problems]


async def resubmit(
    store: Store,
    row_id: str,
    row: dict[str, Any],
    actor: Actor,
    matcher: PartnerMatcher | None = None,
) -> Outcome | list[Problem]:
    """Write a corrected row as its load would have (the load's system fills in a source
    without one) and close the rejected row in the same transaction; the problems when the
    row is still wrong, nothing written then. Partners are matched by ``matcher`` (one of
    their own without)."""
    stored = await _open(store, row_id)
    if isinstance(stored, list):
        return stored
    kind = kinds.KINDS[stored["kind"]]
    unfit = _unfit(stored, kind.label, row)
    if unfit:
        return unfit
    try:
        delivery, problems = deliveries.from_row(
            kind.label, deliveries.with_system(copy.deepcopy(row), stored["system"])
        )
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        message = f"the row does not fit a {kind.label}: {exc}"
        return [Problem(("row",), codes.INVALID_VALUE, message)]
    if problems or delivery is None:
        return _under_row(problems)
    text = _storable(json.dumps(row, ensure_ascii=False))

    async def close(tx: Transaction, outcomes: list[Outcome]) -> None:
        (outcome,) = outcomes
        if not outcome.problems:
            await _close(tx, row_id, RESUBMITTED, actor, record=outcome.id, row=text)

    try:
        (outcome,) = await service.upsert_batch(
            store, kind, [delivery], matcher=matcher, after=close
        )
    except _Decided:
        return [_decided(row_id, "decided")]
    return _under_row(outcome.problems) if outcome.problems else outcome


# A load names itself as who closed the rows its source delivered again.
LOAD_ACTOR = "hub load"


async def open_keys(store: Store, label: str, system: str) -> dict[str, list[str]]:
    """The source keys of the open rows of ``label`` refused for ``system``, each with the
    ids of its rows: what a load watches for (few, whatever the load's size)."""
    rows = await store.query(
        "MATCH (x:RejectedRow {kind: $label, system: $system, status: 'OPEN'}) "
        "RETURN x.id AS id, x.row AS row",
        {"label": label, "system": system},
    )
    keys: dict[str, list[str]] = {}
    for row in rows:
        key = source_key(row["row"])
        if key is not None:
            keys.setdefault(key, []).append(row["id"])
    return keys


async def close_delivered(
    store: Store, system: str, delivered: list[tuple[str, str]], before: dt.datetime
) -> int:
    """Close the open rows (``delivered``: row id, hub id of the record written) that were
    refused before ``before`` and whose record ``system`` has since delivered and the hub
    written: a steward has nothing left to correct there. Returns how many were closed."""
    if not delivered:
        return 0

    rows = [{"id": row_id, "record": record} for row_id, record in delivered]

    async def work(tx: Transaction) -> int:
        total = 0
        # A whole load's rows, in statements of a size the database takes.
        for start in range(0, len(rows), CLOSED_AT_ONCE):
            chunk = rows[start : start + CLOSED_AT_ONCE]
            closed = await tx.run(
                "UNWIND $rows AS c MATCH (x:RejectedRow {id: c.id}) "
                "WHERE x.status = 'OPEN' AND x.rejectedAt < $before "
                "SET x.status = $status, x.decidedAt = $now, x.decidedBy = $by, "
                "x.reason = $reason, x.recordId = c.record RETURN count(x) AS closed",
                {
                    "rows": chunk,
                    "before": to_store(before),
                    "status": RESUBMITTED,
                    "now": utc_now(),
                    "by": LOAD_ACTOR,
                    "reason": f"{system} delivered the record again",
                },
            )
            total += int(closed[0]["closed"]) if closed else 0
        return total

    return await store.write(work)


async def dismiss(store: Store, row_id: str, reason: str, actor: Actor) -> list[Problem] | None:
    """Close a rejected row without writing it, for the reason given."""
    stored = await _open(store, row_id)
    if isinstance(stored, list):
        return stored
    try:
        await store.write(lambda tx: _close(tx, row_id, DISMISSED, actor, reason=reason))
    except _Decided:
        return [_decided(row_id, "decided")]
    return None

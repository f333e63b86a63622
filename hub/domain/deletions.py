"""A source system says it no longer holds a record.

Its source record is marked deleted (kept, with when and why) and stops counting: a
partner's values survive from its other sources again. When no live source is left, the
golden record itself is deleted: it stays, resolvable by id with ``deletedAt`` set, and
lists leave it out. A later delivery under any of its keys restores it (see
:func:`hub.domain.upsert.upsert`, action ``RESTORED``). Deleting twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub import encoding
from hub.domain import problems as codes
from hub.domain.change_log import record_events
from hub.domain.kinds import Kind
from hub.domain.problems import Problem, Rejected
from hub.domain.upsert import Delivery, Outcome, read_origins, write_golden
from hub.mastering.survivorship import SourceValues, survive
from hub.store import Transaction
from hub.store.temporal import from_store


@dataclass(frozen=True)
class Deletion:
    id: str  # the golden record's
    changed: bool  # False: the source was deleted already
    record_deleted: bool  # no live source is left


async def delete_source(
    tx: Transaction, kind: Kind, system: str, key: str, reason: str | None, now: dt.datetime
) -> Deletion:
    found = await tx.run(
        f"MATCH (s:SourceRecord {{entity: $label, system: $system, key: $key}})"
        f"-[:SOURCE_OF]->(g:{kind.label}) "
        "SET g.lockedAt = $now "  # one deletion of a record at a time
        "RETURN g.id AS id, g.state AS state, g.version AS version, "
        "s.deletedAt IS NOT NULL AS gone, g.deletedAt IS NOT NULL AS recordGone, "
        "COUNT { (g)<-[:SOURCE_OF]-(o:SourceRecord) WHERE o.deletedAt IS NULL } AS live",
        {"label": kind.label, "system": system, "key": key, "now": now},
    )
    if not found:
        raise Rejected(
            [Problem(("source",), codes.NOT_FOUND, f"no {kind.label} source {system}/{key}")]
        )
    record = found[0]
    if record["gone"]:
        return Deletion(record["id"], False, bool(record["recordGone"]))
    # Without its hash, a later delivery of the same values is a change: it restores.
    await tx.run(
        "MATCH (s:SourceRecord {entity: $label, system: $system, key: $key}) "
        "SET s.deletedAt = $now, s.deletionReason = $reason, s.payloadHash = null",
        {"label": kind.label, "system": system, "key": key, "now": now, "reason": reason},
    )
    cause = {"system": system, "key": key, "reason": reason}
    if record["live"] > 1:
        await _without_source(tx, kind, record, cause, now)
        return Deletion(record["id"], True, False)
    await tx.run(
        f"MATCH (g:{kind.label} {{id: $id}}) "
        "SET g.deletedAt = $now, g.version = g.version + 1, g.updatedAt = $now",
        {"id": record["id"], "now": now},
    )
    if kind.matched:  # a partner no system holds is no one's duplicate: out of the queue
        await tx.run(
            "MATCH (:BusinessPartner {id: $id})<-[:LEFT|RIGHT]-(c:MatchCandidate {status: 'OPEN'}) "
            "DETACH DELETE c",
            {"id": record["id"]},
        )
    await record_events(
        tx,
        [
            {
                "entity": kind.label,
                "entityId": record["id"],
                "action": "DELETED",
                "changes": [{"field": "deletedAt", "before": None, "after": _stamp(now)}],
                "version": (record["version"] or 0) + 1,
                **cause,
            }
        ],
        now,
    )
    return Deletion(record["id"], True, True)


async def _without_source(
    tx: Transaction, kind: Kind, record: dict[str, Any], cause: dict[str, Any], now: dt.datetime
) -> None:
    """The record's values from the sources left; a record whose values do not survive
    from its sources keeps them, and its event says which source went."""
    record_id = record["id"]
    version = record["version"] or 0
    base = encoding.loads(str(record["state"])) if record["state"] else {}
    state = base
    sources: dict[tuple[str, str], SourceValues] = {}
    if kind.survives:
        sources, overrides = (await read_origins(tx, kind, [record_id])).get(record_id, ({}, {}))
        survived, _ = survive(list(sources.values()), overrides, kind.label)
        state = kind.merge({}, survived)
    # Which source left: a source that joins changes no value either, and says so otherwise.
    left = ({"field": "sourceDeletedAt", "before": None, "after": _stamp(now)},)
    await write_golden(
        tx, kind, record_id, base, state, version, "UPDATED", now, cause, sources, left
    )


def _stamp(now: dt.datetime) -> str:
    """A time in an event's values as records show theirs: UTC, with its offset."""
    return from_store(now).isoformat()


async def delete_sources(
    tx: Transaction, kind: Kind, deliveries: list[Delivery], now: dt.datetime
) -> list[Outcome]:
    """Apply deletion deliveries in order; one outcome each (``changed``: the source was
    live; a key the hub does not know is a ``NOT_FOUND`` problem of its row)."""
    outcomes = []
    for delivery in deliveries:
        reason = delivery.values.get("reason")
        try:
            done = await delete_source(tx, kind, delivery.system, delivery.key, reason, now)
        except Rejected as rejected:
            outcomes.append(Outcome(problems=rejected.problems))
            continue
        outcomes.append(Outcome(id=done.id, changed=done.changed))
    return outcomes

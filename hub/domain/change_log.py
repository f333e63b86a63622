"""The change log: every committed change as events, in one total order.

A writer appends its events in the transaction that makes the change, *pending*: without a
position yet. Positions are handed out afterwards by :func:`sequence`, which numbers the
pending events that have committed, in one transaction that also moves the log's head
(:data:`graph_schema.entities.CHANGE_LOG`). Only one such transaction succeeds at a time: on
Neo4j the first statement locks the head, on the embedded store the second of two commits
fails on it and is run again. So positions are handed out in the order they become visible,
never to an event that may still roll back, and never below one a reader has already seen:
a consumer that pages by position while writers commit in any order sees every event exactly
once. Writers never touch the head, so they never wait for each other on it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from hub.store import Store, Transaction

LOG = "changes"
# Events numbered per transaction: a large load's backlog is worked off in several.
_BATCH = 5_000


def changed_values(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each value that differs, with what it was and what it is (None where absent)."""
    return [
        {"field": name, "before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]


def as_json(changes: Iterable[Mapping[str, Any]]) -> str:
    return json.dumps(list(changes), ensure_ascii=False, separators=(",", ":"), default=str)


async def record_events(tx: Transaction, events: list[dict[str, Any]], at: dt.datetime) -> None:
    """Append change events, all made at ``at``: one time value for the batch, since the
    driver packs each one at some cost. An event that names no actor is the transaction's
    actor's. They wait for their position in the log until the transaction has committed."""
    actor = tx.actor.event() if tx.actor is not None else {}
    rows = []
    for event in events:
        tx.events_logged += 1
        rows.append({**actor, **event, "pending": True, "ord": tx.events_logged})
    await tx.send(
        "UNWIND $events AS e CREATE (x:ChangeEvent) SET x += e, x.at = $at",
        {"events": rows, "at": at},
    )


async def sequence(store: Store) -> int:
    """Give every committed event that waits for one its position; returns how many."""
    total = 0
    # In this process one caller at a time; other hubs are kept apart by the head.
    async with store.serialized(LOG):
        while await _waiting(store):
            numbered = await store.write(_number)
            total += numbered
            if numbered < _BATCH:
                break
    return total


async def _waiting(store: Store) -> bool:
    rows = await store.query(
        "MATCH (e:ChangeEvent) WHERE e.pending = true RETURN e.id AS id LIMIT 1"
    )
    return bool(rows)


async def _number(tx: Transaction) -> int:
    # Locks the head before looking for events (Neo4j); a concurrent numbering either waits
    # here or conflicts on the head when it commits (the embedded store).
    head = await tx.run(
        "MERGE (h:ChangeLog {name: $log}) ON CREATE SET h.seq = 0 "
        "SET h.seq = h.seq RETURN h.seq AS seq",
        {"log": LOG},
    )
    last = int(head[0]["seq"])
    waiting = await tx.run(
        "MATCH (e:ChangeEvent) WHERE e.pending = true "
        "RETURN elementId(e) AS element ORDER BY e.at, e.ord, e.id LIMIT $limit",
        {"limit": _BATCH},
    )
    if not waiting:
        return 0
    rows = [{"element": row["element"], "seq": last + i} for i, row in enumerate(waiting, 1)]
    await tx.send(
        "UNWIND $rows AS r MATCH (e:ChangeEvent) WHERE elementId(e) = r.element "
        "SET e.seq = r.seq, e.pending = null",
        {"rows": rows},
    )
    await tx.send(
        "MATCH (h:ChangeLog {name: $log}) SET h.seq = $seq",
        {"log": LOG, "seq": last + len(rows)},
    )
    return len(rows)


async def prune(store: Store, before: dt.datetime) -> int:
    """Remove the numbered events made before ``before`` (the retention); returns how many.
    The head remembers the last position removed, where readers of older cursors go on."""
    removed = 0
    while True:
        rows = await store.write(lambda tx: _prune_batch(tx, before))
        removed += rows
        if rows < _BATCH:
            return removed


async def _prune_batch(tx: Transaction, before: dt.datetime) -> int:
    found = await tx.run(
        "MATCH (e:ChangeEvent) WHERE e.at < $before AND e.seq IS NOT NULL "
        "WITH e ORDER BY e.seq LIMIT $limit "
        "WITH collect(e) AS gone, max(e.seq) AS last "
        "FOREACH (e IN gone | DELETE e) "
        "RETURN size(gone) AS n, last",
        {"before": before, "limit": _BATCH},
    )
    if not found or not found[0]["n"]:
        return 0
    await tx.run(
        "MATCH (h:ChangeLog {name: $log}) "
        "SET h.pruned = CASE WHEN coalesce(h.pruned, 0) > $last THEN h.pruned ELSE $last END",
        {"log": LOG, "last": found[0]["last"]},
    )
    return int(found[0]["n"])

"""The change log: every committed change as events, in one total order.

A writer appends its events in the transaction that makes the change, with a *batch* node
that holds them: the batch waits, *pending*, without a position. Positions are handed out
afterwards by :func:`sequence`, which numbers the pending batches that have committed (a
batch of n events takes the next n positions, its events in the order they were written),
in one transaction that also moves the log's head (:data:`graph_schema.entities.CHANGE_LOG`).
Only one such transaction succeeds at a time: on Neo4j the first statement locks the head,
on the embedded store the second of two commits fails on it and is run again. So positions
are handed out in the order they become visible, never to an event that may still roll
back, and never below one a reader has already seen: a consumer that pages by position while
writers commit in any order sees every event exactly once. Writers never touch the head, so
they never wait for each other on it; numbering touches one small record per batch, never
the events.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable, Mapping
from typing import Any

from hub.ids import new_id
from hub.read import changes
from hub.read.changes import BATCH_EVENTS
from hub.store import Store, Transaction

LOG = "changes"
# Batches numbered per transaction: a large backlog is worked off in several.
_BATCHES = 1_000


def changed_values(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each value that differs, with what it was and what it is (None where absent)."""
    return [
        {"field": name, "before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]


def as_json(changes: Iterable[Mapping[str, Any]]) -> str:
    return json.dumps(list(changes), ensure_ascii=False, separators=(",", ":"), default=str)


def stamped(
    tx: Transaction, events: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The batch node and the rows of ``events`` (at most :data:`BATCH_EVENTS`), for a
    statement to write with :data:`NEW_BATCH` and :func:`new_event`. An event that names no
    actor is the transaction's actor's."""
    actor = tx.actor.event() if tx.actor is not None else {}
    batch = {"id": new_id(), "ord": tx.events_logged + 1, "size": len(events)}
    rows = []
    for event in events:
        tx.events_logged += 1
        rows.append({**actor, **event, "batch": batch["id"], "ord": tx.events_logged})
    return batch, rows


# A statement's prefix that writes the batch of $batch at $now, and what writes each event:
# writers put them into statements they send anyway, since every statement has its cost.
NEW_BATCH = "CREATE (b:ChangeBatch) SET b += $batch, b.pending = true, b.at = $now WITH b "


def new_event(row: str) -> str:
    """Writes the event ``{row}.event`` (a row of :func:`stamped`)."""
    return f"CREATE (x:ChangeEvent) SET x += {row}.event, x.at = $now"


async def record_events(tx: Transaction, events: list[dict[str, Any]], at: dt.datetime) -> None:
    """Append change events, all made at ``at``: one time value for the batch, since the
    driver packs each one at some cost. They wait for their position in the log until the
    transaction has committed."""
    for start in range(0, len(events), BATCH_EVENTS):
        batch, rows = stamped(tx, events[start : start + BATCH_EVENTS])
        await tx.send(
            f"{NEW_BATCH}UNWIND $events AS e {new_event('e')}",
            {"batch": batch, "events": [{"event": row} for row in rows], "now": at},
        )


async def sequence(store: Store, *, look_first: bool = True) -> int:
    """Give every committed event that waits for one its position; returns the log's head
    (the last position handed out). ``look_first=False`` skips looking whether any waits,
    for a caller that knows some do."""
    # In this process one caller at a time; other hubs are kept apart by the head.
    async with store.serialized(LOG):
        if look_first and not await _waiting(store):
            return await changes.head(store)
        while True:
            numbered, head = await store.write(_number)
            if numbered < _BATCHES:
                return head


async def _waiting(store: Store) -> bool:
    rows = await store.query(
        "MATCH (b:ChangeBatch) WHERE b.pending = true RETURN b.id AS id LIMIT 1"
    )
    return bool(rows)


async def _number(tx: Transaction) -> tuple[int, int]:
    # Locks the head before looking for batches (Neo4j); a concurrent numbering either waits
    # here or conflicts on the head when it commits (the embedded store).
    head = await tx.run(
        "MERGE (h:ChangeLog {name: $log}) ON CREATE SET h.seq = 0 "
        "SET h.seq = h.seq RETURN h.seq AS seq",
        {"log": LOG},
    )
    last = int(head[0]["seq"])
    waiting = await tx.run(
        "MATCH (b:ChangeBatch) WHERE b.pending = true "
        "RETURN elementId(b) AS element, b.size AS size ORDER BY b.at, b.ord, b.id LIMIT $limit",
        {"limit": _BATCHES},
    )
    if not waiting:
        return 0, last
    rows = []
    position = last
    for row in waiting:
        rows.append({"element": row["element"], "first": position + 1})
        position += int(row["size"])
        rows[-1]["last"] = position
    await tx.send(
        "UNWIND $rows AS r MATCH (b:ChangeBatch) WHERE elementId(b) = r.element "
        "SET b.first = r.first, b.last = r.last, b.pending = null "
        "WITH count(*) AS numbered MATCH (h:ChangeLog {name: $log}) SET h.seq = $seq",
        {"rows": rows, "log": LOG, "seq": position},
    )
    return len(rows), position


async def prune(store: Store, before: dt.datetime) -> int:
    """Remove the numbered batches of events made before ``before`` (the retention); returns
    how many batches.
    The head remembers the last position removed, where readers of older cursors go on."""
    removed = 0
    while True:
        batches = await store.write(lambda tx: _prune_batch(tx, before))
        removed += abs(batches)
        if batches <= 0:
            return removed


async def _prune_batch(tx: Transaction, before: dt.datetime) -> int:
    """Remove the oldest batches made before ``before``, in log order, up to the first that
    is not: a batch's time is when its writer began, so a later position may hold an
    older time, and removing past a batch that is kept would hide that batch from readers."""
    found = await tx.run(
        "MATCH (h:ChangeLog {name: $log}) "
        "MATCH (b:ChangeBatch) WHERE b.first > coalesce(h.pruned, 0) "
        "AND b.first <= coalesce(h.pruned, 0) + $span "
        "RETURN b.id AS id, b.last AS last, b.at < $before AS old ORDER BY b.first LIMIT $limit",
        {"log": LOG, "before": before, "limit": 100, "span": 100 * BATCH_EVENTS},
    )
    gone = list(itertools.takewhile(lambda row: row["old"], found))
    if not gone:
        return 0
    ids = [row["id"] for row in gone]
    await tx.run(
        "UNWIND $ids AS id MATCH (e:ChangeEvent {batch: id}) DETACH DELETE e",
        {"ids": ids},
    )
    await tx.run(
        "UNWIND $ids AS id MATCH (b:ChangeBatch {id: id}) DETACH DELETE b "
        "WITH count(*) AS removed MATCH (h:ChangeLog {name: $log}) SET h.pruned = $last",
        {"ids": ids, "log": LOG, "last": gone[-1]["last"]},
    )
    # Stopped at a batch that is kept: the removal is over.
    return len(ids) if len(gone) == len(found) else -len(ids)

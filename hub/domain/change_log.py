"""The change log: every committed change as events, in one total order.

A writer appends its events in the transaction that makes the change, as one *batch*: a
small ``ChangeBatch`` node and a ``ChangeEvents`` node that holds the events (as JSON,
beside the kind, action and system of each, which a filtered read selects by). It adds each
event's id to its record's ``logged`` list, from which the record's history is read. The
batch waits, *pending*, without a position. Positions are
handed out afterwards by :func:`sequence`, which numbers the pending batches that have
committed (a batch of n events takes the next n positions, its events in the order they
were written), in one transaction that also moves the log's head
(:data:`graph_schema.entities.CHANGE_LOG`). Only one such transaction succeeds at a time: on
Neo4j the first statement locks the head, on the embedded store the second of two commits
fails on it and is run again. So positions are handed out in the order they become visible,
never to an event that may still roll back, and never below one a reader has already seen:
a consumer that pages by position while writers commit in any order sees every event
exactly once. Writers never touch the head, so they never wait for each other on it;
numbering touches one small record per batch, never the events.

Two nodes per batch rather than one per event: a node for each event would cost about as
much as writing the record it describes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from hub.ids import new_id
from hub.read import changes
from hub.read.changes import BATCH_EVENTS
from hub.store import Store, Transaction
from hub.store.bounded import STATEMENT_BYTES, bounded, utf8_size

LOG = "changes"
# Batches numbered per transaction: a large backlog is worked off in several.
_BATCHES = 1_000
# Batches removed per transaction by the retention.
_PRUNED = 100
# A batch of up to this many events holds them itself; a larger one keeps them in a
# ChangeEvents node, written once, so that numbering it rewrites a small record only.
_KEPT_INSIDE = 20
PENDING = changes.PENDING


def changed_values(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each value that differs, with what it was and what it is (None where absent)."""
    return [
        {"field": name, "before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]


class Json(str):
    """A value that is JSON already (a new record's canonical state, say): an event takes
    it as it is, not encoded a second time."""


def encoded(event: Mapping[str, Any]) -> str:
    """An event as its batch keeps it: JSON without the values it does not have."""
    text = json.dumps(
        {
            name: value
            for name, value in event.items()
            if value is not None and not isinstance(value, Json)
        },
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    ready = "".join(
        f',"{name}":{value}' for name, value in event.items() if isinstance(value, Json)
    )
    if not ready:
        return text
    return f"{{{ready[1:]}}}" if text == "{}" else f"{text[:-1]}{ready}}}"


def stamped(tx: Transaction, events: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The parameters with which :func:`new_batch` writes the batch of ``events`` (at most
    :data:`BATCH_EVENTS`), and each event's id in order. An event that names no actor is
    the transaction's actor's."""
    actor = tx.actor.event() if tx.actor is not None else {}
    batch = new_id()
    held = [{**actor, **event} for event in events]
    lists = {
        "events": [encoded(event) for event in held],
        # What a filtered page selects by, beside each event, so the database selects.
        "entities": [event["entity"] for event in held],
        "actions": [event["action"] for event in held],
        "systems": [event.get("system") or "" for event in held],
    }
    stamp = {"id": batch, "ord": tx.events_logged + 1, "size": len(held), "first": PENDING}
    tx.events_logged += len(held)
    ids = [changes.event_id(batch, index) for index in range(len(held))]
    if len(held) > _KEPT_INSIDE:
        return {"batch": stamp, "held": {"batch": batch, **lists}}, ids
    return {"batch": {**stamp, **lists}}, ids


def new_batch(params: Mapping[str, Any]) -> str:
    """A statement's prefix that writes the batch of ``params`` (of :func:`stamped`) at
    $now; :func:`logs` adds an event to its record. Writers put both into statements they
    send anyway, since every statement has its cost."""
    apart = "CREATE (x:ChangeEvents) SET x += $held " if "held" in params else ""
    return f"CREATE (b:ChangeBatch) SET b += $batch, b.at = $now {apart}WITH b "


def logs(node: str, event: str) -> str:
    """A ``SET`` item that adds the event id ``event`` to the record ``node``'s events."""
    return f"{node}.logged = coalesce({node}.logged, []) + {event}"


async def record_events(tx: Transaction, events: list[dict[str, Any]], at: dt.datetime) -> None:
    """Append change events about existing records, all made at ``at``: one time value for
    the batch, since the driver packs each one at some cost. They wait for their position in
    the log until the transaction has committed."""
    for start in range(0, len(events), BATCH_EVENTS):
        chunk = events[start : start + BATCH_EVENTS]
        params, ids = stamped(tx, chunk)
        by_label: dict[str, list[dict[str, str]]] = {}
        for event, event_id in zip(chunk, ids, strict=True):
            by_label.setdefault(event["entity"], []).append(
                {"record": event["entityId"], "event": event_id}
            )
        first = True
        for label, refs in by_label.items():
            await tx.send(
                f"{new_batch(params) if first else ''}UNWIND $refs AS r "
                f"MATCH (n:{label} {{id: r.record}}) SET {logs('n', 'r.event')}",
                {**(params if first else {}), "now": at, "refs": refs},
            )
            first = False


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
        "MATCH (b:ChangeBatch) WHERE b.first = $pending RETURN b.id AS id LIMIT 1",
        {"pending": PENDING},
    )
    return bool(rows)


# One statement, one round trip. It locks the head before looking for batches (Neo4j); a
# concurrent numbering either waits there or conflicts on the head when it commits (the
# embedded store). Each batch takes the positions after those of the batches before it.
_NUMBER = (
    "MERGE (h:ChangeLog {name: $log}) ON CREATE SET h.seq = 0 SET h.seq = h.seq "
    "WITH h OPTIONAL MATCH (b:ChangeBatch) WHERE b.first = $pending "
    "WITH h, b ORDER BY b.at, b.ord, b.id LIMIT $limit "
    "WITH h, [x IN collect(b) WHERE x IS NOT NULL] AS batches "
    "WITH h, batches, reduce(ends = [h.seq], x IN batches | ends + [last(ends) + x.size]) AS ends "
    "UNWIND range(0, size(batches) - 1) AS k "
    "WITH h, batches[k] AS b, ends[k] + 1 AS first, ends[k + 1] AS last "
    "SET b.first = first, b.last = last "
    "WITH h, count(b) AS numbered, max(last) AS top SET h.seq = top "
    "RETURN numbered, top"
)


async def _number(tx: Transaction) -> tuple[int, int]:
    numbered = await tx.run(_NUMBER, {"log": LOG, "limit": _BATCHES, "pending": PENDING})
    if numbered:
        return int(numbered[0]["numbered"]), int(numbered[0]["top"])
    # Nothing waited: the head stays where it is.
    head = await tx.run("MATCH (h:ChangeLog {name: $log}) RETURN h.seq AS seq", {"log": LOG})
    return 0, int(head[0]["seq"]) if head else 0


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
    older time, and removing past a batch that is kept would hide that batch from readers.
    Their records forget the removed events' ids."""
    found = await tx.run(
        "MATCH (h:ChangeLog {name: $log}) "
        "MATCH (b:ChangeBatch) WHERE b.first > coalesce(h.pruned, 0) "
        "AND b.first <= coalesce(h.pruned, 0) + $span "
        "RETURN b.id AS id, b.last AS last, b.at < $before AS old ORDER BY b.first LIMIT $limit",
        {"log": LOG, "before": before, "limit": _PRUNED, "span": _PRUNED * BATCH_EVENTS},
    )
    gone = list(itertools.takewhile(lambda row: row["old"], found))
    if not gone:
        return 0
    ids = [row["id"] for row in gone]
    held = await tx.run(
        f"UNWIND $ids AS id MATCH (b:ChangeBatch {{id: id}}) {changes.events_of_batch()}"
        "RETURN b.id AS id, x.events AS events",
        {"ids": ids},
    )
    forgotten: dict[str, dict[str, list[str]]] = {}
    for batch in held:
        for index, text in enumerate(batch["events"] or []):
            event = json.loads(text)
            records = forgotten.setdefault(event["entity"], {})
            records.setdefault(event["entityId"], []).append(changes.event_id(batch["id"], index))
    for label, records in forgotten.items():
        await tx.send(
            f"UNWIND $rows AS r MATCH (n:{label} {{id: r.id}}) "
            "SET n.logged = [e IN coalesce(n.logged, []) WHERE NOT e IN r.events]",
            {"rows": [{"id": key, "events": events} for key, events in records.items()]},
        )
    await tx.run(
        "UNWIND $ids AS id MATCH (x:ChangeEvents {batch: id}) DELETE x",
        {"ids": ids},
    )
    await tx.run(
        "UNWIND $ids AS id MATCH (b:ChangeBatch {id: id}) DELETE b "
        "WITH count(*) AS removed MATCH (h:ChangeLog {name: $log}) SET h.pruned = $last",
        {"ids": ids, "log": LOG, "last": gone[-1]["last"]},
    )
    # Stopped at a batch that is kept: the removal is over.
    return len(ids) if len(gone) == len(found) else -len(ids)


async def rewrite(
    tx: Transaction, event_ids: Iterable[str], change: Callable[[dict[str, Any]], dict[str, Any]]
) -> int:
    """Replace each of these events (numbered or pending) by ``change`` of it; returns how
    many were found."""
    wanted: dict[str, set[int]] = {}
    for event_id in event_ids:
        ref = changes.event_ref(event_id)
        if ref is not None:
            wanted.setdefault(ref[0], set()).add(ref[1])
    if not wanted:
        return 0
    held = await tx.run(
        f"UNWIND $ids AS id MATCH (b:ChangeBatch {{id: id}}) {changes.events_of_batch()}"
        "RETURN elementId(x) AS element, b.id AS id, x.events AS events",
        {"ids": sorted(wanted)},
    )
    rows, found = [], 0
    for batch in held:
        events = list(batch["events"])
        for index in sorted(wanted[batch["id"]]):
            if index < len(events):
                events[index] = encoded(change(json.loads(events[index])))
                found += 1
        rows.append({"element": batch["element"], "events": events})
    # A batch holds up to BATCH_EVENTS events with their values: a few batches a statement.
    for chunk in bounded(rows, len(rows), _events_size, REWRITTEN_BYTES):
        await tx.send(
            "UNWIND $rows AS r MATCH (x) WHERE elementId(x) = r.element SET x.events = r.events",
            {"rows": chunk},
        )
    return found


REWRITTEN_BYTES = STATEMENT_BYTES  # events' text per statement (see hub.store.bounded)


def _events_size(row: dict[str, Any]) -> int:
    return sum(utf8_size(event) for event in row["events"])

"""Reading the change log: pages of events after a position, and one record's history.

Positions are dense (every number up to the head is one event, see
:mod:`hub.domain.change_log`): an event's is its batch's first position plus its order in
the batch. A page is read as a range of positions, through the index on the batches' first
positions, never a sort of the whole log. A filtered page scans ranges that grow until the
page is full or the head is reached; the position it stops at is where the next page
continues, so a consumer never reads the events its filter leaves out twice.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from graph_schema import MODEL, PropertyType
from hub.store import Store
from hub.store.temporal import to_store

Row = dict[str, Any]
# Events one batch holds at most (hub.domain.change_log.BATCH_EVENTS: read cannot import it).
BATCH_EVENTS = 5_000
_FIRST_WINDOW = 1_000
_LARGEST_WINDOW = 100_000

# An event with its batch b and its position seq.
_POSITION = "b.first + e.ord - b.ord"
SHOWN = (
    "e.id AS id, seq, e.at AS at, e.entity AS entity, e.entityId AS entityId, "
    "e.action AS action, e.process AS process, e.system AS system, e.key AS key, "
    "e.by AS by, e.bySystem AS bySystem, e.onBehalfOf AS onBehalfOf, e.reason AS reason, "
    "e.fields AS fields, e.changes AS changes, e.version AS version"
)


# The numbered batch of an event e, and the event's position: events still waiting for one
# are left out.
_OF_BATCH = (
    f"MATCH (b:ChangeBatch {{id: e.batch}}) WHERE b.first IS NOT NULL WITH e, b, {_POSITION} AS seq"
)


def personal_fields(label: str) -> frozenset[str]:
    """The fields of a record of ``label`` whose values in its events are personal data."""
    return MODEL.node(label).personal if label in MODEL.golden_labels else frozenset()


@dataclass(frozen=True)
class LogFilter:
    """Which events a page holds: of these kinds (labels), actions and source systems;
    an empty tuple does not filter."""

    labels: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()

    def condition(self) -> str:
        tests = [
            f"e.{prop} IN ${name}"
            for prop, name in (("entity", "labels"), ("action", "actions"), ("system", "systems"))
            if getattr(self, name)
        ]
        return "".join(f" AND {test}" for test in tests)

    def params(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "actions": list(self.actions),
            "systems": list(self.systems),
        }


@dataclass(frozen=True)
class LogPage:
    events: list[Row]
    end: int  # the position the next page continues after
    more: bool  # events may follow end now


async def head(store: Store) -> int:
    """The last position handed out (0 for an empty log)."""
    return (await _bounds(store))[1]


async def pruned(store: Store) -> int:
    """The last position the retention removed (0: none)."""
    return (await _bounds(store))[0]


async def _bounds(store: Store) -> tuple[int, int]:
    """The last position the retention removed and the last handed out."""
    rows = await store.query(
        "MATCH (h:ChangeLog {name: 'changes'}) RETURN h.pruned AS pruned, h.seq AS seq"
    )
    if not rows:
        return 0, 0
    return int(rows[0]["pruned"] or 0), int(rows[0]["seq"])


async def page(store: Store, after: int, first: int, only: LogFilter = LogFilter()) -> LogPage:
    """Up to ``first`` events after position ``after``, in log order; a position the
    retention removed goes on with the oldest event kept."""
    pruned, last = await _bounds(store)
    found: list[Row] = []
    position = max(after, pruned)
    window = max(first, _FIRST_WINDOW if only.condition() else first)
    while len(found) < first and position < last:
        upto = min(last, position + window)
        rows = await store.query(
            "MATCH (b:ChangeBatch) WHERE b.first > $from - $widest AND b.first <= $to "
            "AND b.last > $from "
            f"MATCH (e:ChangeEvent {{batch: b.id}}) WITH b, e, {_POSITION} AS seq "
            f"WHERE seq > $from AND seq <= $to{only.condition()} "
            f"RETURN {SHOWN} ORDER BY seq LIMIT $n",
            {
                "from": position,
                "to": upto,
                "widest": BATCH_EVENTS,
                "n": first - len(found),
                **only.params(),
            },
        )
        found.extend(rows)
        position = int(rows[-1]["seq"]) if len(found) == first else upto
        window = min(window * 2, _LARGEST_WINDOW)
    return LogPage(found, position, position < last)


async def history(store: Store, entity_id: str, after: int, first: int) -> LogPage:
    """Up to ``first`` events of one record after position ``after``, oldest first."""
    rows = await store.query(
        f"MATCH (e:ChangeEvent {{entityId: $id}}) {_OF_BATCH} WHERE seq > $after "
        f"RETURN {SHOWN} ORDER BY seq LIMIT $n",
        {"id": entity_id, "after": after, "n": first + 1},
    )
    shown = rows[:first]
    end = int(shown[-1]["seq"]) if shown else after
    return LogPage(shown, end, len(rows) > first)


async def event(store: Store, event_id: str) -> Row | None:
    rows = await store.query(
        f"MATCH (e:ChangeEvent {{id: $id}}) {_OF_BATCH} RETURN {SHOWN}", {"id": event_id}
    )
    return rows[0] if rows else None


async def since(store: Store, entity_id: str, moment: dt.datetime) -> tuple[list[Row], Row | None]:
    """A record's events made after ``moment``, newest first, and its last one before."""
    after = await store.query(
        f"MATCH (e:ChangeEvent {{entityId: $id}}) WHERE e.at > $at {_OF_BATCH} "
        f"RETURN {SHOWN} ORDER BY seq DESC",
        {"id": entity_id, "at": to_store(moment)},
    )
    before = await store.query(
        f"MATCH (e:ChangeEvent {{entityId: $id}}) WHERE e.at <= $at {_OF_BATCH} "
        f"RETURN {SHOWN} ORDER BY seq DESC LIMIT 1",
        {"id": entity_id, "at": to_store(moment)},
    )
    return after, (before[0] if before else None)


def as_of(label: str, row: Row, later: list[Row], last: Row | None) -> Row | None:
    """``row`` (a record as read now) with the values it had before the ``later`` events
    (newest first) undid, ``last`` being the event that made it so; None when the record did
    not exist yet. Values of related records stay as they are now."""
    if last is None:
        return None
    stored = {p.name: p for p in MODEL.node(label).record_properties}
    then = dict(row)
    for event in later:
        for change in json.loads(event["changes"] or "[]"):
            prop = stored.get(change["field"])
            if prop is not None and prop.name in then:
                then[prop.name] = _stored_form(prop.type, change["before"])
    if "version" in then and last["version"] is not None:
        then["version"] = last["version"]
    if "updatedAt" in then:
        then["updatedAt"] = last["at"]
    return then


def _stored_form(kind: PropertyType, value: Any) -> Any:
    """A value as an event keeps it (JSON) in the form the store gives it."""
    if value is None or not isinstance(value, str):
        return value
    if kind is PropertyType.DATE:
        return dt.date.fromisoformat(value[:10])
    if kind is PropertyType.DATETIME:
        return to_store(dt.datetime.fromisoformat(value))
    return value

"""Reading the change log: pages of events after a position, and one record's history.

Positions are dense (every number up to the head is one event, see
:mod:`hub.domain.change_log`): an event's is its batch's first position plus its index in
the batch, and its id is the batch's id and that index. A page is read as a range of
positions, through the index on the batches' first positions, never a sort of the whole
log. A filtered page scans ranges that grow until the page is full or the head is reached;
the position it stops at is where the next page continues, so a consumer never reads the
events its filter leaves out twice. A record's history is read from the event ids it keeps.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graph_schema import MODEL, PropertyType
from hub.ids import to_global
from hub.store import Store
from hub.store.temporal import to_store

Row = dict[str, Any]
Run = Callable[[str, dict[str, Any]], Awaitable[list[Any]]]
# Events one batch holds at most (hub.domain.change_log writes batches; read cannot import it).
BATCH_EVENTS = 1_000
_FIRST_WINDOW = 1_000
_LARGEST_WINDOW = 100_000

# A batch's first position while it waits for one: below every position, so that one index
# serves both the numbering, which looks for it, and the readers, who read above it.
PENDING = -1


def events_of_batch(*carried: str) -> str:
    """Where the events of a batch b are, as x (with b and the ``carried`` variables): in
    the batch itself, or, for a large one, apart."""
    kept = ", ".join(("b", *carried))
    return (
        f"OPTIONAL MATCH (apart:ChangeEvents {{batch: b.id}}) WITH {kept}, coalesce(apart, b) AS x "
    )


# What a row of an event i of batch b is made from (see _row).
_EVENT = (
    "b.id AS batch, i, CASE WHEN b.first > 0 THEN b.first + i END AS seq, b.at AS at, "
    "x.events[i] AS event"
)
_FIELDS = (
    "entity", "entityId", "action", "process", "system", "key", "by", "bySystem",
    "onBehalfOf", "reason", "version",
)  # fmt: skip


def event_id(batch: str, index: int) -> str:
    return f"{batch}.{index}"


def event_ref(event: str) -> tuple[str, int] | None:
    """The batch and index an event id names; None for one that names none."""
    batch, _, index = event.rpartition(".")
    return (batch, int(index)) if batch and index.isdigit() else None


def changes_of(event: Row) -> list[Row]:
    """What an event as stored changed: its list of changes, or a new record's values."""
    if "values" in event:
        return [
            {"field": name, "before": None, "after": value}
            for name, value in sorted(event["values"].items())
            if value is not None
        ]
    return list(event.get("changes") or [])


def _row(found: Any) -> Row:
    """An event as readers see it: its id, position, time and what it holds."""
    event = json.loads(found["event"])
    row: Row = {name: event.get(name) for name in _FIELDS}
    row["changes"] = changes_of(event)
    row["fields"] = [change["field"] for change in row["changes"]]
    row["id"] = event_id(found["batch"], found["i"])
    row["seq"] = found["seq"]
    row["at"] = found["at"]
    return row


def personal_fields(label: str) -> frozenset[str]:
    """The fields of a record of ``label`` whose values in its events are personal data."""
    return MODEL.node(label).personal if label in MODEL.golden_labels else frozenset()


_PERSONAL_ADDRESS = MODEL.node("Address").personal


def shown_change(label: str, change: Row, personal: bool, person: bool) -> Row:
    """A change as a caller sees it: ``field``, ``before``, ``after`` and ``hidden``. Without
    ``personal``, the values of personal fields are withheld, and a ``person``'s addresses
    are shown without street and house number (as the partner's ``addresses`` are)."""
    field, before, after = change["field"], change["before"], change["after"]
    if field in _MERGE_LINKS:
        before, after = _api_ids(label, before), _api_ids(label, after)
    elif field == "matchCandidate":  # a steward's decision on a candidate, by its id
        before, after = _candidate(before), _candidate(after)
    else:
        before, after = with_api_ids(before), with_api_ids(after)
    if personal:
        return {"field": field, "before": before, "after": after, "hidden": False}
    if field in personal_fields(label):
        return {"field": field, "before": None, "after": None, "hidden": True}
    if person and label == "BusinessPartner" and field == "addresses":
        masked = without_streets(before), without_streets(after)
        return {"field": field, "before": masked[0], "after": masked[1],
                "hidden": masked != (before, after)}  # fmt: skip
    return {"field": field, "before": before, "after": after, "hidden": False}


# The fields of a merge's or an un-merge's event that name other records by id.
_MERGE_LINKS = frozenset({"mergedInto", "mergedFrom"})


def _api_ids(label: str, value: Any) -> Any:
    """Hub ids as the API's IDs (those ``node(id:)`` and ``recordId`` take)."""
    if isinstance(value, str):
        return to_global(label, value)
    if isinstance(value, list):
        return [to_global(label, v) if isinstance(v, str) else v for v in value]
    return value


def _candidate(value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return {**value, "id": to_global("MatchCandidate", value["id"])}
    return value


def with_api_ids(value: Any) -> Any:
    """A value with the records it refers to (``{"label", "id"}``, as a vehicle's owner or a
    contract's parties are kept) named by their API IDs."""
    if isinstance(value, list):
        return [with_api_ids(item) for item in value]
    if not isinstance(value, dict):
        return value
    shown = {key: with_api_ids(item) for key, item in value.items()}
    label, hub_id = value.get("label"), value.get("id")
    if isinstance(label, str) and isinstance(hub_id, str) and label in MODEL.golden_labels:
        shown["id"] = to_global(label, hub_id)
    return shown


def without_streets(addresses: Any) -> Any:
    """A list of addresses without their personal parts (street, house number)."""
    if not isinstance(addresses, list):
        return addresses
    return [
        {k: v for k, v in a.items() if k not in _PERSONAL_ADDRESS} if isinstance(a, dict) else a
        for a in addresses
    ]


async def persons(run: Run, ids: Iterable[str]) -> set[str]:
    """Which of these partners are persons (or of no known kind: as persons, to be safe)."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    rows = await run(
        "UNWIND $ids AS id OPTIONAL MATCH (p:BusinessPartner {id: id}) RETURN id, p.kind AS kind",
        {"ids": wanted},
    )
    return {row["id"] for row in rows if is_person(row["kind"])}


def is_person(kind: str | None) -> bool:
    """Whether a partner of ``kind`` has personal data: a person, or one of no known kind."""
    return kind in (None, "PERSON")


@dataclass(frozen=True)
class LogFilter:
    """Which events a page holds: of these kinds (labels), actions and source systems;
    an empty tuple does not filter."""

    labels: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()

    def condition(self) -> str:
        tests = [
            f"x.{lists}[i] IN ${name}"
            for lists, name in (
                ("entities", "labels"),
                ("actions", "actions"),
                ("systems", "systems"),
            )
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
            f"AND b.first > 0 AND b.last > $from {events_of_batch()}"
            "UNWIND range(CASE WHEN b.first > $from THEN 0 ELSE $from - b.first + 1 END, "
            "CASE WHEN b.last > $to THEN $to - b.first ELSE b.size - 1 END) AS i "
            f"WITH b, x, i WHERE true{only.condition()} "
            f"RETURN {_EVENT} ORDER BY seq LIMIT $n",
            {
                "from": position,
                "to": upto,
                "widest": BATCH_EVENTS,
                "n": first - len(found),
                **only.params(),
            },
        )
        found.extend(_row(row) for row in rows)
        position = int(rows[-1]["seq"]) if len(found) == first else upto
        window = min(window * 2, _LARGEST_WINDOW)
    return LogPage(found, position, position < last)


async def of_records(
    run: Run,
    label: str,
    ids: Iterable[str],
    *,
    where: str = "",
    params: dict[str, Any] | None = None,
    pending: bool = False,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[Row]:
    """The events of the records of ``label`` with these ids, oldest first: numbered ones
    only unless ``pending`` (those have no position yet: ``seq`` None), filtered by
    ``where`` (a condition on the batch b and the index i)."""
    if label not in MODEL.golden_labels:
        return []
    held = await run(
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) RETURN n.logged AS logged",
        {"ids": list(ids)},
    )
    refs = [
        {"batch": ref[0], "i": ref[1]}
        for row in held
        for ref in map(event_ref, row["logged"] or [])
        if ref is not None
    ]
    if not refs:
        return []
    tests = [*([] if pending else ["b.first > 0"]), *([where] if where else [])]
    # Pending events have no position: the order they were written in stands for it.
    keys = ("b.at", "b.ord", "i") if pending else ("seq",)
    order = ", ".join(f"{key} DESC" if newest_first else key for key in keys)
    rows = await run(
        "UNWIND $refs AS r MATCH (b:ChangeBatch {id: r.batch}) WITH b, r.i AS i "
        f"{events_of_batch('i')}"
        f"{'WHERE ' + ' AND '.join(tests) if tests else ''} "
        f"RETURN {_EVENT} ORDER BY {order}{' LIMIT $limit' if limit is not None else ''}",
        {**(params or {}), "refs": refs, "limit": limit},
    )
    return [_row(row) for row in rows]


async def history(store: Store, label: str, records: list[str], after: int, first: int) -> LogPage:
    """Up to ``first`` events of the records after position ``after``, oldest first."""
    rows = await of_records(
        store.query,
        label,
        records,
        where="b.first + i > $after",
        params={"after": after},
        limit=first + 1,
    )
    shown = rows[:first]
    end = int(shown[-1]["seq"]) if shown else after
    return LogPage(shown, end, len(rows) > first)


async def event(store: Store, event: str) -> Row | None:
    ref = event_ref(event)
    if ref is None:
        return None
    rows = await store.query(
        "MATCH (b:ChangeBatch {id: $batch}) WHERE b.first > 0 AND $i < b.size "
        f"{events_of_batch()}WITH b, x, $i AS i RETURN {_EVENT}",
        {"batch": ref[0], "i": ref[1]},
    )
    return _row(rows[0]) if rows else None


async def since(
    store: Store, label: str, record: str, moment: dt.datetime
) -> tuple[list[Row], Row | None]:
    """A record's events made after ``moment``, newest first, and its last one before."""
    at = {"at": to_store(moment)}
    later = await of_records(
        store.query, label, [record], where="b.at > $at", params=at, newest_first=True
    )
    before = await of_records(
        store.query, label, [record], where="b.at <= $at", params=at, newest_first=True, limit=1
    )
    return later, (before[0] if before else None)


def as_of(label: str, row: Row, later: list[Row], last: Row | None) -> Row | None:
    """``row`` (a record as read now) with the values it had before the ``later`` events
    (newest first) undid, ``last`` being the event that made it so; None when the record did
    not exist yet. Values of related records stay as they are now."""
    if last is None:
        return None
    stored = {p.name: p for p in MODEL.node(label).record_properties}
    then = dict(row)
    for event in later:
        for change in event["changes"]:
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

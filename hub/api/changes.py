"""The change log in the API: the ``changes`` feed, each record's ``changeHistory`` and the
``changes`` subscription.

A position in the log is handed out as a signed cursor that is valid for every filter: a
consumer may change its filter and continue from where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import AsyncGenerator
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from hub.api.access import needs
from hub.api.context import Info
from hub.api.relay import Node, PageInfo
from hub.auth.errors import Forbidden
from hub.auth.principal import Scope
from hub.domain import change_log
from hub.domain.validation import system_name
from hub.errors import BadRequest
from hub.ids import from_global, to_global
from hub.read import changes as log
from hub.read.changes import LogFilter, LogPage, is_person, shown_change
from hub.read.cursors import BoundCursors
from hub.read.pagination import LONG_PAGE_SIZE
from hub.read.values import native

# A position is the same in every filtered view of the log.
_SCOPE = "changes"
MAX_PAGE = LONG_PAGE_SIZE


@strawberry.enum(description="The kinds of record the hub keeps.")
class RecordKind(Enum):
    BUSINESS_PARTNER = "BusinessPartner"
    VEHICLE = "Vehicle"
    CONTRACT = "Contract"
    IDENTIFICATION_OBJECT = "IdentificationObject"
    DOCUMENT = "Document"
    MATERIAL = "Material"
    PROJECT = "Project"


@strawberry.enum(description="What a change did to its record.")
class ChangeAction(Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    MERGED = strawberry.enum_value("MERGED", description="Others were merged into it.")
    MERGED_INTO = strawberry.enum_value("MERGED_INTO", description="It was merged into another.")
    UNMERGED = strawberry.enum_value("UNMERGED", description="A source was split off, or it was.")
    REJECTED = strawberry.enum_value(
        "REJECTED", description="A steward decided a match candidate with it is not a match."
    )
    BLOCKED = strawberry.enum_value("BLOCKED", description="A card or plate was blocked.")
    PROCESS = strawberry.enum_value(
        "PROCESS", description="A contract change process ran; `process` names it."
    )
    HISTORY = strawberry.enum_value(
        "HISTORY", description="An entry was added to a vehicle's history; `process` names it."
    )
    DELETED = strawberry.enum_value("DELETED", description="Its last live source deleted it.")
    RESTORED = strawberry.enum_value(
        "RESTORED", description="A source delivered a deleted record again."
    )
    ERASED = strawberry.enum_value("ERASED", description="Its personal data was erased.")


@strawberry.type(description="A system's record: the system and its own key.")
class SourceRef:
    system: str = strawberry.field(description="The source system, e.g. CRM.")
    key: str = strawberry.field(description="That system's key.")


@strawberry.type(name="Actor", description="Who made a change.")
class ChangeActor:
    client: str | None = strawberry.field(
        description="The authenticated client (or hub load, hub match)."
    )
    system: str | None = strawberry.field(description="The source system that client writes for.")
    on_behalf_of: str | None = strawberry.field(
        description="The person a front end said it acted for (X-Hub-User)."
    )


@strawberry.type(description="One value a change set: what it was before and after.")
class FieldChange:
    field: str = strawberry.field(description="The field, as the record's type names it.")
    before: JSON | None = strawberry.field(
        description="The value before (null: none); null also when hidden, but a person's "
        "addresses, shown without street and house number."
    )
    after: JSON | None = strawberry.field(
        description="The value after (null: none); null also when hidden, but a person's "
        "addresses, shown without street and house number."
    )
    hidden: bool = strawberry.field(
        description="The values are personal data and the caller lacks `read:personal`: "
        "null, or a person's addresses without street and house number."
    )


@strawberry.type(description="One change to one record, at its position in the log.")
class ChangeEvent(Node):
    cursor: str = strawberry.field(description="Its position: pass as `after` to go on from it.")
    at: dt.datetime = strawberry.field(description="When the change was made.")
    kind: RecordKind = strawberry.field(description="The kind of the changed record.")
    action: ChangeAction = strawberry.field(description="What the change did.")
    process: str | None = strawberry.field(
        description="The contract change process (ETER, BLEX, ...) or vehicle history entry."
    )
    record_id: strawberry.ID = strawberry.field(description="The changed record's ID.")
    version: int | None = strawberry.field(description="The record's version after the change.")
    source: SourceRef | None = strawberry.field(description="The delivery that caused it.")
    actor: ChangeActor = strawberry.field(description="Who made it.")
    reason: str | None = strawberry.field(description="Why, in a steward's words.")
    raw_changes: strawberry.Private[list[dict[str, Any]]]
    label: strawberry.Private[str]
    hub_id: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: dict[str, Any], cursors: BoundCursors) -> ChangeEvent:
        return cls(
            id=strawberry.ID(to_global("ChangeEvent", row["id"])),
            cursor=cursors.encode([row["seq"]]),
            at=native(row["at"]),
            kind=RecordKind(row["entity"]),
            action=ChangeAction(row["action"]),
            process=row["process"],
            record_id=strawberry.ID(to_global(row["entity"], row["entityId"])),
            version=row["version"],
            source=SourceRef(system=row["system"], key=row["key"]) if row["system"] else None,
            actor=ChangeActor(
                client=row["by"], system=row["bySystem"], on_behalf_of=row["onBehalfOf"]
            ),
            reason=row["reason"],
            raw_changes=row["changes"],
            label=row["entity"],
            hub_id=row["entityId"],
        )

    @strawberry.field(description="Each value the change set, before and after.")
    async def changes(self, info: Info) -> list[FieldChange]:
        personal = info.context.sees_personal
        person = False
        if not personal and self.label == "BusinessPartner":
            row = await info.context.loaders.node(self.label).load(self.hub_id)
            person = row is None or is_person(row.get("kind"))
        return [
            FieldChange(**shown_change(self.label, c, personal, person)) for c in self.raw_changes
        ]

    @strawberry.field(
        description="The record now: its survivor once it was merged into another; null when "
        "it no longer exists."
    )
    async def record(self, info: Info) -> Node | None:
        from hub.api.types import node_from_row  # noqa: PLC0415 - the types import this module

        loader = info.context.loaders.node(self.label)
        row = await loader.load(self.hub_id)
        seen = set()
        while row is not None and row.get("mergedInto") and row["id"] not in seen:
            seen.add(row["id"])
            row = await loader.load(row["mergedInto"])
        return node_from_row(self.label, row) if row else None


@strawberry.type(description="An event of the log with its position.")
class ChangeEventEdge:
    node: ChangeEvent = strawberry.field(description="The event.")
    cursor: str = strawberry.field(description="Its position in the log.")


@strawberry.type(description="A page of the change log, oldest first.")
class ChangeEventConnection:
    edges: list[ChangeEventEdge] = strawberry.field(description="The events, in log order.")
    page_info: PageInfo = strawberry.field(
        description="`endCursor` is where the next page (or poll) continues, also when this "
        "page is empty or its last events were left out by the filter."
    )

    @strawberry.field(description="The events, without their edges.")
    def nodes(self) -> list[ChangeEvent]:
        return [edge.node for edge in self.edges]


def _cursors(info: Info, scope: str = _SCOPE) -> BoundCursors:
    return info.context.cursors.bound(scope)


def _history_scope(label: str, record: str) -> str:
    """One record's history is a list of its own: a position in it skips the events of
    other records, so its cursors are good for that record's history only."""
    return f"{_SCOPE}/history/{label}/{record}"


def position(info: Info, after: str | None, argument: str = "after", scope: str = _SCOPE) -> int:
    """The log position a cursor stands for (0, the log's start, for none)."""
    if after is None:
        return 0
    (seq,) = _cursors(info, scope).decode(after, argument)
    if not isinstance(seq, int) or seq < 0:
        raise BadRequest(f"{argument}: not a position in the change log")
    return seq


def _first(first: int) -> int:
    if not 0 <= first <= MAX_PAGE:
        raise BadRequest(f"first: must be between 0 and {MAX_PAGE}")
    return first


def connection(
    info: Info, found: LogPage, after: int, scope: str = _SCOPE
) -> ChangeEventConnection:
    cursors = _cursors(info, scope)
    events = [ChangeEvent.from_row(row, cursors) for row in found.events]
    return ChangeEventConnection(
        edges=[ChangeEventEdge(node=event, cursor=event.cursor) for event in events],
        page_info=PageInfo(
            has_next_page=found.more,
            has_previous_page=after > 0,
            start_cursor=events[0].cursor if events else None,
            end_cursor=cursors.encode([found.end]),
        ),
    )


async def change_event(info: Info, event_id: str) -> ChangeEvent | None:
    row = await log.event(info.context.store, event_id)
    return ChangeEvent.from_row(row, _cursors(info)) if row and row["seq"] is not None else None


def log_filter(
    kinds: list[RecordKind] | None = None,
    actions: list[ChangeAction] | None = None,
    systems: list[str] | None = None,
) -> LogFilter:
    named = tuple(system.strip().upper() for system in systems or ())
    wrong = [system for system in named if not system_name(system)]
    if wrong:  # a system it could never have written for: a typo, not an empty feed
        raise BadRequest(f"systems: {wrong[0][:80]!r} is not a system name")
    return LogFilter(
        labels=tuple(k.value for k in kinds or ()),
        actions=tuple(a.value for a in actions or ()),
        systems=named,
    )


@strawberry.type
class ChangeLogQuery:
    @strawberry.field(
        metadata=needs(Scope.READ),
        description="The change log from a position on, oldest first: every committed change "
        "of every record, each exactly once and in one order. Poll with the last "
        "`pageInfo.endCursor`; a cursor stays valid for as long as the log is kept.",
    )
    async def changes(
        self,
        info: Info,
        after: str | None = None,
        first: int = 100,
        kinds: list[RecordKind] | None = None,
        actions: list[ChangeAction] | None = None,
        systems: list[str] | None = None,
    ) -> ChangeEventConnection:
        start = position(info, after)
        store = info.context.store
        await change_log.sequence(store)
        found = await log.page(store, start, _first(first), log_filter(kinds, actions, systems))
        return connection(info, found, start)


def _noun(label: str) -> str:
    return "".join(f" {c.lower()}" if c.isupper() else c for c in label).strip()


def change_history(label: str) -> Any:
    """The ``changeHistory`` field of a record type."""

    async def resolve(
        root: Any, info: Info, first: int = 100, after: str | None = None
    ) -> ChangeEventConnection:
        scope = _history_scope(label, root.hub_id)
        start = position(info, after, scope=scope)
        store = info.context.store
        await change_log.sequence(store)
        # A partner's history holds those of the partners merged into it: their ids lead
        # to it, and what they were before is part of where its values came from.
        merged = [from_global(i) for i in getattr(root, "merged_from", None) or []]
        records = [root.hub_id, *(m[1] for m in merged if m is not None)]
        found = await log.history(store, label, records, start, _first(first))
        return connection(info, found, start, scope)

    merged_too = (
        " A partner's history also holds the events of the partners merged into it (each "
        "names its record in `recordId`)."
        if label == "BusinessPartner"
        else ""
    )
    return strawberry.field(
        resolver=resolve,
        description=f"Every change to this {_noun(label)}, oldest first: who, when, which source "
        f"and each value before and after, steward decisions included.{merged_too}",
    )


@strawberry.type
class ChangeSubscription:
    @strawberry.subscription(
        metadata=needs(Scope.READ),
        description="The change log as it grows: first every event after `after` (from now "
        "when not given), then each new one as it is committed, with no gap between the two.",
    )
    async def changes(
        self,
        info: Info,
        after: str | None = None,
        kinds: list[RecordKind] | None = None,
        actions: list[ChangeAction] | None = None,
        systems: list[str] | None = None,
    ) -> AsyncGenerator[ChangeEvent, None]:
        info.context.require(Scope.READ, "changes")
        feed = info.context.feed
        if feed is None:
            raise BadRequest("this hub serves no subscriptions")
        store = info.context.store
        only = log_filter(kinds, actions, systems)
        start = position(info, after) if after is not None else await log.head(store)
        cursors = _cursors(info)
        every = info.context.settings.subscription_recheck_seconds
        checked = time.monotonic()
        while True:
            if time.monotonic() - checked >= every:
                await _still_allowed(info)
                checked = time.monotonic()
            found = await log.page(store, start, MAX_PAGE, only)
            # `record` is the record now, and a subscription lives long: read it afresh.
            info.context.loaders.forget()
            for row in found.events:
                yield ChangeEvent.from_row(row, cursors)
            start = found.end
            if not found.more:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(every - (time.monotonic() - checked), 0)):
                        await feed.moved_past(start)


async def _still_allowed(info: Info) -> None:
    """Raise when the subscriber's credentials no longer hold (a revoked client, an expired
    token) or no longer allow reading the log."""
    authenticate = info.context.authenticate
    if authenticate is None:
        return
    principal = await authenticate()
    if not principal.allows(Scope.READ):
        raise Forbidden(f"{principal.name} lacks the read scope")
    # Scopes may have changed since the socket opened: personal values follow them.
    info.context.act_as(principal, info.context.store)

"""Rows `hub load` refused, for stewards: listed, corrected and submitted again, or dismissed."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from graph_schema import MODEL
from hub.api.access import needs
from hub.api.context import Info
from hub.api.relay import Node, PageInfo
from hub.api.user_errors import UserError, free_text, user_errors
from hub.auth.principal import Scope
from hub.domain import rejected_rows as decisions
from hub.domain.problems import Problem
from hub.errors import BadRequest
from hub.ids import from_global, to_global
from hub.read import rejected_rows
from hub.read.pagination import MAX_PAGE_SIZE as MAX_PAGE
from hub.read.values import native

Row = dict[str, Any]


@strawberry.enum(description="Where a rejected row stands.")
class RejectedRowStatus(Enum):
    OPEN = strawberry.enum_value("OPEN", description="Waiting for a steward.")
    RESUBMITTED = strawberry.enum_value(
        "RESUBMITTED", description="Corrected by a steward and written."
    )
    DISMISSED = strawberry.enum_value("DISMISSED", description="Dismissed by a steward, with why.")


@strawberry.type(description="One thing wrong with a rejected row.")
class RowError:
    field: list[str] = strawberry.field(description='Path into the row, e.g. ["vin"].')
    code: str = strawberry.field(description="Stable code, as in UserError.")
    message: str = strawberry.field(description="What is wrong, for people.")


@strawberry.type(description="A row a load refused, with where it came from and why.")
class RejectedRow(Node):
    kind: str = strawberry.field(description="The kind it was to be, e.g. BusinessPartner.")
    system: str = strawberry.field(description="The source system the load ran for.")
    file: str = strawberry.field(description="The file it came from.")
    line: int = strawberry.field(description="Its line in that file.")
    raw: str | None = strawberry.field(
        description="The row as the file holds it. It may hold personal data: null unless "
        "the caller holds the `read:personal` scope."
    )
    row: JSON | None = strawberry.field(
        description="The row as read (after a resubmission: as corrected); null when the "
        "line could not be read at all, or without the `read:personal` scope."
    )
    errors: list[RowError] = strawberry.field(description="Why the load refused it.")
    status: RejectedRowStatus = strawberry.field(description="Open, resubmitted or dismissed.")
    rejected_at: dt.datetime = strawberry.field(description="When the load refused it.")
    decided_at: dt.datetime | None = strawberry.field(description="When a steward decided.")
    decided_by: str | None = strawberry.field(description="The client that sent the decision.")
    decided_on_behalf_of: str | None = strawberry.field(
        description="The person that client said it acted for (its X-Hub-User header)."
    )
    reason: str | None = strawberry.field(description="Why it was dismissed.")
    record_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the record the corrected row wrote."
    )

    @classmethod
    def from_row(cls, row: Row, personal: bool = True) -> RejectedRow:
        """The row; without ``personal``, without what the file held."""
        record = row.get("recordId")
        return cls(
            id=strawberry.ID(to_global("RejectedRow", row["id"])),
            kind=row["kind"],
            system=row["system"],
            file=row["file"],
            line=int(row["line"]),
            raw=row["raw"] if personal else None,
            row=json.loads(row["row"]) if row.get("row") and personal else None,
            errors=[
                RowError(field=e["field"], code=e["code"], message=e["message"])
                for e in json.loads(row["errors"] or "[]")
            ],
            status=RejectedRowStatus(row["status"]),
            rejected_at=native(row["rejectedAt"]),
            decided_at=native(row.get("decidedAt")),
            decided_by=row.get("decidedBy"),
            decided_on_behalf_of=row.get("decidedOnBehalfOf"),
            reason=row.get("reason"),
            record_id=strawberry.ID(to_global(row["kind"], record)) if record else None,
        )


@strawberry.type(description="An edge of a page of rejected rows.")
class RejectedRowEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this row.")
    node: RejectedRow = strawberry.field(description="The row.")


@strawberry.type(description="A page of rejected rows, newest first.")
class RejectedRowConnection:
    edges: list[RejectedRowEdge] = strawberry.field(description="The rows of this page.")
    page_info: PageInfo = strawberry.field(description="Where the page stands.")
    only: strawberry.Private[rejected_rows.RowFilter]

    @strawberry.field(description="How many rows the filter finds, on every page.")
    async def total_count(self, info: Info) -> int:
        return await rejected_rows.count(info.context.store, self.only)


@strawberry.input(description="Which rejected rows to list.")
class RejectedRowWhere:
    status: RejectedRowStatus | None = strawberry.field(
        default=RejectedRowStatus.OPEN, description="Of this status (null: any); open first."
    )
    kind: str | None = strawberry.field(default=None, description="e.g. BusinessPartner.")
    system: str | None = strawberry.field(default=None, description="The load's system.")
    file: str | None = strawberry.field(default=None, description="The file, as listed.")


@strawberry.type(description="Result of a steward's decision on a rejected row.")
class RejectedRowPayload:
    rejected_row: RejectedRow | None = strawberry.field(description="The row, as decided.")
    user_errors: list[UserError] = strawberry.field(
        description="Problems with the decision or the corrected row; when present nothing "
        "was written and the row stays open."
    )


def _filter(where: RejectedRowWhere | None) -> rejected_rows.RowFilter:
    if where is None:
        return rejected_rows.RowFilter()
    kind = where.kind
    if kind is not None and kind not in MODEL.golden_labels:
        raise BadRequest(f"where.kind: {kind!r} is not a kind the hub loads")
    return rejected_rows.RowFilter(
        status=where.status.name if where.status else None,
        kind=kind,
        system=where.system.strip().upper() if where.system else None,
        file=where.file,
    )


def _naive_utc(value: dt.datetime) -> dt.datetime:
    """A time as the store keeps it: UTC without an offset."""
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def _position(value: list[Any]) -> rejected_rows.Position:
    try:
        at, row_id = value
        return (_naive_utc(dt.datetime.fromisoformat(at)), str(row_id))
    except (TypeError, ValueError) as exc:
        raise BadRequest("after: not a cursor of this list") from exc


@strawberry.type(description="Rows loads refused.")
class RejectedRowQuery:
    @strawberry.field(
        metadata=needs(Scope.STEWARD),
        description="Rows `hub load` refused, newest first, open ones unless the filter says "
        "otherwise.",
    )
    async def rejected_rows(
        self,
        info: Info,
        where: RejectedRowWhere | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> RejectedRowConnection:
        if not 0 <= first <= MAX_PAGE:
            raise BadRequest(f"first: must be between 0 and {MAX_PAGE}")
        only = _filter(where)
        cursors = info.context.cursors.bound(f"rejectedRows:{only}")
        start = _position(cursors.decode(after, "after")) if after is not None else None
        rows, more = await rejected_rows.page(info.context.store, only, start, first)
        edges = [
            RejectedRowEdge(
                cursor=cursors.encode([native(row["rejectedAt"]).isoformat(), row["id"]]),
                node=RejectedRow.from_row(row, info.context.sees_personal),
            )
            for row in rows
        ]
        return RejectedRowConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=more,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else after,
            ),
            only=only,
        )


def _row_id(id: strawberry.ID) -> str | None:
    decoded = from_global(id)
    return decoded[1] if decoded is not None and decoded[0] == "RejectedRow" else None


def _invalid(id: strawberry.ID) -> Problem:
    return Problem(("id",), "INVALID_ID", f"{id!r} is not a rejected row's ID")


async def _payload(info: Info, row_id: str, problems: list[Problem] | None) -> RejectedRowPayload:
    if problems:
        return RejectedRowPayload(rejected_row=None, user_errors=user_errors(problems))
    row = await rejected_rows.by_id(info.context.store, row_id)
    return RejectedRowPayload(
        rejected_row=RejectedRow.from_row(row, info.context.sees_personal) if row else None,
        user_errors=[],
    )


@strawberry.type(description="Stewards' decisions on rejected rows.")
class RejectedRowMutation:
    @strawberry.mutation(
        metadata=needs(Scope.STEWARD),
        description="Write a corrected row as its load would have (a source without a system "
        "is the load's; the system and key stay the refused row's; needs the write scope for "
        "that system too) and mark the rejected row RESUBMITTED; a row still wrong comes back "
        "with its problems and stays open.",
    )
    async def resubmit_rejected_row(
        self,
        info: Info,
        id: strawberry.ID,
        row: Annotated[JSON, strawberry.argument(description="The corrected row, an object.")],
    ) -> RejectedRowPayload:
        row_id = _row_id(id)
        if row_id is None:
            return await _payload(info, "", [_invalid(id)])
        if not isinstance(row, dict):
            message = "must be an object of the kind's fields"
            return await _payload(info, row_id, [Problem(("row",), "INVALID_VALUE", message)])
        stored = await rejected_rows.by_id(info.context.store, row_id)
        principal = info.context.principal
        if not principal.allows(Scope.WRITE):
            message = "resubmitting writes the row: it needs the write scope besides steward"
            return await _payload(info, row_id, [Problem(("id",), "FORBIDDEN", message)])
        if stored is not None and not principal.writes_for(stored["system"]):
            message = f"this client does not write for {stored['system']}"
            return await _payload(info, row_id, [Problem(("id",), "FORBIDDEN", message)])
        result = await decisions.resubmit(
            info.context.store, row_id, row, info.context.actor, info.context.matcher
        )
        return await _payload(info, row_id, result if isinstance(result, list) else None)

    @strawberry.mutation(
        metadata=needs(Scope.STEWARD),
        description="Close a rejected row without writing it; the reason is kept.",
    )
    async def dismiss_rejected_row(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> RejectedRowPayload:
        row_id = _row_id(id)
        problems = free_text(("reason",), reason)
        if not reason.strip():
            problems.append(Problem(("reason",), "REQUIRED", "say why the row is dismissed"))
        if row_id is None:
            problems.append(_invalid(id))
        if problems or row_id is None:
            return await _payload(info, "", problems)
        refused = await decisions.dismiss(
            info.context.store, row_id, reason.strip(), info.context.actor
        )
        return await _payload(info, row_id, refused)

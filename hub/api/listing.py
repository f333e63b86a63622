"""Lists of records in pages, filtered and ordered: the top-level lists and, given a filter or
an order, the nested ones (a partner's vehicles of one make)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from graphql.pyutils import Path
from strawberry.types.nodes import Selection

from graph_schema import MODEL
from hub.api.context import Info
from hub.api.inputs import to_data
from hub.api.types import Connection, connection, page_request
from hub.auth.principal import Scope
from hub.engine import Compiled, connection_selections, root_projection
from hub.errors import BadRequest
from hub.read import lists
from hub.read.filters import personal_tested
from hub.read.pagination import Page, PageRequest

T = TypeVar("T")
_MEMO_SIZE = 256  # nested lists' queries one context keeps
Row = dict[str, Any]
Below = Callable[[list[Selection]], list[Selection]]


def conditions(info: Info, label: str, where: Any, order: list[tuple[str, str]]) -> Any:
    """A list's filter as data, once the caller may test (and sort by) what it names."""
    given = to_data(where) if where else None
    tested = personal_tested(label, given) | {
        name for name, _ in order if name in MODEL.node(label).personal
    }
    if tested:
        info.context.require(
            Scope.READ_PERSONAL, f"filtering or sorting on {', '.join(sorted(tested))}"
        )
    return given


def _order(order_by: list[Any] | None, default: list[tuple[str, str]]) -> list[tuple[str, str]]:
    named = [o.field.name for o in order_by or []]
    twice = next((name for name in named if named.count(name) > 1), None)
    if twice is not None:  # the second would never decide: a mistake, not an order
        raise BadRequest(f"orderBy: {twice} is named twice; name each field once")
    return [(o.field.value, o.direction.value) for o in order_by or []] or default


def projection(info: Info, label: str, below: Below = connection_selections) -> Compiled:
    """The statement's projection of what the query selects at this field (by default, on
    a list's records)."""
    return root_projection(info, label, below, info.context.settings.read_engine)


async def list_connection(
    info: Info,
    label: str,
    make: Callable[[Row], T],
    where: Any,
    order_by: list[Any] | None,
    default_order: list[tuple[str, str]],
    paging: tuple[int | None, str | None, int | None, str | None],
) -> Connection[T]:
    """One page of ``label``'s records under ``where`` in the order asked for (else
    ``default_order``), with keyset cursors bound to that filter and order."""
    query = _query(info, label, where, order_by, default_order)
    return await _paged(info, query, make, page_request(*paging))


def _query(
    info: Info,
    label: str,
    where: Any,
    order_by: list[Any] | None,
    default_order: list[tuple[str, str]],
    anchor: lists.Anchor | None = None,
) -> lists.ListQuery:
    order = _order(order_by, default_order)
    given = conditions(info, label, where, order)
    shown = projection(info, label)
    return lists.ListQuery(
        label, given, order, info.context.today, shown, info.variable_values, anchor
    )


async def nested_list_connection(
    info: Info,
    label: str,
    make: Callable[[Row], T],
    where: Any,
    order_by: list[Any] | None,
    default_order: list[tuple[str, str]],
    paging: tuple[int | None, str | None, int | None, str | None],
    anchor: lists.Anchor,
) -> Connection[T]:
    """A page of the records related to ``anchor``'s parent, filtered and ordered as the
    top-level list of their kind. The first pages of every parent of a field are read in
    one statement."""
    request = page_request(*paging)
    query = _shared(info, label, where, order_by, default_order, anchor)
    if request.after is not None or request.before is not None:
        # A cursor is one parent's, so its page is read for that parent alone.
        return await _paged(info, dataclasses.replace(query, anchor=anchor), make, request)
    bound = info.context.cursors.bound(query.scope_under(anchor.parent))
    paged, total = await info.context.loaders.listed(query, request).load(anchor.parent)
    rows, positions, has_previous, has_next = paged
    page = Page([make(r) for r in rows], positions, bound, total, has_next, has_previous)
    return connection(page)


def _shared(
    info: Info,
    label: str,
    where: Any,
    order_by: list[Any] | None,
    default_order: list[tuple[str, str]],
    anchor: lists.Anchor,
) -> lists.ListQuery:
    """The nested list's query as every parent of the field shares it, worked out for the
    first (its anchor names that one)."""
    relation = anchor.relation
    # One execution's: a WebSocket's context lives through many (each subscription's
    # events), with other variables and selections at the same place in the response.
    operation, variables = info.operation, info.variable_values
    key = ("nested list", id(operation), id(variables), relation, *_field_path(info.path))
    memo = info.context.memo
    kept = memo.get(key)
    if kept is not None:
        return kept[0]  # type: ignore[no-any-return]
    query = _query(info, label, where, order_by, default_order, anchor)
    if len(memo) >= _MEMO_SIZE:
        memo.clear()  # a long-lived socket's: worked out again when needed
    # Kept with the operation and variables its key names by identity, so that no other
    # execution's can take their ids meanwhile.
    memo[key] = (query, operation, variables)
    return query


def _field_path(path: Path) -> list[tuple[str, str | None]]:
    """Where a field lies in the response, whichever list items lead to it: one field of
    the operation, with one set of arguments."""
    found: list[tuple[str, str | None]] = []
    at: Path | None = path
    while at is not None:
        if isinstance(at.key, str):
            found.append((at.key, at.typename))
        at = at.prev
    return found


async def _paged(
    info: Info, query: lists.ListQuery, make: Callable[[Row], T], request: PageRequest
) -> Connection[T]:
    store = info.context.store
    bound = info.context.cursors.bound(query.scope)
    rows, positions, has_previous, has_next = await lists.page(
        store, query.page_statement, request, bound
    )

    async def count() -> int:
        return await lists.count(store, query)

    page = Page([make(r) for r in rows], positions, bound, None, has_next, has_previous)
    return connection(page, counter=count)

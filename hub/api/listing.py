"""Lists of records in pages, filtered and ordered: the top-level lists and, given a filter or
an order, the nested ones (a partner's vehicles of one make)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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
from hub.read.pagination import Page

T = TypeVar("T")
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
    anchor: lists.Anchor | None = None,
) -> Connection[T]:
    """One page of ``label``'s records under ``where`` in the order asked for (else
    ``default_order``), with keyset cursors bound to that filter and order; with ``anchor``,
    of the records related to one parent."""
    request = page_request(*paging)
    order = _order(order_by, default_order)
    query = lists.ListQuery(
        label,
        conditions(info, label, where, order),
        order,
        info.context.today,
        projection(info, label),
        info.variable_values,
        anchor,
    )
    store = info.context.store
    bound = info.context.cursors.bound(query.scope)
    rows, positions, has_previous, has_next = await lists.page(
        store, query.page_statement, request, bound
    )

    async def count() -> int:
        return await lists.count(store, query)

    page = Page([make(r) for r in rows], positions, bound, None, has_next, has_previous)
    return connection(page, counter=count)

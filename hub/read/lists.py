"""Top-level lists: filter, order, one window of rows, and the total when asked for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from graph_schema import MODEL, PropertyType
from graph_schema.model import sort_key_of
from hub.read import cursors
from hub.read.cursors import BoundCursors
from hub.read.filters import DELETED, Compiler, Filter, names, value_of
from hub.read.keyset import SortKey, beyond, ordering, position_of
from hub.read.pagination import Bounds, PageRequest
from hub.read.projection import projection
from hub.read.relations import Relation
from hub.store import Store

Order = list[tuple[str, str]]  # (property, "ASC" | "DESC")

# Records merged into another stay resolvable by id but are no longer listed.
MERGED_AWAY = {"BusinessPartner": "x.mergedInto IS NULL"}


class Shown(Protocol):
    """What a list returns of each record: a projection of ``x`` and the parameters it
    needs for the request's variables (the read engine's compiled selection)."""

    @property
    def text(self) -> str: ...

    def params(self, variables: Mapping[str, Any]) -> dict[str, int]: ...


@dataclass(frozen=True)
class Anchor:
    """The parent whose related records a nested list lists: the relation and the parent's
    key."""

    relation: Relation
    parent: str

    def match(self) -> str:
        relation = self.relation
        # A record reached twice (a contract through two of its items) is listed once.
        return (
            f"MATCH (p:{relation.parent} {{{relation.parent_key}: $parent}}) "
            f"MATCH {relation.path('p', 'x', 'r')} WITH DISTINCT x"
        )


@dataclass(frozen=True)
class ListQuery:
    label: str
    where: Filter | None
    order: Order
    today: dt.date
    shown: Shown | None = None  # the projection of x; the label's properties when None
    variables: Mapping[str, Any] = field(default_factory=dict)  # the request's, for its caps
    anchor: Anchor | None = None  # a nested list: the records related to one parent

    @property
    def scope(self) -> str:
        """What a cursor of this list is bound to (``where: {}`` filters nothing, as no
        ``where`` does); a nested list's, also to its relation and parent."""
        if self.anchor is None:
            return cursors.scope(self.label, self.order, self.where or None)
        relation = self.anchor.relation
        nested = (relation.parent, relation.pattern, self.anchor.parent)
        return cursors.scope(self.label, self.order, self.where or None, *nested)

    @property
    def keys(self) -> list[SortKey]:
        node = MODEL.node(self.label)
        keys = []
        for name, direction in self.order:
            prop = node.prop(name)
            # A collated text sorts by its sort key, which both stores order alike.
            stored = sort_key_of(name) if prop.collated else name
            keys.append(SortKey(f"x.{stored}", direction == "DESC", not prop.required))
        return [*keys, SortKey("x.id", nullable=False)]

    def _match(self, compiler: Compiler) -> str:
        predicate = compiler.compile(self.label, self.where, "x")
        live = [MERGED_AWAY.get(self.label)]
        # A nested list leaves deleted records out where its relation does (a partner's
        # vehicles), not where the parent's own delivery names them (a project's).
        listed = self.anchor is None or self.anchor.relation.live
        if listed and not names(self.where, DELETED):
            live.append(f"x.{DELETED} IS NULL")
        start = f"MATCH (x:{self.label})" if self.anchor is None else self.anchor.match()
        return f"{start} WHERE {' AND '.join(filter(None, [*live, f'({predicate})']))}"

    def _params(self, compiler: Compiler) -> dict[str, Any]:
        params = {**compiler.params, "today": self.today}
        if self.anchor is not None:
            params["parent"] = self.anchor.parent
        return params

    def page_statement(self, bounds: Bounds, backwards: bool) -> tuple[str, dict[str, Any]]:
        """The rows within ``bounds``, from the end when ``backwards``; up to ``$limit``."""
        compiler = Compiler()
        match = self._match(compiler)
        keys = self.keys
        for position, later in ((bounds.after, True), (bounds.before, False)):
            if position is not None:
                match += f" AND {beyond(keys, position, later, compiler)}"
        params = self._params(compiler)
        shown = self.shown.text if self.shown else projection(self.label)
        if self.shown:
            params.update(self.shown.params(self.variables))
        return (
            f"{match} WITH x ORDER BY {ordering(keys, backwards)} LIMIT $limit "
            f"RETURN {shown} AS row, {position_of(keys)} AS position",
            params,
        )

    def facet_statement(self, prop: str) -> tuple[str, dict[str, Any]]:
        """How many of the listed records have each value of ``prop`` (each item of a
        list; null for none), most frequent first; up to ``$top`` values."""
        compiler = Compiler()
        match = self._match(compiler)
        value = value_of(self.label, prop, "x")
        if MODEL.node(self.label).prop(prop).type is PropertyType.STRING_LIST:
            # A record with an empty list counts under null, as one without a value does.
            items = f"CASE WHEN size(coalesce({value}, [])) = 0 THEN [null] ELSE {value} END"
            match, value = f"{match} UNWIND {items} AS item", "item"
        return (
            f"{match} RETURN {value} AS value, count(*) AS count "
            "ORDER BY count DESC, value LIMIT $top",
            self._params(compiler),
        )

    def count_statement(self) -> tuple[str, dict[str, Any]]:
        compiler = Compiler()
        match = self._match(compiler)
        return f"{match} RETURN count(x) AS total", self._params(compiler)


Statement = Callable[[Bounds, bool], tuple[str, dict[str, Any]]]


async def page(
    store: Store, statement_for: Statement, request: PageRequest, cursors: BoundCursors
) -> tuple[list[dict[str, Any]], list[list[Any]], bool, bool]:
    """One page of rows, their positions, and whether rows lie before and after it.

    ``statement_for(bounds, backwards)`` reads the rows within the bounds in list order (from
    the end when backwards), up to ``$limit``, as ``row`` and ``position``.
    """
    statement, params = statement_for(Bounds.of(request, cursors), request.backwards)
    found = await store.query(statement, {**params, "limit": request.size + 1})
    more = len(found) > request.size
    found = found[: request.size]
    if request.backwards:
        found.reverse()
        has_previous, has_next = more, request.before is not None
    else:
        has_previous, has_next = request.after is not None, more
    return [r["row"] for r in found], [r["position"] for r in found], has_previous, has_next


async def count(store: Store, query: ListQuery) -> int:
    statement, params = query.count_statement()
    (row,) = await store.query(statement, params)
    return int(row["total"])


async def facet(store: Store, query: ListQuery, prop: str, top: int) -> list[tuple[Any, int]]:
    statement, params = query.facet_statement(prop)
    found = await store.query(statement, {**params, "top": top})
    return [(row["value"], int(row["count"])) for row in found]

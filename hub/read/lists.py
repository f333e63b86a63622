"""Top-level lists: filter, order, one window of rows, and the total when asked for."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Hashable, Mapping
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

    def match(self, batched: bool = False) -> str:
        """The related records of ``$parent``; ``batched``, of each parent ``k`` of
        ``$parents``."""
        relation = self.relation
        start = "UNWIND $parents AS k " if batched else ""
        key, carried = ("k", "k, x") if batched else ("$parent", "x")
        # A record reached twice (a contract through two of its items) is listed once.
        return (
            f"{start}MATCH (p:{relation.parent} {{{relation.parent_key}: {key}}}) "
            f"MATCH {relation.path('p', 'x', 'r')} WITH DISTINCT {carried}"
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
        return self.scope_under(self.anchor.parent)

    @functools.cached_property
    def scope_under(self) -> Callable[[str], str]:
        """The scope of this nested list under each parent."""
        assert self.anchor is not None, "only a nested list has parents"
        relation = self.anchor.relation
        return cursors.scopes(
            self.label, self.order, self.where or None, relation.parent, relation.pattern
        )

    @functools.cached_property
    def siblings(self) -> Hashable:
        """What the same nested list under other parents of one request shares: one
        statement reads it for all of them."""
        assert self.anchor is not None, "only a nested list has siblings"
        where = json.dumps(self.where, sort_keys=True, default=str)
        shown, caps = self._shown()
        # The projection's parameters too: two lists that page what they show below each
        # record differently (contracts(first: 1) and contracts(first: 3)) read apart.
        return (
            self.anchor.relation,
            where,
            tuple(self.order),
            self.today,
            shown,
            *sorted(caps.items()),
        )

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

    def _match(self, compiler: Compiler, batched: bool = False) -> str:
        predicate = compiler.compile(self.label, self.where, "x")
        live = [MERGED_AWAY.get(self.label)]
        # A nested list leaves deleted records out where its relation does (a partner's
        # vehicles), not where the parent's own delivery names them (a project's).
        listed = self.anchor is None or self.anchor.relation.live
        if listed and not names(self.where, DELETED):
            live.append(f"x.{DELETED} IS NULL")
        start = f"MATCH (x:{self.label})" if self.anchor is None else self.anchor.match(batched)
        return f"{start} WHERE {' AND '.join(filter(None, [*live, f'({predicate})']))}"

    def _params(self, compiler: Compiler) -> dict[str, Any]:
        params = {**compiler.params, "today": self.today}
        if self.anchor is not None:
            params["parent"] = self.anchor.parent
        return params

    def _shown(self) -> tuple[str, dict[str, int]]:
        """The projection of ``x`` and the parameters it takes."""
        if self.shown is None:
            return projection(self.label), {}
        return self.shown.text, self.shown.params(self.variables)

    def page_statement(self, bounds: Bounds, backwards: bool) -> tuple[str, dict[str, Any]]:
        """The rows within ``bounds``, from the end when ``backwards``; up to ``$limit``."""
        compiler = Compiler()
        match = self._match(compiler)
        keys = self.keys
        for position, later in ((bounds.after, True), (bounds.before, False)):
            if position is not None:
                match += f" AND {beyond(keys, position, later, compiler)}"
        shown, caps = self._shown()
        params = {**self._params(compiler), **caps}
        return (
            f"{match} WITH x ORDER BY {ordering(keys, backwards)} LIMIT $limit "
            f"RETURN {shown} AS row, {position_of(keys)} AS position",
            params,
        )

    def batch_statement(self, backwards: bool) -> tuple[str, dict[str, Any]]:
        """For a nested list, the first ``$limit`` rows (the last when ``backwards``) related
        to each parent ``k`` of ``$parents`` as a ``page`` of ``[row, position]`` pairs, with
        the ``total`` related to it; a parent with none has no row."""
        assert self.anchor is not None, "only a nested list has parents"
        compiler = Compiler()
        match = self._match(compiler, batched=True)
        keys = self.keys
        shown, caps = self._shown()
        params = {k: v for k, v in self._params(compiler).items() if k != "parent"} | caps
        # Only the page is projected: a fleet's thousands of vehicles are counted, not shown.
        # One row per parent: the driver's cost is mostly per row. Pairs, not maps: ArcadeDB
        # answers a map holding a map projection with the projection alone.
        return (
            f"{match} WITH k, x ORDER BY {ordering(keys, backwards)} "
            "WITH k, collect(x) AS xs "
            "RETURN k, size(xs) AS total, "
            f"[x IN xs[0..$limit] | [{shown}, {position_of(keys)}]] AS page",
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
# A page's rows, their positions, and whether rows lie before and after it.
Paged = tuple[list[dict[str, Any]], list[list[Any]], bool, bool]


async def page(
    store: Store, statement_for: Statement, request: PageRequest, cursors: BoundCursors
) -> Paged:
    """One page of rows, their positions, and whether rows lie before and after it.

    ``statement_for(bounds, backwards)`` reads the rows within the bounds in list order (from
    the end when backwards), up to ``$limit``, as ``row`` and ``position``.
    """
    statement, params = statement_for(Bounds.of(request, cursors), request.backwards)
    found = await store.query(statement, {**params, "limit": request.size + 1})
    return _paged([(r["row"], r["position"]) for r in found], request)


def _paged(found: list[Any], request: PageRequest) -> Paged:
    """Rows read one beyond the page (in list order, from the end when backwards), each a
    pair of row and position: the page's rows, their positions, and whether rows lie before
    and after it."""
    more = len(found) > request.size
    found = found[: request.size]
    if request.backwards:
        found.reverse()
        has_previous, has_next = more, request.before is not None
    else:
        has_previous, has_next = request.after is not None, more
    return [r[0] for r in found], [r[1] for r in found], has_previous, has_next


async def pages(
    store: Store, query: ListQuery, parents: list[str], request: PageRequest
) -> list[tuple[Paged, int]]:
    """The first page of a nested list (no cursor given) for each of ``parents``, and the
    total related to each, in one statement."""
    assert request.after is None and request.before is None, "a cursor is one parent's"
    statement, params = query.batch_statement(request.backwards)
    found = await store.query(statement, {**params, "parents": parents, "limit": request.size + 1})
    read = {row["k"]: (row["page"], int(row["total"])) for row in found}
    none: tuple[list[dict[str, Any]], int] = ([], 0)
    return [
        (_paged(page, request), total)
        for page, total in (read.get(parent, none) for parent in parents)
    ]


async def count(store: Store, query: ListQuery) -> int:
    statement, params = query.count_statement()
    (row,) = await store.query(statement, params)
    return int(row["total"])


async def facet(store: Store, query: ListQuery, prop: str, top: int) -> list[tuple[Any, int]]:
    statement, params = query.facet_statement(prop)
    found = await store.query(statement, {**params, "top": top})
    return [(row["value"], int(row["count"])) for row in found]

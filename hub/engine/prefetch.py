"""A GraphQL selection compiled into one Cypher projection.

A root field (a lookup or a list) reads its records together with every related record the
query selects below it, as nested pattern comprehensions in a single statement. Related rows
arrive unordered; :class:`~hub.read.relations.Relation` sorts and windows them in Python, so
a parent's rows can stand in for a database read only when all of them arrived.

How many rows of one parent a comprehension takes is capped: a list at ``CAP`` + 1, the
first page of a connection just past its end (``first``, at most ``CAP``) + 1, any other
page (after or before a cursor, or from the end) at ``CAP`` + 1, since its rows are found by
position among all of them. A parent with more rows than that is left to the batched
per-level read. The caps keep what one statement reads in step with the
pages a query asks for, level by level: without them, a page of one vehicle of a fleet
customer would read all its vehicles, and each of their owners' again, multiplying the fleet's
size at every level. The page sizes may come from variables, so the caps travel as
parameters computed for each request (:meth:`Compiled.params`).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeGuard

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from hub.read.pagination import PageRequest, PaginationError
from hub.read.projection import narrowed
from hub.read.relations import RELATIONS, SOURCES, Relation

PREFETCHED = "__pre_"
CAP = 500

Row = dict[str, Any]


@dataclass(frozen=True)
class Variable:
    """An argument given by a GraphQL variable: its value is the request's."""

    name: str


@dataclass(frozen=True)
class Paging:
    """A connection's paging arguments as the query spells them (values or variables)."""

    first: Any = None
    after: Any = None
    last: Any = None
    before: Any = None

    @classmethod
    def of(cls, field: SelectedField) -> Paging:
        arguments = field.arguments
        return cls(*(arguments.get(name) for name in ("first", "after", "last", "before")))

    @property
    def varies(self) -> bool:
        """Whether a variable gives one of the arguments."""
        return any(
            isinstance(v, Variable) for v in (self.first, self.after, self.last, self.before)
        )

    def cap(self, variables: Mapping[str, Any]) -> int:
        """How many rows of one parent to read for this request's page."""

        def value(given: Any, number: bool = False) -> Any:
            if isinstance(given, Variable):
                return variables.get(given.name)
            # A literal as the query spells it: an Int is its digits.
            if number and isinstance(given, str) and given.removeprefix("-").isdigit():
                return int(given)
            return given

        request = PageRequest(
            value(self.first, True), value(self.after), value(self.last, True), value(self.before)
        )
        try:
            request.validate()
            if not request.from_start:
                return CAP + 1  # a page after a cursor, or from the end, needs every row
            size = request.size
        except (PaginationError, TypeError, AttributeError):
            return CAP + 1  # the connection's resolver reports what is wrong
        return min(CAP, size) + 1


@dataclass(frozen=True)
class Compiled:
    """A root field's projection and the caps of its connections' rows, by parameter: those
    the query spells out, worked out once, and those its variables give."""

    text: str
    caps: tuple[tuple[str, Paging], ...] = ()
    fixed: dict[str, int] = dataclasses.field(init=False)
    varying: tuple[tuple[str, Paging], ...] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        varying = tuple((name, paging) for name, paging in self.caps if paging.varies)
        fixed = {name: paging.cap({}) for name, paging in self.caps if not paging.varies}
        object.__setattr__(self, "varying", varying)
        object.__setattr__(self, "fixed", fixed)

    def params(self, variables: Mapping[str, Any]) -> dict[str, int]:
        if not self.varying:
            return self.fixed
        return {**self.fixed, **{name: p.cap(variables) for name, p in self.varying}}


def _fields(selections: Sequence[Selection], type_name: str) -> Iterator[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, InlineFragment | FragmentSpread) and (
            selection.type_condition in (None, type_name, "Node")
        ):
            yield from _fields(selection.selections, type_name)


def _every_field(selections: Sequence[Selection]) -> Iterator[SelectedField]:
    """Fields through every fragment: for a connection or an edge, which has one type."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:
            yield from _every_field(selection.selections)


def selections_of(fields: Sequence[Selection]) -> list[Selection]:
    """What a field selects, over every place the query selects it (GraphQL merges them)."""
    return [selection for field in _every_field(fields) for selection in field.selections]


def connection_selections(fields: Sequence[Selection]) -> list[Selection]:
    """What a connection field selects on its nodes, over every place it is selected."""
    return [selection for field in _every_field(fields) for selection in _child(field)]


def _child(field: SelectedField) -> Sequence[Selection]:
    """Selections on the related record: below every edges.node for a connection."""
    below = [
        selection
        for edges in _every_field(field.selections)
        if edges.name == "edges"
        for node in _every_field(edges.selections)
        if node.name == "node"
        for selection in node.selections
    ]
    return below or field.selections


@cache
def _related_fields(label: str) -> frozenset[str]:
    """Fields of ``label`` that read related records rather than its own properties."""
    names = {name for parent, name in RELATIONS if parent == label}
    return frozenset(names | {"sources"} if label in SOURCES else names)


def _shown(label: str, var: str, selections: Sequence[Selection], also: tuple[str, ...]) -> str:
    """The projection of what is selected on ``var`` (and the properties in ``also``)."""
    names = [field.name for field in _fields(selections, label)]
    return narrowed(label, var, [*names, *also], _related_fields(label))


def _relation(label: str, name: str) -> Relation | None:
    relation = SOURCES.get(label) if name == "sources" else RELATIONS.get((label, name))
    return relation if relation is not None and relation.prefetch else None


class _Names:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def fresh(self) -> tuple[str, str]:
        n = next(self._counter)
        return f"n{n}", f"r{n}"


def _nested(
    label: str,
    var: str,
    selections: Sequence[Selection],
    names: _Names,
    caps: list[tuple[str, Paging]],
) -> str:
    """```__pre_alias`: [...]`` entries for the relations selected on ``var``; the caps of
    connections' rows are added to ``caps``.

    Flat entries rather than one nested map: ArcadeDB evaluates a pattern comprehension inside
    a map literal within a projection to null.
    """
    # A response key selected in several places is one field (GraphQL merges them).
    by_key: dict[str, list[SelectedField]] = {}
    for field in _fields(selections, label):
        if _relation(label, field.name) is not None and not _filtered(field):
            by_key.setdefault(field.alias or field.name, []).append(field)
    entries = []
    for key, fields in by_key.items():
        relation = _relation(label, fields[0].name)
        assert relation is not None
        related, rel = names.fresh()
        child = connection_selections(fields)
        inner = _nested(relation.target, related, child, names, caps)
        base = _shown(relation.target, related, child, relation.sorted_by)
        shown = relation.shown(related, rel, inner, base)
        cap = str(CAP + 1)
        if relation.paged:
            cap = f"$cap_{related}"
            caps.append((cap[1:], Paging.of(fields[0])))
        capped = _capped(relation, var, related, rel, shown, cap, bool(inner))
        entries.append(f"`{PREFETCHED}{key}`: {capped}")
    return ", ".join(entries)


def _filtered(field: SelectedField) -> bool:
    """Whether a connection is asked for a filter or an order of its own: its resolver reads
    it with them (the parent's rows would be all of them, in the relation's order). An empty
    one (``where: {}``, ``where: {make: null}``, ``orderBy: []``) asks for nothing, as the
    resolver sees it."""
    where = field.arguments.get("where")
    given = isinstance(where, dict) and any(value is not None for value in where.values())
    return given or bool(field.arguments.get("orderBy"))


def _capped(
    relation: Relation, parent: str, related: str, rel: str, shown: str, cap: str, deep: bool
) -> str:
    """The related records' projections, at most ``cap`` of them.

    A list is built whole before it is sliced. When something is read below the related
    records (``deep``), they are taken first and sliced, and only those kept are projected:
    otherwise every related record's own relations would be read, and the slice would only
    drop them afterwards. Records with nothing below are projected and sliced in one go,
    which costs the database less.
    """
    # A relationship's values are projected with the record (a party's role): in one go.
    if not deep or relation.carry != "x":
        return f"[{relation.matched(parent, related, rel)} | {shown}][0..{cap}]"
    taken = f"t{related}"
    return f"[{related} IN [{relation.matched(parent, taken, rel)} | {taken}][0..{cap}] | {shown}]"


def compiled_projection(label: str, var: str, selections: Sequence[Selection]) -> Compiled:
    """The projection of ``var`` with everything selected below it read in the same statement."""
    caps: list[tuple[str, Paging]] = []
    inner = _nested(label, var, selections, _Names(), caps)
    shown = _shown(label, var, selections, ())
    return Compiled(shown[:-1] + f", {inner}}}" if inner else shown, tuple(caps))


class Prefetched:
    """What was read with a row, by the response key of the field that selected it.

    Looked up in the row itself when asked: most records (the leaves of a query) are never
    asked, and cost nothing.
    """

    __slots__ = ("_row",)

    def __init__(self, row: Row) -> None:
        self._row = row

    def get(self, key: str) -> list[Row] | None:
        rows: list[Row] | None = self._row.get(PREFETCHED + key)
        return rows


def prefetched(row: Row) -> Prefetched:
    """What was read with ``row``."""
    return Prefetched(row)


def usable(rows: list[Row] | None, page_end: int | None = None) -> TypeGuard[list[Row]]:
    """Prefetched rows can stand in for a database read unless the cap cut them short: for
    a page of a connection ending at ``page_end``, the cap was just past it."""
    limit = CAP if page_end is None else min(CAP, page_end)
    return rows is not None and len(rows) <= limit

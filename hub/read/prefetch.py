"""A GraphQL selection compiled into one Cypher projection.

A root field (a lookup or a list) reads its records together with every related record the
query selects below it, as nested pattern comprehensions in a single statement. Related rows
arrive unordered; :class:`~hub.read.relations.Relation` sorts and windows them in Python. A
relation with more than ``CAP`` rows for one parent is left to the batched per-level read,
which orders and pages inside the database.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any, TypeGuard

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from hub.read.projection import narrowed
from hub.read.relations import RELATIONS, SOURCES, Relation

PREFETCHED = "__pre_"
CAP = 500

Row = dict[str, Any]


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


def _nested(label: str, var: str, selections: Sequence[Selection], names: _Names) -> str:
    """```__pre_alias`: [...]`` entries for the relations selected on ``var``.

    Flat entries rather than one nested map: ArcadeDB evaluates a pattern comprehension inside
    a map literal within a projection to null.
    """
    # A response key selected in several places is one field (GraphQL merges them).
    by_key: dict[str, list[SelectedField]] = {}
    for field in _fields(selections, label):
        if _relation(label, field.name) is not None:
            by_key.setdefault(field.alias or field.name, []).append(field)
    entries = []
    for key, fields in by_key.items():
        relation = _relation(label, fields[0].name)
        assert relation is not None
        related, rel = names.fresh()
        child = connection_selections(fields)
        inner = _nested(relation.target, related, child, names)
        base = _shown(relation.target, related, child, relation.sorted_by)
        shown = relation.shown(related, rel, inner, base)
        path = relation.path(var, related, rel)
        entries.append(f"`{PREFETCHED}{key}`: [{path} | {shown}][0..{CAP + 1}]")
    return ", ".join(entries)


def compiled_projection(label: str, var: str, selections: Sequence[Selection]) -> str:
    """The projection of ``var`` with everything selected below it read in the same statement."""
    inner = _nested(label, var, selections, _Names())
    shown = _shown(label, var, selections, ())
    return shown[:-1] + f", {inner}}}" if inner else shown


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


def usable(rows: list[Row] | None) -> TypeGuard[list[Row]]:
    """Prefetched rows can stand in for a database read unless the cap cut them short."""
    return rows is not None and len(rows) <= CAP

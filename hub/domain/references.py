"""References from one record to another: by hub id, natural key or a source system's key.

Inputs carry :class:`Ref` placeholders where a reference stands; :func:`resolve` replaces
them, for a whole batch at once, with :class:`Target` values or reports a Problem per row.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from graph_schema import MODEL
from hub.domain.problems import (
    AMBIGUOUS_REFERENCE,
    INVALID_ID,
    INVALID_REFERENCE,
    NOT_FOUND,
    Path,
    Problem,
    a,
)
from hub.ids import from_global
from hub.store import Transaction


@dataclass(frozen=True)
class Ref:
    """An unresolved reference. ``label`` None means any kind of record (documents' about)."""

    label: str | None
    path: Path
    id: str | None = None
    natural: tuple[tuple[str, str], ...] = ()
    system: str | None = None
    key: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    through: str | None = None  # ``natural`` is the key of one of its parts of this label

    def ways(self) -> int:
        return sum((self.id is not None, bool(self.natural), self.system is not None))


@dataclass(frozen=True)
class Target:
    """A resolved reference, plus properties for the relationship (a party's role)."""

    label: str
    id: str
    properties: tuple[tuple[str, str], ...] = field(default=())
    deleted: bool = False  # no live source holds it (see DeletedTarget)

    def as_state(self) -> dict[str, Any]:
        return {"label": self.label, "id": self.id, **dict(self.properties)}


def _walk(value: Any, found: list[Ref]) -> None:
    if isinstance(value, Ref):
        found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk(item, found)


def _replace(value: Any, resolved: dict[int, Target]) -> Any:
    if isinstance(value, Ref):
        return resolved[id(value)].as_state()
    if isinstance(value, dict):
        return {k: _replace(v, resolved) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, resolved) for v in value]
    return value


def refs_in(value: Any) -> list[Ref]:
    found: list[Ref] = []
    _walk(value, found)
    return found


def _shape_problem(ref: Ref) -> Problem | None:
    if ref.ways() != 1:
        return Problem(
            ref.path,
            INVALID_REFERENCE,
            "give exactly one of id, a natural key or source to refer to a record",
        )
    if ref.id is not None:
        # An argument named id is its own path (blockIdentificationObject(id:)).
        where = ref.path if ref.path[-1:] == ("id",) else (*ref.path, "id")
        decoded = from_global(ref.id)
        if decoded is None:
            return Problem(where, INVALID_ID, f"{ref.id!r} is not an ID of this hub")
        if ref.label is not None and decoded[0] != ref.label:
            return Problem(where, NOT_FOUND, f"{ref.id!r} is {a(decoded[0])}, not {a(ref.label)}")
    return None


# A reference of a known kind finds its source record through the unique (entity, system,
# key) index; one of any kind (a document's about) looks at every kind's.
_BY_KIND = """
UNWIND $refs AS r
MATCH (s:SourceRecord {entity: r.label, system: r.system, key: r.key})-[:SOURCE_OF]->(g)
RETURN collect({i: r.i, label: r.label, id: g.id, element: elementId(g),
                former: s.formerGolden, deleted: g.deletedAt IS NOT NULL}) AS rows
"""
_ANY_KIND = """
UNWIND $refs AS r
MATCH (s:SourceRecord {system: r.system, key: r.key})-[:SOURCE_OF]->(g)
RETURN collect({i: r.i, label: s.entity, id: g.id, element: elementId(g),
                former: s.formerGolden, deleted: g.deletedAt IS NOT NULL}) AS rows
"""
_STILL_MERGED = (
    "UNWIND $ids AS id MATCH (f:BusinessPartner {id: id}) WHERE f.mergedInto IS NOT NULL "
    "RETURN f.id AS id"
)


async def _as_named(tx: Transaction, rows: list[dict[str, Any]]) -> None:
    """A source key of a partner merged into another names that partner: the relationship
    goes to the survivor meanwhile and comes back to the partner when it is un-merged. (A
    source key split out of a merge feeds its own partner again.)"""
    formers = sorted({row["former"] for row in rows if row.get("former")})
    if not formers:
        return
    merged = {r["id"] for r in await tx.run(_STILL_MERGED, {"ids": formers})}
    for row in rows:
        if row.get("former") in merged:
            row["id"], row["element"] = row["former"], None


async def _by_id(tx: Transaction, refs: list[tuple[int, Ref]]) -> dict[int, list[Target]]:
    by_label: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for index, ref in refs:
        decoded = from_global(ref.id or "")
        assert decoded is not None
        by_label[decoded[0]].append((index, decoded[1]))
    found: dict[int, list[Target]] = {}
    for label, items in by_label.items():
        rows = await tx.collected(
            # A partner merged into another is referred to as the one it was merged into.
            f"UNWIND $refs AS r MATCH (g:{label} {{id: r.id}}) "
            "RETURN collect({i: r.i, id: coalesce(g.mergedInto, g.id), "
            "element: CASE WHEN g.mergedInto IS NULL THEN elementId(g) END, "
            "deleted: g.mergedInto IS NULL AND g.deletedAt IS NOT NULL}) AS rows",
            {"refs": [{"i": i, "id": hub_id} for i, hub_id in items]},
        )
        tx.remember(rows)
        for row in rows:
            found[row["i"]] = [Target(label, row["id"], deleted=row["deleted"])]
    return found


def _match(label: str, keys: tuple[str, ...], through: str | None) -> str:
    """The pattern that finds a record ``g`` of ``label`` by ``keys`` of its own, or of one
    of its parts of the label ``through`` (a contract by an item's UIID)."""
    match = ", ".join(f"{k}: r.{k}" for k in keys)
    if through is None:
        return f"(g:{label} {{{match}}})"
    (rel,) = (r for r in MODEL.relationships if r.part and (r.source, r.target) == (label, through))
    return f"(:{through} {{{match}}})<-[:{rel.type}]-(g:{label})"


async def _by_natural_key(tx: Transaction, refs: list[tuple[int, Ref]]) -> dict[int, list[Target]]:
    groups: dict[tuple[str, tuple[str, ...], str | None], list[tuple[int, Ref]]]
    groups = defaultdict(list)
    for index, ref in refs:
        assert ref.label is not None
        groups[(ref.label, tuple(k for k, _ in ref.natural), ref.through)].append((index, ref))
    found: dict[int, list[Target]] = {}
    for (label, keys, through), items in groups.items():
        rows = await tx.collected(
            f"UNWIND $refs AS r MATCH {_match(label, keys, through)} "
            "RETURN collect({i: r.i, id: g.id, element: elementId(g), "
            "deleted: g.deletedAt IS NOT NULL}) AS rows",
            {"refs": [{"i": i, **dict(ref.natural)} for i, ref in items]},
        )
        tx.remember(rows)
        for row in rows:
            found[row["i"]] = [Target(label, row["id"], deleted=row["deleted"])]
    return found


async def _by_source(
    tx: Transaction, refs: list[tuple[int, Ref]], links: bool = False
) -> dict[int, list[Target]]:
    found: dict[int, list[Target]] = defaultdict(list)
    for statement, group in (
        (_BY_KIND, [(i, r) for i, r in refs if r.label is not None]),
        (_ANY_KIND, [(i, r) for i, r in refs if r.label is None]),
    ):
        if not group:
            continue
        rows = await tx.collected(
            statement,
            {
                "refs": [
                    {"i": i, "label": ref.label, "system": ref.system, "key": ref.key}
                    for i, ref in group
                ]
            },
        )
        if links:
            await _as_named(tx, rows)
        tx.remember(rows)
        for row in rows:
            found[row["i"]].append(Target(row["label"], row["id"], deleted=row["deleted"]))
    return found


LookUp = Callable[[Transaction, list[tuple[int, Ref]]], Awaitable[dict[int, list[Target]]]]


async def _each_once(
    tx: Transaction, look_up: LookUp, refs: list[tuple[int, Ref]]
) -> dict[int, list[Target]]:
    """``look_up`` for each record named, once: in a batch of vehicles half the references
    name a dealer or an owner named before, and every lookup is an index seek and a hop."""
    first: dict[tuple[Any, ...], int] = {}
    repeats: dict[int, list[int]] = defaultdict(list)
    distinct = []
    for index, ref in refs:
        named = (ref.label, ref.id, ref.natural, ref.through, ref.system, ref.key)
        if named in first:
            repeats[first[named]].append(index)
        else:
            first[named] = index
            distinct.append((index, ref))
    found = await look_up(tx, distinct)
    for index, others in repeats.items():
        if index in found:
            for other in others:
                found[other] = found[index]
    return found


@dataclass(frozen=True)
class DeletedTarget:
    """A reference of the ``row``-th value that names a deleted record: a record that
    already points at it may keep doing so, a new link to it is refused by the caller."""

    row: int
    target: Target
    path: Path
    named: str

    def problem(self) -> Problem:
        return Problem(
            self.path,
            NOT_FOUND,
            f"the {self.target.label} {self.named} was deleted; a new link may not name it",
        )


async def resolve(
    tx: Transaction, values: list[Any], deleted: list[DeletedTarget] | None = None
) -> list[tuple[Any, list[Problem]]]:
    """Resolve every Ref inside each of ``values``; return each with its problems.

    With ``deleted`` the references make links: those to deleted records are listed there,
    and a source key of a partner merged into another names that partner (the link goes to
    the survivor and comes back on an un-merge). Without it, a source key names the record
    it feeds now (a steward naming partners to merge)."""
    per_value = [refs_in(v) for v in values]
    problems: list[list[Problem]] = [[] for _ in values]
    pending: dict[str, list[tuple[int, Ref]]] = defaultdict(list)
    owner: dict[int, int] = {}
    flat: list[Ref] = []
    for row, refs in enumerate(per_value):
        for ref in refs:
            shape = _shape_problem(ref)
            if shape:
                problems[row].append(shape)
                continue
            index = len(flat)
            flat.append(ref)
            owner[index] = row
            way = "id" if ref.id is not None else "natural" if ref.natural else "source"
            pending[way].append((index, ref))
    hits: dict[int, list[Target]] = {}
    by_source = functools.partial(_by_source, links=deleted is not None)
    for way, look_up in (("id", _by_id), ("natural", _by_natural_key), ("source", by_source)):
        if pending[way]:
            hits.update(await _each_once(tx, look_up, pending[way]))
    resolved: dict[int, Target] = {}
    for index, ref in enumerate(flat):
        judged = _judge(ref, hits.get(index, []))
        if isinstance(judged, Problem):
            problems[owner[index]].append(judged)
        else:
            resolved[id(ref)] = judged
            if judged.deleted and deleted is not None:
                deleted.append(DeletedTarget(owner[index], judged, ref.path, _describe(ref)))
    results = []
    for row, value in enumerate(values):
        if problems[row]:
            results.append((value, problems[row]))
        else:
            results.append((_replace(value, resolved), []))
    return results


def _judge(ref: Ref, targets: list[Target]) -> Target | Problem:
    if not targets and ref.through is not None:
        return Problem(
            ref.path, NOT_FOUND, f"no {ref.label} has a {ref.through} with {_describe(ref)}"
        )
    if not targets:
        return Problem(ref.path, NOT_FOUND, f"no {ref.label or 'record'} matches {_describe(ref)}")
    if len(targets) > 1:
        return Problem(
            ref.path,
            AMBIGUOUS_REFERENCE,
            f"{_describe(ref)} names records of several kinds; refer by id instead",
        )
    return Target(targets[0].label, targets[0].id, ref.extra, targets[0].deleted)


def _describe(ref: Ref) -> str:
    if ref.id is not None:
        return f"id {ref.id!r}"
    if ref.natural:
        return ", ".join(f"{k} {v!r}" for k, v in ref.natural)
    return f"source {ref.system}/{ref.key}"

"""Batched reads of related records: one statement for all parents of one level.

A relation reads, for many parent records at once, the related records in a stable order,
their total and optionally one window of them. This is what keeps a nested GraphQL query
(partner -> vehicles -> contracts ...) at a fixed number of statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph_schema import MODEL, Relationship, Side
from graph_schema.model import sort_key_of
from hub.read.filters import DELETED
from hub.read.projection import collated, projection, with_sort_keys
from hub.store import Store


@dataclass(frozen=True)
class Relation:
    """Records related to a parent.

    ``pattern`` is a template over the parent ``{p}``, the related record ``{x}`` and, where
    the relationship carries values, ``{r}``; it starts from the bound parent (patterns that
    start from the bound variable are the fast ones on every store). ``order`` lists
    ``x.<property>`` or ``r.<property>`` keys; a collated text is ordered by its sort key
    (``x.nameSort``), as the top-level lists order it.
    """

    parent: str
    pattern: str
    target: str
    order: tuple[str, ...] = ("x.id",)
    extra: str = ""
    carry: str = "x"
    parent_key: str = "id"
    prefetch: bool = True
    repeats: bool = False  # the path can reach one record twice (through several items)
    paged: bool = False  # read as the pages of a connection (first/after, last/before)
    # A list of the records that name the parent leaves deleted ones out, as top-level lists
    # do; a record's own references (a contract's vehicle) keep pointing, deleted or not.
    live: bool = False
    # Between records of one kind, the parent itself is never listed: a partner related to
    # another that was merged into it is no relative of its own.
    others: bool = False

    def path(self, parent: str, related: str, rel: str) -> str:
        return self.pattern.format(p=parent, x=related, r=rel)

    def matched(self, parent: str, related: str, rel: str) -> str:
        """The path, and for a list the condition that its records are not deleted."""
        conditions = [f"{related}.{DELETED} IS NULL"] if self.live else []
        if self.others:
            conditions.append(f"{related} <> {parent}")
        path = self.path(parent, related, rel)
        return f"{path} WHERE {' AND '.join(conditions)}" if conditions else path

    @property
    def sorted_by(self) -> tuple[str, ...]:
        """The related record's properties its order reads."""
        return tuple(key[2:] for key in self.order if key.startswith("x."))

    @property
    def sort_keys(self) -> tuple[str, ...]:
        """The sort keys of collated texts its order reads, which no projection holds."""
        return tuple(name for name in self.sorted_by if name in collated(self.target))

    def shown(self, related: str, rel: str, inner: str = "", base: str = "") -> str:
        """The map projection of a related record (``base``, by default all its properties),
        with relationship values and ``inner``."""
        extras = [self.extra.format(r=rel)] if self.extra else []
        if inner:
            extras.append(inner)
        shown = base or with_sort_keys(projection(self.target, related), self.sort_keys)
        return shown[:-1] + "".join(f", {e}" for e in extras) + "}" if extras else shown

    def statement(self, window: tuple[int, int] | None) -> str:
        page = "xs[$skip..$end]" if window else "xs"
        order = ", ".join(self.order)
        return (
            "UNWIND $keys AS k "
            f"MATCH (p:{self.parent} {{{self.parent_key}: k}}) "
            f"OPTIONAL MATCH {self.matched('p', 'x', 'r')} "
            f"WITH DISTINCT k, {self.carry} ORDER BY {order} "
            f"WITH k, collect({self.shown('x', 'r')}) AS xs "
            f"RETURN k, size(xs) AS total, {page} AS page"
        )

    @property
    def row_keys(self) -> tuple[str, ...]:
        """The names under which a related row carries the values it is sorted by."""
        return tuple(entry.split(".", 1)[1] for entry in self.order)

    def position(self, row: dict[str, Any]) -> list[Any]:
        """A row's sort values: where it lies in the relation's order."""
        return [row.get(k) for k in self.row_keys]

    def sort(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rows in this relation's order (nulls last, as Cypher sorts them), without repeats."""
        if len(rows) < 2:
            return rows
        keys = self.row_keys
        if self.repeats:
            rows = _once(rows)
        return sorted(rows, key=lambda row: [(row.get(k) is None, row.get(k)) for k in keys])


def _once(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each record once, by its id; a row without one stays as it is."""
    seen: set[Any] = set()
    kept = []
    for row in rows:
        key = row.get("id")
        if key is None or key not in seen:
            kept.append(row)
            seen.add(key)
    return kept


@dataclass(frozen=True)
class Related:
    total: int
    rows: list[dict[str, Any]]


async def fetch(
    store: Store, relation: Relation, keys: list[str], window: tuple[int, int] | None = None
) -> dict[str, Related]:
    """Related records for every key; a key with none (or unknown) maps to an empty result."""
    params: dict[str, Any] = {"keys": keys}
    if window:
        params["skip"], params["end"] = window[0], window[0] + window[1]
    rows = await store.query(relation.statement(window), params)
    found = {row["k"]: Related(row["total"], row["page"]) for row in rows}
    return {key: found.get(key, Related(0, [])) for key in keys}


def _tie_broken(target: str, order: tuple[str, ...]) -> tuple[str, ...]:
    """``order``, then the related record's key where it has one, so that rows of one order
    come in one order (an address, a description or a price is ordered by its position)."""
    try:
        key = "x.id" if target == "*" else f"x.{MODEL.key_of(target)}"
    except KeyError:
        return order
    return order if key in order else (*order, key)


def _read(parent: str, field: str, ways: list[tuple[Relationship, Side, bool]]) -> Relation:
    """The read of one side of a relationship: the records at its other end (of any label
    where the side is declared for several, as a document's ``about``)."""
    rel, side, outbound = ways[0]
    others = {r.target if out else r.source for r, _, out in ways}
    target = others.pop() if len(others) == 1 else "*"
    carried = {p.name for p in rel.properties}
    order = tuple(_order_key(target, name, carried) for name in side.order)
    bound = side.carries or any(key.startswith("r.") for key in order)
    arrow = f"[{{r}}:{rel.type}]" if bound else f"[:{rel.type}]"
    other = "({x})" if target == "*" else f"({{x}}:{target})"
    pattern = f"({{p}})-{arrow}->{other}" if outbound else f"({{p}})<-{arrow}-{other}"
    extra = ", ".join(f"{name}: {{r}}.{prop}" for name, prop in rel.shown) if side.carries else ""
    return Relation(
        parent,
        pattern,
        target,
        _tie_broken(target, order),
        extra=extra,
        carry="x, r" if bound else "x",
        parent_key=MODEL.key_of(parent),
        prefetch=side.prefetch,
        paged=side.paged,
        # Two relationships to one record (a partner as a contract's lessee and its payer)
        # are one record in a list that shows none of their values.
        repeats=not bound and "x.id" in _tie_broken(target, order),
        others=rel.source == rel.target and rel.many(outbound),
        # What a record's own delivery names (a contract's parties, its items' vehicles) it
        # keeps naming; what others name it in (a partner's vehicles, by their owner) is
        # listed while they live.
        live=rel.many(outbound) and side.input is None and _deletable(parent, target),
    )


def _order_key(target: str, name: str, carried: set[str]) -> str:
    """What a side's order names: a value of the relationship, or the related record's own
    (a collated text's sort key, so that Revision 2 comes before 10 and Ärger after Adler)."""
    if name in carried:
        return f"r.{name}"
    if sort_key_of(name) in collated(target):
        return f"x.{sort_key_of(name)}"
    return f"x.{name}"


def _deletable(*labels: str) -> bool:
    """Whether the labels are golden records', kept and marked when their last source deletes
    them (not a part, such as a contract's item). A record's sources are its lineage: a
    deleted one is listed with its reason."""
    return all(
        label not in ("*", "SourceRecord") and DELETED in MODEL.node(label).property_names
        for label in labels
    )


def _declared() -> dict[tuple[str, str], Relation]:
    """A read for every side of a relationship the model names a field for."""
    ways: dict[tuple[str, str], list[tuple[Relationship, Side, bool]]] = {}
    for rel in MODEL.relationships:
        for label, _, side, outbound in rel.sides():
            if side.field is not None:
                ways.setdefault((label, side.field), []).append((rel, side, outbound))
    for (label, field), found in ways.items():
        if len({(rel.type, side, outbound) for rel, side, outbound in found}) > 1:
            raise ValueError(f"{label}.{field} is declared by different relationships")
    return {key: _read(*key, found) for key, found in ways.items()}


# Reads along more than one relationship, or none: written here, each hop one the model
# declares (a test holds them to it).
_PATHS: dict[tuple[str, str], Relation] = {
    ("Vehicle", "contracts"): Relation(
        "Vehicle",
        "({p})<-[:COVERS]-(:ContractItem)<-[:HAS_ITEM]-({x}:Contract)",
        "Contract",
        ("x.number", "x.id"),
        repeats=True,
        paged=True,
        live=True,
    ),
    # An item is read with its contract's id and start: its services' quotas count by them.
    ("IdentificationObject", "item"): Relation(
        "IdentificationObject",
        "({p})-[:ISSUED_FOR]->({x}:ContractItem)<-[:HAS_ITEM]-({r}:Contract)",
        "ContractItem",
        ("x.uiid",),
        extra="contractId: {r}.id, contractStart: {r}.startDate",
        carry="x, r",
    ),
    # Every live revision of a document, the one read included: they share its number.
    ("Document", "revisions"): Relation(
        "Document",
        "({x}:Document {{number: {p}.number}})",
        "Document",
        ("x.createdAt", "x.id"),
        prefetch=False,
        live=True,
    ),
}

_ALL = {**_declared(), **_PATHS}
SOURCES: dict[str, Relation] = {
    label: relation for (label, name), relation in _ALL.items() if name == "sources"
}
RELATIONS: dict[tuple[str, str], Relation] = {
    key: relation for key, relation in _ALL.items() if key[1] != "sources"
}

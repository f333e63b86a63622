"""Batched reads of related records: one statement for all parents of one level.

A relation reads, for many parent records at once, the related records in a stable order,
their total and optionally one window of them. This is what keeps a nested GraphQL query
(partner -> vehicles -> contracts ...) at a fixed number of statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph_schema import MODEL
from hub.read.projection import projection
from hub.store import Store


@dataclass(frozen=True)
class Relation:
    """Records related to a parent.

    ``pattern`` is a template over the parent ``{p}``, the related record ``{x}`` and, where
    the relationship carries values, ``{r}``; it starts from the bound parent (patterns that
    start from the bound variable are the fast ones on every store). ``order`` lists
    ``x.<property>`` or ``r.<property>`` keys.
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

    def path(self, parent: str, related: str, rel: str) -> str:
        return self.pattern.format(p=parent, x=related, r=rel)

    @property
    def sorted_by(self) -> tuple[str, ...]:
        """The related record's properties its order reads."""
        return tuple(key[2:] for key in self.order if key.startswith("x."))

    def shown(self, related: str, rel: str, inner: str = "", base: str = "") -> str:
        """The map projection of a related record (``base``, by default all its properties),
        with relationship values and ``inner``."""
        extras = [self.extra.format(r=rel)] if self.extra else []
        if inner:
            extras.append(inner)
        shown = base or projection(self.target, related)
        return shown[:-1] + "".join(f", {e}" for e in extras) + "}" if extras else shown

    def statement(self, window: tuple[int, int] | None) -> str:
        page = "xs[$skip..$end]" if window else "xs"
        order = ", ".join(self.order)
        return (
            "UNWIND $keys AS k "
            f"MATCH (p:{self.parent} {{{self.parent_key}: k}}) "
            f"OPTIONAL MATCH {self.path('p', 'x', 'r')} "
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
            rows = list({row["id"]: row for row in rows}.values())
        return sorted(rows, key=lambda row: [(row.get(k) is None, row.get(k)) for k in keys])


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


def _rel(parent: str, pattern: str, target: str, *order: str, **options: Any) -> Relation:
    return Relation(parent, pattern, target, (*order, "x.id"), **options)


SOURCES = {
    label: _rel(
        label, "({p})<-[:SOURCE_OF]-({x}:SourceRecord)", "SourceRecord", "x.system", "x.key"
    )
    for label in MODEL.golden_labels
}


def _in_role(parent: str, rel: str, validity: bool = False) -> Relation:
    """The partners taking part in a record through ``rel``, each with its role (and the
    days it held it, with ``validity``)."""
    dates = ", roleValidFrom: {r}.validFrom, roleValidTo: {r}.validTo" if validity else ""
    return Relation(
        parent,
        f"({{p}})<-[{{r}}:{rel}]-({{x}}:BusinessPartner)",
        "BusinessPartner",
        order=("r.role", "x.name", "x.id"),
        extra="role: {r}.role" + dates,
        carry="x, r",
    )


def _related(arrow: str) -> Relation:
    """A partner's relationships to other partners, one direction of them."""
    return Relation(
        "BusinessPartner",
        arrow,
        "BusinessPartner",
        order=("r.type", "x.name", "x.id"),
        extra="relationType: {r}.type, relationValidFrom: {r}.validFrom, "
        "relationValidTo: {r}.validTo",
        carry="x, r",
        prefetch=False,
    )


RELATIONS: dict[tuple[str, str], Relation] = {
    ("BusinessPartner", "relatedTo"): _related("({p})-[{r}:RELATED_TO]->({x}:BusinessPartner)"),
    ("BusinessPartner", "relatedFrom"): _related("({p})<-[{r}:RELATED_TO]-({x}:BusinessPartner)"),
    ("BusinessPartner", "vehicles"): _rel(
        "BusinessPartner", "({p})-[:OWNS]->({x}:Vehicle)", "Vehicle", "x.vin", paged=True
    ),
    ("BusinessPartner", "contracts"): _rel(
        "BusinessPartner",
        "({p})-[:PARTY_TO]->({x}:Contract)",
        "Contract",
        "x.number",
        paged=True,
    ),
    ("BusinessPartner", "identificationObjects"): _rel(
        "BusinessPartner",
        "({p})<-[:HELD_BY]-({x}:IdentificationObject)",
        "IdentificationObject",
        "x.kind",
        "x.number",
        paged=True,
    ),
    ("BusinessPartner", "documents"): _rel(
        "BusinessPartner",
        "({p})<-[:ABOUT]-({x}:Document)",
        "Document",
        "x.number",
        "x.revision",
        paged=True,
    ),
    ("BusinessPartner", "addresses"): _rel(
        "BusinessPartner", "({p})-[:HAS_ADDRESS]->({x}:Address)", "Address", "x.position"
    ),
    ("Vehicle", "owner"): _rel(
        "Vehicle", "({p})<-[:OWNS]-({x}:BusinessPartner)", "BusinessPartner"
    ),
    ("Vehicle", "dealer"): _rel(
        "Vehicle", "({p})<-[:DEALER_OF]-({x}:BusinessPartner)", "BusinessPartner"
    ),
    ("Vehicle", "contracts"): _rel(
        "Vehicle",
        "({p})<-[:COVERS]-(:ContractItem)<-[:HAS_ITEM]-({x}:Contract)",
        "Contract",
        "x.number",
        repeats=True,
        paged=True,
    ),
    ("Vehicle", "identificationObjects"): _rel(
        "Vehicle",
        "({p})<-[:IDENTIFIES]-({x}:IdentificationObject)",
        "IdentificationObject",
        "x.kind",
        "x.number",
        paged=True,
    ),
    ("Vehicle", "documents"): _rel(
        "Vehicle",
        "({p})<-[:ABOUT]-({x}:Document)",
        "Document",
        "x.number",
        "x.revision",
        paged=True,
    ),
    ("Vehicle", "material"): _rel("Vehicle", "({p})-[:OF_MATERIAL]->({x}:Material)", "Material"),
    ("Material", "descriptions"): _rel(
        "Material",
        "({p})-[:HAS_DESCRIPTION]->({x}:MaterialDescription)",
        "MaterialDescription",
        "x.position",
    ),
    ("Material", "prices"): _rel(
        "Material", "({p})-[:HAS_PRICE]->({x}:MaterialPrice)", "MaterialPrice", "x.position"
    ),
    ("Material", "vehicles"): _rel(
        "Material", "({p})<-[:OF_MATERIAL]-({x}:Vehicle)", "Vehicle", "x.vin", paged=True
    ),
    ("Vehicle", "history"): _rel(
        "Vehicle", "({p})-[:HAS_EVENT]->({x}:VehicleEvent)", "VehicleEvent", "x.occurredAt"
    ),
    ("Contract", "parties"): _in_role("Contract", "PARTY_TO", validity=True),
    ("Contract", "items"): _rel(
        "Contract", "({p})-[:HAS_ITEM]->({x}:ContractItem)", "ContractItem", "x.position", "x.uiid"
    ),
    ("Contract", "changes"): _rel(
        "Contract", "({p})-[:HAS_CHANGE]->({x}:ContractChange)", "ContractChange", "x.recordedAt"
    ),
    ("ContractItem", "coveredVehicles"): Relation(
        "ContractItem",
        "({p})-[:COVERS]->({x}:Vehicle)",
        "Vehicle",
        ("x.vin", "x.id"),
        parent_key="uiid",
    ),
    ("IdentificationObject", "vehicle"): _rel(
        "IdentificationObject", "({p})-[:IDENTIFIES]->({x}:Vehicle)", "Vehicle"
    ),
    ("IdentificationObject", "holder"): _rel(
        "IdentificationObject", "({p})-[:HELD_BY]->({x}:BusinessPartner)", "BusinessPartner"
    ),
    ("IdentificationObject", "contract"): _rel(
        "IdentificationObject", "({p})-[:ISSUED_UNDER]->({x}:Contract)", "Contract"
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
    ("ContractItem", "identificationObjects"): Relation(
        "ContractItem",
        "({p})<-[:ISSUED_FOR]-({x}:IdentificationObject)",
        "IdentificationObject",
        ("x.kind", "x.number", "x.id"),
        parent_key="uiid",
    ),
    ("Project", "partners"): _in_role("Project", "PARTICIPATES_IN"),
    ("Project", "documents"): _rel(
        "Project", "({p})-[:HAS_DOCUMENT]->({x}:Document)", "Document", "x.number", "x.revision"
    ),
    ("Project", "vehicles"): _rel(
        "Project", "({p})-[:HAS_VEHICLE]->({x}:Vehicle)", "Vehicle", "x.vin", paged=True
    ),
    ("Document", "projects"): _rel(
        "Document", "({p})<-[:HAS_DOCUMENT]-({x}:Project)", "Project", "x.number"
    ),
    ("BusinessPartner", "projects"): _rel(
        "BusinessPartner", "({p})-[:PARTICIPATES_IN]->({x}:Project)", "Project", "x.number"
    ),
    ("Document", "about"): _rel("Document", "({p})-[:ABOUT]->({x})", "*", prefetch=False),
    ("Document", "previousRevision"): _rel(
        "Document", "({p})-[:REVISION_OF]->({x}:Document)", "Document"
    ),
    ("Document", "revisions"): _rel(
        "Document",
        "({x}:Document {{number: {p}.number}})",
        "Document",
        "x.createdAt",
        prefetch=False,
    ),
}

"""Batched reads of related records: one statement for all parents of one level.

A relation reads, for many parent records at once, the related records in a stable order,
their total and optionally one window of them. This is what keeps a nested GraphQL query
(partner -> vehicles -> contracts ...) at a fixed number of statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.read.projection import projection
from hub.store import Store


@dataclass(frozen=True)
class Relation:
    """Records related to a parent. ``pattern`` starts from the bound parent ``p``
    (patterns that start from the bound variable are the fast ones on every store)."""

    parent: str
    pattern: str
    target: str
    order: tuple[str, ...] = ("x.id",)
    extra: str = ""
    carry: str = "x"
    parent_key: str = "id"

    def statement(self, window: tuple[int, int] | None) -> str:
        shown = projection(self.target)
        if self.extra:
            shown = shown[:-1] + f", {self.extra}}}"
        page = "xs[$skip..$end]" if window else "xs"
        return (
            "UNWIND $keys AS k "
            f"MATCH (p:{self.parent} {{{self.parent_key}: k}}) "
            f"OPTIONAL MATCH {self.pattern} "
            f"WITH DISTINCT k, {self.carry} ORDER BY {', '.join(self.order)} "
            f"WITH k, collect({shown}) AS xs "
            f"RETURN k, size(xs) AS total, {page} AS page"
        )


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


def _rel(parent: str, pattern: str, target: str, *order: str, **options: str) -> Relation:
    return Relation(parent, pattern, target, (*order, "x.id"), **options)


SOURCES = {
    label: _rel(label, "(p)<-[:SOURCE_OF]-(x:SourceRecord)", "SourceRecord", "x.system", "x.key")
    for label in ("BusinessPartner", "Vehicle", "Contract", "IdentificationObject", "Document")
}

RELATIONS: dict[tuple[str, str], Relation] = {
    ("BusinessPartner", "vehicles"): _rel(
        "BusinessPartner", "(p)-[:OWNS]->(x:Vehicle)", "Vehicle", "x.vin"
    ),
    ("BusinessPartner", "contracts"): _rel(
        "BusinessPartner", "(p)-[:PARTY_TO]->(x:Contract)", "Contract", "x.number"
    ),
    ("BusinessPartner", "identificationObjects"): _rel(
        "BusinessPartner",
        "(p)<-[:HELD_BY]-(x:IdentificationObject)",
        "IdentificationObject",
        "x.kind",
        "x.number",
    ),
    ("BusinessPartner", "documents"): _rel(
        "BusinessPartner", "(p)<-[:ABOUT]-(x:Document)", "Document", "x.number", "x.revision"
    ),
    ("BusinessPartner", "addresses"): _rel(
        "BusinessPartner", "(p)-[:HAS_ADDRESS]->(x:Address)", "Address", "x.position"
    ),
    ("Vehicle", "owner"): _rel("Vehicle", "(p)<-[:OWNS]-(x:BusinessPartner)", "BusinessPartner"),
    ("Vehicle", "dealer"): _rel(
        "Vehicle", "(p)<-[:DEALER_OF]-(x:BusinessPartner)", "BusinessPartner"
    ),
    ("Vehicle", "contracts"): _rel(
        "Vehicle",
        "(p)<-[:COVERS]-(:ContractItem)<-[:HAS_ITEM]-(x:Contract)",
        "Contract",
        "x.number",
    ),
    ("Vehicle", "identificationObjects"): _rel(
        "Vehicle",
        "(p)<-[:IDENTIFIES]-(x:IdentificationObject)",
        "IdentificationObject",
        "x.kind",
        "x.number",
    ),
    ("Vehicle", "documents"): _rel(
        "Vehicle", "(p)<-[:ABOUT]-(x:Document)", "Document", "x.number", "x.revision"
    ),
    ("Vehicle", "history"): _rel(
        "Vehicle", "(p)-[:HAS_EVENT]->(x:VehicleEvent)", "VehicleEvent", "x.occurredAt"
    ),
    ("Contract", "parties"): Relation(
        "Contract",
        "(p)<-[r:PARTY_TO]-(x:BusinessPartner)",
        "BusinessPartner",
        order=("r.role", "x.name", "x.id"),
        extra="role: r.role",
        carry="x, r",
    ),
    ("Contract", "items"): _rel(
        "Contract", "(p)-[:HAS_ITEM]->(x:ContractItem)", "ContractItem", "x.position", "x.uiid"
    ),
    ("Contract", "changes"): _rel(
        "Contract", "(p)-[:HAS_CHANGE]->(x:ContractChange)", "ContractChange", "x.recordedAt"
    ),
    ("ContractItem", "coveredVehicles"): Relation(
        "ContractItem",
        "(p)-[:COVERS]->(x:Vehicle)",
        "Vehicle",
        ("x.vin", "x.id"),
        parent_key="uiid",
    ),
    ("IdentificationObject", "vehicle"): _rel(
        "IdentificationObject", "(p)-[:IDENTIFIES]->(x:Vehicle)", "Vehicle"
    ),
    ("IdentificationObject", "holder"): _rel(
        "IdentificationObject", "(p)-[:HELD_BY]->(x:BusinessPartner)", "BusinessPartner"
    ),
    ("IdentificationObject", "contract"): _rel(
        "IdentificationObject", "(p)-[:ISSUED_UNDER]->(x:Contract)", "Contract"
    ),
    ("Document", "about"): _rel("Document", "(p)-[:ABOUT]->(x)", "*"),
    ("Document", "previousRevision"): _rel(
        "Document", "(p)-[:REVISION_OF]->(x:Document)", "Document"
    ),
    ("Document", "revisions"): _rel(
        "Document", "(x:Document {number: p.number})", "Document", "x.createdAt"
    ),
}

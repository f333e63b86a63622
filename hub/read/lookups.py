"""Single records: by hub id (a merged partner's id leads to the partner it was merged
into), by natural key or by a source system's key; records by their ids; counts per kind."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.read.projection import projection
from hub.store import Store

Row = dict[str, Any]


def by_id(label: str) -> str:
    """``MATCH`` of ``x`` by ``$id``; a merged partner's id leads to the partner it was merged
    into."""
    if label == "BusinessPartner":
        return (
            "MATCH (m:BusinessPartner {id: $id}) "
            "MATCH (x:BusinessPartner {id: coalesce(m.mergedInto, m.id)})"
        )
    return f"MATCH (x:{label} {{id: $id}})"


async def find(
    store: Store,
    label: str,
    shown: str,
    params: dict[str, Any],
    *,
    hub_id: str | None = None,
    natural: dict[str, Any] | None = None,
    source: tuple[str, str] | None = None,
) -> list[Row]:
    """The rows of ``label`` (each as the projection ``shown`` of ``x``, whose parameters
    are ``params``) with the hub id, the natural key values or the source key given."""
    if hub_id is not None:
        match, named = by_id(label), {"id": hub_id}
    elif source is not None:
        match = (
            "MATCH (:SourceRecord {entity: $label, system: $system, key: $key})"
            f"-[:SOURCE_OF]->(x:{label})"
        )
        named = {"label": label, "system": source[0], "key": source[1]}
    else:
        named = {k: v for k, v in (natural or {}).items() if v is not None}
        match = f"MATCH (x:{label} {{{', '.join(f'{k}: ${k}' for k in named)}}})"
    found = await store.query(f"{match} RETURN {shown} AS row", {**named, **params})
    return [r["row"] for r in found]


async def by_ids(store: Store, label: str, ids: Sequence[str]) -> list[Row | None]:
    """The record of each id, in order (None where there is none)."""
    found = await store.query(
        f"UNWIND $ids AS id MATCH (x:{label} {{id: id}}) "
        f"RETURN x.id AS id, {projection(label)} AS row",
        {"ids": list(ids)},
    )
    rows = {row["id"]: row["row"] for row in found}
    return [rows.get(i) for i in ids]


async def record_counts(store: Store, labels: Sequence[str]) -> dict[str, int]:
    """How many records of each label the store holds."""
    # One row with a column per label: a grouped count would return no row for an empty label.
    counts = ", ".join(f"COUNT {{ MATCH (:{label}) }} AS {label}" for label in labels)
    (row,) = await store.query(f"RETURN {counts}")
    return {label: row[label] for label in labels}


async def document_file(store: Store, sha256: str, document: str | None = None) -> Row | None:
    """The media type and name of a stored file: those the ``document`` (hub id) gives it
    when it holds the file, else those of a document revision that has it; None when no
    document does."""
    rows = await store.query(
        "MATCH (d:Document {fileSha256: $sha}) "
        "RETURN d.fileMediaType AS mediaType, d.fileName AS name, "
        "CASE WHEN d.id = $document THEN 0 ELSE 1 END AS named ORDER BY named LIMIT 1",
        {"sha": sha256, "document": document},
    )
    return rows[0] if rows else None

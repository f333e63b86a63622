"""One search box for stewards: a partner by name, any record by a source system's key, a
vehicle by VIN, a card or plate by its number, a contract or a document by its number."""

from __future__ import annotations

from dataclasses import dataclass, field

from graph_schema.model import search_key_of, sort_key_of
from hub.identifiers import printed_code, revision_order
from hub.search_text import SEPARATOR, fold
from hub.store import Store

_LIVE = "x.mergedInto IS NULL AND x.deletedAt IS NULL"


@dataclass
class Found:
    """Hub ids of what a search found, by kind (label), each kind in a useful order."""

    ids: dict[str, list[str]] = field(default_factory=dict)

    def add(self, label: str, found: list[str]) -> None:
        known = self.ids.setdefault(label, [])
        known.extend(i for i in found if i not in known)


async def _ids(store: Store, cypher: str, params: dict[str, object]) -> list[str]:
    return [row["id"] for row in await store.query(cypher, params)]


async def search(store: Store, text: str, limit: int) -> Found:
    """What ``text`` names, at most ``limit`` records of each kind."""
    found = Found()
    text = text.strip()
    if not text:
        return found
    compact = "".join(text.split()).upper()
    by_key = await store.query(
        "MATCH (s:SourceRecord {key: $key})-[:SOURCE_OF]->(x) WHERE x.mergedInto IS NULL "
        "RETURN s.entity AS label, x.id AS id ORDER BY label, id LIMIT $n",
        {"key": text, "n": limit},
    )
    for row in by_key:
        found.add(row["label"], [row["id"]])
    found.add(
        "Vehicle",
        await _ids(
            store,
            f"MATCH (x:Vehicle {{vin: $vin}}) WHERE {_LIVE} RETURN x.id AS id",
            {"vin": compact},
        ),
    )
    found.add(
        "IdentificationObject",
        await _ids(
            store,
            f"MATCH (x:IdentificationObject) WHERE x.number = $number AND {_LIVE} "
            "RETURN x.id AS id ORDER BY x.kind LIMIT $n",
            {"number": printed_code(text), "n": limit},
        ),
    )
    found.add(
        "Contract",
        await _ids(
            store,
            f"MATCH (x:Contract {{number: $number}}) WHERE {_LIVE} RETURN x.id AS id",
            {"number": text},
        ),
    )
    revisions = await store.query(
        f"MATCH (x:Document {{number: $number}}) WHERE {_LIVE} "
        "RETURN x.id AS id, x.revision AS revision",
        {"number": text},
    )
    # The latest revision first, "10" after "9": the order the revision chain has.
    revisions.sort(key=lambda row: revision_order(row["revision"]), reverse=True)
    found.add("Document", [row["id"] for row in revisions[:limit]])
    folded = fold(text)
    if folded:
        found.add(
            "BusinessPartner",
            await _ids(
                store,
                f"MATCH (x:BusinessPartner) WHERE x.{search_key_of('name')} CONTAINS $words "
                f"AND {_LIVE} RETURN x.id AS id ORDER BY x.{sort_key_of('name')} LIMIT $n",
                {"words": SEPARATOR + folded if len(folded) < 3 else folded, "n": limit},
            ),
        )
    return found

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


_PARTS = (
    # A source key names one record per system: a few rows, cut to ``limit`` per kind below.
    "MATCH (s:SourceRecord {key: $key})-[:SOURCE_OF]->(x) WHERE x.mergedInto IS NULL "
    "RETURN 0 AS part, s.entity AS label, x.id AS id, x.revision AS revision "
    "ORDER BY label, id LIMIT $keyed",
    f"MATCH (x:Vehicle {{vin: $vin}}) WHERE {_LIVE} "
    "RETURN 1 AS part, 'Vehicle' AS label, x.id AS id, null AS revision",
    f"MATCH (x:IdentificationObject) WHERE x.number = $number AND {_LIVE} "
    "RETURN 2 AS part, 'IdentificationObject' AS label, x.id AS id, null AS revision "
    "ORDER BY x.kind LIMIT $n",
    f"MATCH (x:Contract {{number: $text}}) WHERE {_LIVE} "
    "RETURN 3 AS part, 'Contract' AS label, x.id AS id, null AS revision",
    f"MATCH (x:Document {{number: $text}}) WHERE {_LIVE} "
    "RETURN 4 AS part, 'Document' AS label, x.id AS id, x.revision AS revision",
)
# A partner by name, as a list's ``contains`` finds it: by its search key, or, for text with
# nothing a search key keeps ("&"), in its name as written, in any case.
_BY_NAME = {
    True: f"MATCH (x:BusinessPartner) WHERE x.{search_key_of('name')} CONTAINS $words",
    False: "MATCH (x:BusinessPartner) WHERE toLower(x.name) CONTAINS $lowered",
}
_NAMED = (
    f" AND {_LIVE} RETURN 5 AS part, 'BusinessPartner' AS label, x.id AS id, "
    f"null AS revision ORDER BY x.{sort_key_of('name')} LIMIT $n"
)
# Every way of naming a record, one part each, read in one statement; within a part the rows
# come in its own order, and ``part`` keeps the parts in this order.
_SEARCH = {
    folded: " UNION ALL ".join((*_PARTS, _BY_NAME[folded] + _NAMED)) for folded in (True, False)
}
# The kinds a search lists, in this order (a source key may name others: materials, projects).
_KINDS = ("BusinessPartner", "Vehicle", "IdentificationObject", "Contract", "Document")


async def search(store: Store, text: str, limit: int) -> Found:
    """What ``text`` names, at most ``limit`` records of each kind."""
    found = Found()
    text = text.strip()
    if not text:
        return found
    folded = fold(text)
    rows = await store.query(
        _SEARCH[bool(folded)],
        {
            "key": text,
            "vin": "".join(text.split()).upper(),
            "number": printed_code(text),
            "text": text,
            "words": SEPARATOR + folded if len(folded) < 3 else folded,
            "lowered": text.lower(),
            "n": limit,
            "keyed": limit * 10,
        },
    )
    rows.sort(key=lambda row: row["part"])  # stable: each part keeps its own order
    # A document's latest revision first, "10" after "9", whether a key or its number found it.
    documents = [row for row in rows if row["label"] == "Document"]
    documents.sort(key=lambda row: revision_order(row["revision"]), reverse=True)
    for label in _KINDS:
        found.add(label, [])
    for row in [*(row for row in rows if row["label"] != "Document"), *documents]:
        found.add(row["label"], [row["id"]])
    found.ids = {label: ids[:limit] for label, ids in found.ids.items()}
    return found

"""The statements an upsert sends, each built as ``(cypher, params)`` from what the plan
decided: pure functions, nothing read or run here (:mod:`hub.domain.upsert` runs them).

Records the same transaction met before are found again by element id (see
``Transaction.element_ids``); their rows carry it as ``element``. A statement's text depends
only on the kind and its declarations, never on the data, so that the database plans it once;
``tests/test_write_statements.py`` keeps each text as a snapshot.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.domain.kinds import Child, Kind, Link, Slot

Statement = tuple[str, dict[str, Any]]
Rows = list[dict[str, Any]]


def read_existing(kind: Kind, rows: Rows) -> Statement:
    """Per delivery (``i``, ``system``, ``key``, natural key ``nk``): its source record and
    the golden records its source key and its natural key lead to."""
    if kind.match_natural_key and kind.natural_key:
        fields = ", ".join(f"{k}: r.nk.{k}" for k in kind.natural_key)
        key_match = f"OPTIONAL MATCH (byKey:{kind.label} {{{fields}}})"
    else:
        key_match = "WITH r, s, bySource, null AS byKey"
    statement = f"""
        UNWIND $rows AS r
        OPTIONAL MATCH (s:SourceRecord {{entity: $label, system: r.system, key: r.key}})
        OPTIONAL MATCH (s)-[:SOURCE_OF]->(bySource:{kind.label})
        {key_match}
        RETURN collect({{
            i: r.i, hash: s.payloadHash, erased: s.erasedAt IS NOT NULL,
            former: s.formerGolden,
            deletedPayload: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.payload END,
            deletedReceivedAt: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.receivedAt END,
            sourceId: bySource.id, sourceState: bySource.state,
            sourceVersion: bySource.version, sourceDeleted: bySource.deletedAt,
            sourceElement: CASE WHEN bySource IS NULL THEN null ELSE elementId(bySource) END,
            keyId: byKey.id, keyState: byKey.state, keyVersion: byKey.version,
            keyDeleted: byKey.deletedAt,
            keyElement: CASE WHEN byKey IS NULL THEN null ELSE elementId(byKey) END
        }}) AS rows
    """
    return statement, {"rows": rows, "label": kind.label}


def origins(label: str, ids: list[str], with_state: bool = False) -> Statement:
    """Per golden record: what each of its live source records says, its overrides (and its
    state)."""
    state = "g.state AS state, " if with_state else ""
    return (
        f"UNWIND $ids AS id MATCH (g:{label} {{id: id}}) "
        f"RETURN g.id AS id, g.overrides AS overrides, {state}"
        "[(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL "
        "| s {.system, .key, .payload, .receivedAt}] "
        "AS sources",
        {"ids": ids},
    )


def survivors(ids: list[str]) -> Statement:
    """The partner each of ``ids`` that was merged away was merged into."""
    return (
        "UNWIND $ids AS id MATCH (g:BusinessPartner {id: id}) WHERE g.mergedInto IS NOT NULL "
        "RETURN id, g.mergedInto AS survivor",
        {"ids": ids},
    )


def items_elsewhere(uiids: list[str]) -> Statement:
    """The contract each stored item of ``uiids`` belongs to."""
    return (
        "UNWIND $uiids AS u MATCH (:ContractItem {uiid: u})<-[:HAS_ITEM]-(c:Contract) "
        "RETURN u AS uiid, c.id AS contract",
        {"uiids": uiids},
    )


def create_records(
    kind: Kind, rows: Rows, now: dt.datetime, logged: str, batch: tuple[str, dict[str, Any]]
) -> Statement:
    """New golden records (``id``, ``props``, ``state``), each with its change event
    (``logged``, and the batch's ``prefix`` and params when this statement opens it); returns
    their element ids."""
    prefix, params = batch
    return (
        f"{prefix}UNWIND $rows AS g CREATE (n:{kind.label}) "
        "SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, "
        f"n.createdAt = $now, n.updatedAt = $now{logged} "
        "RETURN collect({id: g.id, element: elementId(n)}) AS rows",
        {"rows": rows, "now": now, **params},
    )


def update_records(
    kind: Kind, rows: Rows, now: dt.datetime, logged: str, batch: tuple[str, dict[str, Any]]
) -> Statement:
    """Golden records written again (``element``, ``props``, ``state``): a new version."""
    prefix, params = batch
    return (
        f"{prefix}UNWIND $rows AS g "
        f"MATCH (n:{kind.label}) WHERE elementId(n) = g.element "
        "SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, "
        f"n.deletedAt = null{logged}",
        {"rows": rows, "now": now, **params},
    )


def drop_slot(kind: Kind, slot: Slot, elements: list[str]) -> Statement:
    """The records' relationships of a slot, to be written anew."""
    pattern = f"(n)<-[r:{slot.rel}]-()" if slot.inbound else f"(n)-[r:{slot.rel}]->()"
    return (
        f"UNWIND $elements AS e MATCH (n:{kind.label}) WHERE elementId(n) = e "
        f"OPTIONAL MATCH {pattern} DELETE r",
        {"elements": elements},
    )


def link_slot(kind: Kind, slot: Slot, label: str, links: Rows) -> Statement:
    """A slot's relationships (``from``, ``to``, ``props``) to records of ``label``."""
    arrow = "(o)-[r:{rel}]->(n)" if slot.inbound else "(n)-[r:{rel}]->(o)"
    return (
        f"UNWIND $links AS l MATCH (n:{kind.label}) WHERE elementId(n) = l.from "
        f"MATCH (o:{label}) WHERE elementId(o) = l.to "
        f"CREATE {arrow.format(rel=slot.rel)} SET r += l.props",
        {"links": links},
    )


def drop_link(kind: Kind, link: Link, elements: list[str]) -> Statement:
    return (
        f"UNWIND $elements AS e MATCH (n:{kind.label}) WHERE elementId(n) = e "
        f"OPTIONAL MATCH (n)-[r:{link.rel}]->() DELETE r",
        {"elements": elements},
    )


def make_link(kind: Kind, link: Link, rows: Rows) -> Statement:
    """The relationship to the record whose ``link.key`` each row's ``key`` names."""
    return (
        f"UNWIND $rows AS l MATCH (n:{kind.label}) WHERE elementId(n) = l.element "
        f"MATCH (o:{link.label} {{{link.key}: l.key}}) CREATE (n)-[:{link.rel}]->(o)",
        {"rows": rows},
    )


def drop_children(kind: Kind, child: Child, rows: Rows) -> Statement:
    return (
        f"UNWIND $rows AS c MATCH (n:{kind.label}) WHERE elementId(n) = c.element "
        f"OPTIONAL MATCH (n)-[:{child.rel}]->(a:{child.label}) DETACH DELETE a",
        {"rows": rows},
    )


def make_children(kind: Kind, child: Child, rows: Rows) -> Statement:
    """Each record's (``element``) list of children (``items``), in order."""
    return (
        f"UNWIND $rows AS c MATCH (n:{kind.label}) WHERE elementId(n) = c.element "
        f"UNWIND c.items AS item CREATE (n)-[:{child.rel}]->(a:{child.label}) SET a += item",
        {"rows": rows},
    )


def drop_unlisted_items(rows: Rows) -> Statement:
    """The items a contract (``element``) no longer lists (by ``uiids``)."""
    return (
        "UNWIND $rows AS c MATCH (n:Contract) WHERE elementId(n) = c.element "
        "OPTIONAL MATCH (n)-[:HAS_ITEM]->(old:ContractItem) WHERE NOT old.uiid IN c.uiids "
        "DETACH DELETE old",
        {"rows": rows},
    )


def stored_items(uiids: list[str]) -> Statement:
    return (
        "UNWIND $uiids AS u MATCH (i:ContractItem {uiid: u}) RETURN collect(u) AS rows",
        {"uiids": uiids},
    )


def create_items(rows: Rows) -> Statement:
    """A new contract's items, none stored yet; returns their element ids by UIID."""
    return (
        "UNWIND $rows AS c MATCH (n:Contract) WHERE elementId(n) = c.element "
        "UNWIND c.items AS item CREATE (n)-[:HAS_ITEM]->(i:ContractItem) "
        "SET i += item.props, i.uiid = item.uiid "
        "RETURN collect({uiid: i.uiid, element: elementId(i)}) AS rows",
        {"rows": rows},
    )


def merge_items(rows: Rows) -> Statement:
    """A changed contract's items, kept by UIID, their covered vehicles to be written anew;
    returns their element ids by UIID."""
    return (
        "UNWIND $rows AS c MATCH (n:Contract) WHERE elementId(n) = c.element "
        "UNWIND c.items AS item "
        "MERGE (i:ContractItem {uiid: item.uiid}) SET i += item.props "
        "MERGE (n)-[:HAS_ITEM]->(i) "
        "WITH i OPTIONAL MATCH (i)-[r:COVERS]->(:Vehicle) DELETE r "
        "WITH DISTINCT i RETURN collect({uiid: i.uiid, element: elementId(i)}) AS rows",
        {"rows": rows},
    )


def cover_vehicles(links: Rows) -> Statement:
    return (
        "UNWIND $links AS l MATCH (i:ContractItem) WHERE elementId(i) = l.item "
        "MATCH (v:Vehicle) WHERE elementId(v) = l.vehicle CREATE (i)-[:COVERS]->(v)",
        {"links": links},
    )


def relink_issued(uiids: list[str]) -> Statement:
    """Cards and plates issued under an item that was left out of its contract (which took
    their link with it) are issued under it again once it is listed again."""
    return (
        "UNWIND $uiids AS u MATCH (o:IdentificationObject {itemUiid: u}) "
        "MATCH (i:ContractItem {uiid: u}) WHERE NOT EXISTS { (o)-[:ISSUED_FOR]->(i) } "
        "CREATE (o)-[:ISSUED_FOR]->(i)",
        {"uiids": uiids},
    )


def new_sources(kind: Kind, rows: Rows, now: dt.datetime) -> Statement:
    """Source records of keys the hub did not know, each feeding its golden record."""
    return (
        f"UNWIND $rows AS s MATCH (n:{kind.label}) WHERE elementId(n) = s.golden "
        "CREATE (r:SourceRecord {entity: $label, system: s.system, key: s.key}) "
        "SET r.id = s.id, r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now "
        "CREATE (r)-[:SOURCE_OF]->(n)",
        {"rows": rows, "label": kind.label, "now": now},
    )


def known_sources(kind: Kind, rows: Rows, now: dt.datetime) -> Statement:
    """Source records delivered again: what they say now, feeding (only) their golden
    record."""
    return (
        f"UNWIND $rows AS s MATCH (n:{kind.label}) WHERE elementId(n) = s.golden "
        "MATCH (r:SourceRecord {entity: $label, system: s.system, key: s.key}) "
        "SET r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now, "
        "r.deletedAt = null, r.deletionReason = null "
        "WITH r, n OPTIONAL MATCH (r)-[old:SOURCE_OF]->(other) WHERE other.id <> n.id "
        "DELETE old "
        "WITH DISTINCT r, n MERGE (r)-[:SOURCE_OF]->(n)",
        {"rows": rows, "label": kind.label, "now": now},
    )

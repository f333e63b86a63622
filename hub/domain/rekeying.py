"""Keys for the records stored before the hub kept search and sort keys, or stored under
another ``HUB_COLLATION``: written when the hub starts, once."""

from __future__ import annotations

import logging

from graph_schema.entities import ADDRESS
from graph_schema.model import KEYS_VERSION
from hub.collation import CollationName
from hub.domain.kinds import KINDS, Kind
from hub.domain.text_keys import VERSION, text_keys
from hub.domain.upsert import Origins, read_origins
from hub.store import Store, Transaction

log = logging.getLogger(__name__)

_BATCH = 500


async def _marker(store: Store) -> str | None:
    rows = await store.query("MATCH (s:HubSetting {name: 'textKeys'}) RETURN s.value AS value")
    return str(rows[0]["value"]) if rows else None


async def _rekey(store: Store, kind: Kind, collation: CollationName) -> int:
    """Write the keys of every record of a kind, a batch at a time; how many were written."""
    node = kind.node
    shown = ", ".join(f".{p.name}" for p in node.properties if p.searchable or p.collated)
    if not shown:
        return 0
    written, after = 0, ""
    while True:
        rows = await store.query(
            f"MATCH (x:{node.label}) WHERE x.id > $after "
            f"RETURN x {{.id, {shown}}} AS row ORDER BY x.id LIMIT $batch",
            {"after": after, "batch": _BATCH},
        )
        if not rows:
            return written
        values = [row["row"] for row in rows]
        ids = [v["id"] for v in values]
        origins: Origins = {}
        if kind.survives:

            async def read(tx: Transaction, ids: list[str] = ids) -> Origins:
                return await read_origins(tx, kind, ids)

            origins = await store.read(read)
        keyed = []
        for record in values:
            said = origins.get(record["id"], ({}, {}))[0].values()
            keys = text_keys(node, record, collation, (kind.merge({}, o.state) for o in said))
            keyed.append({"id": record["id"], "keys": keys})
        await store.query(
            f"UNWIND $rows AS r MATCH (x:{node.label} {{id: r.id}}) SET x += r.keys",
            {"rows": keyed},
        )
        written += len(keyed)
        after = ids[-1]


async def _key_addresses(store: Store) -> int:
    """Key the addresses without a key, or keyed by an earlier version (addresses keep no
    sort key, so a collation leaves them be). Each keeps the version it was keyed by."""
    written = 0
    while True:
        rows = await store.query(
            "MATCH (a:Address) WHERE a.city IS NOT NULL "
            f"AND (a.citySearch IS NULL OR coalesce(a.{KEYS_VERSION}, 0) < $version) "
            "RETURN elementId(a) AS element, a.city AS city LIMIT $batch",
            {"batch": _BATCH, "version": VERSION},
        )
        if not rows:
            return written
        keyed = []
        for row in rows:
            keys = text_keys(ADDRESS, {"city": row["city"]}, "codepoint")
            # A city of punctuation alone has no spelling; '' marks it as keyed all the same.
            keyed.append({"element": row["element"], "keys": {k: v or "" for k, v in keys.items()}})
        await store.query(
            "UNWIND $rows AS r MATCH (a:Address) WHERE elementId(a) = r.element "
            f"SET a += r.keys, a.{KEYS_VERSION} = $version",
            {"rows": keyed, "version": VERSION},
        )
        written += len(keyed)


async def bring_up_to_date(store: Store, collation: CollationName) -> int:
    """Write the search and sort keys of records stored before the hub kept them, or under
    another collation; nothing when they are current. Returns how many records it keyed."""
    wanted = f"{VERSION}:{collation}"
    if await _marker(store) == wanted:
        return 0
    written = await _key_addresses(store)
    for kind in KINDS.values():
        count = await _rekey(store, kind, collation)
        if count:  # on a large store this takes a while, once: say what is done
            log.info(
                "text_keys_written",
                extra={"label": kind.label, "records": count, "collation": collation},
            )
        written += count
    await store.query(
        "MERGE (s:HubSetting {name: 'textKeys'}) SET s.value = $value", {"value": wanted}
    )
    return written

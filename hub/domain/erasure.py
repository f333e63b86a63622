"""A person's right to erasure: the partner's personal data leaves the hub.

One transaction removes it from the golden record (and every partner merged into it), from
all their source records, from match candidates, blocks and value counts, and from the
before/after values of every change event about them; the documents that concern only this
partner lose their stored file. What remains is an anonymous tombstone with its id, kind,
keys and links, deleted and marked erased, and an ``ERASED`` event. A later delivery under
an erased source key is refused with ``ERASED``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub import encoding
from hub.domain import change_log
from hub.domain import problems as codes
from hub.domain.change_log import record_events
from hub.domain.file_sweep import HELD_BY_DOCUMENTS
from hub.domain.kinds import BUSINESS_PARTNER
from hub.domain.problems import Problem, Rejected
from hub.domain.rejected_rows import source_key
from hub.mastering import blocks
from hub.mastering.matcher import uncount_terms
from hub.mastering.profile import Profile, blocking_keys, profile, terms
from hub.read import changes
from hub.read.values import native
from hub.store import Transaction

PARTNER = "BusinessPartner"
# What a tombstone keeps: no value of the person, only what links and counts it.
_KEPT = ("id", "kind", "roles", "createdAt", "mergedInto", "mergedFrom", "logged")
# A partner's name is never empty; an erased one is called this.
ERASED_NAME = "(erased)"


@dataclass(frozen=True)
class Erasure:
    id: str
    files: list[str]  # stored files that only documents about this partner held


async def erase_partner(
    tx: Transaction, hub_id: str, audit: dict[str, Any], now: dt.datetime
) -> Erasure:
    found = await tx.run(
        "MATCH (m:BusinessPartner {id: $id}) "
        "MATCH (g:BusinessPartner {id: coalesce(m.mergedInto, m.id)}) "
        "SET g.lockedAt = $now "
        "RETURN g.id AS id, g.version AS version, g.erasedAt IS NOT NULL AS erased, "
        "g.deletedAt AS deletedAt, "
        "[(g)<-[:SOURCE_OF]-(s:SourceRecord) | s.payload] AS payloads",
        {"id": hub_id, "now": now},
    )
    if not found:
        raise Rejected([Problem(("id",), codes.NOT_FOUND, f"no business partner {hub_id}")])
    record = found[0]
    if record["erased"]:
        return Erasure(record["id"], [])
    merged = await tx.run(
        "MATCH (o:BusinessPartner {mergedInto: $id}) RETURN o.id AS id", {"id": record["id"]}
    )
    ids = [record["id"], *(row["id"] for row in merged)]
    # Read before candidates and events change: which other partners hold their values.
    elsewhere = await _events_elsewhere(tx, ids)
    await _forget_matching(tx, ids, record["payloads"])
    await _forget_rejected_rows(tx, ids)
    documents, files = await _release_documents(tx, ids)
    for statement in (
        "MATCH (g:BusinessPartner)-[:HAS_ADDRESS]->(a:Address) WHERE g.id IN $ids DETACH DELETE a",
        "MATCH (c:MatchCandidate)-[:LEFT|RIGHT]->(g:BusinessPartner) WHERE g.id IN $ids "
        "DETACH DELETE c",
        "MATCH (s:SourceRecord)-[:SOURCE_OF]->(g:BusinessPartner) WHERE g.id IN $ids "
        "SET s = {id: s.id, entity: s.entity, system: s.system, key: s.key, "
        "receivedAt: s.receivedAt, formerGolden: s.formerGolden, payload: '{}', "
        "deletedAt: coalesce(s.deletedAt, $now), erasedAt: $now}",
        "MATCH (g:BusinessPartner) WHERE g.id IN $ids "
        f"SET g = {{{', '.join(f'{k}: g.{k}' for k in _KEPT)}, state: '{{}}', "
        f"name: '{ERASED_NAME}', version: g.version + 1, updatedAt: $now, "
        # A partner deleted before keeps when it was (an export compares it with its keys').
        "deletedAt: coalesce(g.deletedAt, $now), "
        "erasedAt: $now}",
    ):
        await tx.run(statement, {"ids": ids, "now": now})
    # The events of documents about only them may name their files.
    await _blank_events(tx, {PARTNER: ids, "Document": documents})
    await change_log.rewrite(tx, elsewhere, _blanked)
    await record_events(
        tx,
        [
            {
                "entity": PARTNER,
                "entityId": record["id"],
                "action": "ERASED",
                # The values it had are gone; what it is now shows, so a consumer that
                # follows deletions learns this one too.
                "changes": [
                    *(
                        [{"field": "deletedAt", "before": None, "after": _stamp(now)}]
                        if record["deletedAt"] is None
                        else []
                    ),
                    {"field": "name", "before": None, "after": ERASED_NAME},
                ],
                "version": (record["version"] or 0) + 1,
                **audit,
            }
        ],
        now,
    )
    return Erasure(record["id"], files)


def _stamp(value: Any) -> str | None:
    """A stored time as events show times: UTC, with its offset."""
    return None if value is None else native(value).isoformat()


async def _forget_rejected_rows(tx: Transaction, ids: list[str]) -> None:
    """Rows a load refused under one of the partners' source keys, and rows a steward's
    correction wrote into them, hold their values as delivered: they go too."""
    keys = await tx.run(
        "MATCH (s:SourceRecord)-[:SOURCE_OF]->(g:BusinessPartner) WHERE g.id IN $ids "
        "RETURN DISTINCT s.system AS system, s.key AS key",
        {"ids": ids},
    )
    sources = {(row["system"], row["key"]) for row in keys}
    rows = await tx.run(
        "MATCH (x:RejectedRow {kind: $label}) WHERE x.system IN $systems OR x.recordId IN $ids "
        "RETURN x.id AS id, x.system AS system, x.row AS row, x.recordId AS record",
        {"label": PARTNER, "systems": sorted({system for system, _ in sources}), "ids": ids},
    )
    gone = [
        row["id"]
        for row in rows
        if row["record"] in ids or (row["system"], source_key(row["row"])) in sources
    ]
    if gone:
        await tx.run("MATCH (x:RejectedRow) WHERE x.id IN $ids DETACH DELETE x", {"ids": gone})


async def _forget_matching(tx: Transaction, ids: list[str], payloads: list[str | None]) -> None:
    """Out of the blocks its values give and gave, and its values no longer counted.

    The sources' values now are counted off; the values the partners had before (a former
    name or street, as their events tell) leave their blocks, and a count of one is left
    only by this partner (what a value was counted for is not kept), so it goes too."""
    rows = await tx.run(
        "MATCH (g:BusinessPartner) WHERE g.id IN $ids RETURN g.id AS id, g.matchKeys AS keys",
        {"ids": ids},
    )
    now = [profile(BUSINESS_PARTNER.merge({}, encoding.loads(p))) for p in payloads if p]
    former = await _former_profiles(tx, ids)
    # The keys each source's own values give too: a merge leaves the merged partner's keys
    # to the survivor's blocks without listing them among its own.
    keys = sorted(
        {key for row in rows for key in row["keys"] or []}
        | {key for p in [*now, *former] for key in blocking_keys(p)}
    )
    await blocks.unlink_stale(tx, [(partner, keys) for partner in ids])
    await blocks.drop_empty(tx, keys)
    await uncount_terms(tx, now)
    left = sorted({term for p in [*former, *now] for term in terms(p)})
    if left:
        await tx.send(
            "UNWIND $terms AS t MATCH (x:MatchTerm {term: t}) WHERE x.count <= 1 DELETE x",
            {"terms": left},
        )


async def _former_profiles(tx: Transaction, ids: list[str]) -> list[Profile]:
    """The partners' values after each of their changes, as their events tell."""
    rows = await changes.of_records(tx.run, PARTNER, ids, pending=True)
    states: dict[str, dict[str, Any]] = {}
    former = []
    for row in rows:
        state = states.setdefault(row["entityId"], {})
        for change in row["changes"]:
            state[change["field"]] = change["after"]
        former.append(profile(BUSINESS_PARTNER.merge({}, state)))
    return former


async def _release_documents(tx: Transaction, ids: list[str]) -> tuple[list[str], list[str]]:
    """The documents about only this partner forget their file. Returns those documents,
    and the files no other document holds, for the caller to remove once the erasure is
    committed."""
    rows = await tx.run(
        "MATCH (d:Document)-[:ABOUT]->(g:BusinessPartner) WHERE g.id IN $ids "
        "AND d.fileSha256 IS NOT NULL "
        "AND NOT EXISTS { (d)-[:ABOUT]->(o) WHERE NOT o.id IN $ids } "
        "WITH DISTINCT d RETURN d.id AS id, d.fileSha256 AS sha, d.state AS state",
        {"ids": ids},
    )
    documents = [row["id"] for row in rows]
    if rows:
        await tx.send(
            "UNWIND $rows AS r MATCH (d:Document {id: r.id}) SET d.state = r.state, "
            "d.fileSha256 = null, d.fileName = null, d.fileSize = null, d.fileMediaType = null",
            {"rows": [{"id": row["id"], "state": _without_file(row["state"])} for row in rows]},
        )
        sources = await tx.run(
            "MATCH (s:SourceRecord)-[:SOURCE_OF]->(d:Document) WHERE d.id IN $ids "
            "RETURN elementId(s) AS element, s.payload AS payload",
            {"ids": documents},
        )
        await tx.send(
            "UNWIND $rows AS r MATCH (s:SourceRecord) WHERE elementId(s) = r.element "
            "SET s.payload = r.payload, s.payloadHash = null",
            {
                "rows": [
                    {"element": row["element"], "payload": _without_file(row["payload"])}
                    for row in sources
                ]
            },
        )
    shas = sorted({row["sha"] for row in rows})
    if not shas:
        return documents, []
    held = await tx.run(HELD_BY_DOCUMENTS, {"shas": shas})
    return documents, sorted(set(shas) - {row["sha"] for row in held})


def _without_file(state: str | None) -> str:
    values = encoding.loads(state) if state else {}
    return encoding.canonical({k: v for k, v in values.items() if not k.startswith("file")})


async def _blank_events(tx: Transaction, records: dict[str, list[str]]) -> None:
    """The events about these records (ids by label) keep which fields changed, never the
    values."""
    found = [
        row["id"]
        for label, ids in records.items()
        for row in await changes.of_records(tx.run, label, ids, pending=True)
        if row["changes"]
    ]
    await change_log.rewrite(tx, found, _blanked)


async def _events_elsewhere(tx: Transaction, ids: list[str]) -> list[str]:
    """The events of other partners that hold these partners' values: of one they were
    merged into (or split from) and are no longer, what their sources delivered to it, and
    the merges and un-merges that moved their values."""
    rows = await tx.run(
        "MATCH (s:SourceRecord)-[:SOURCE_OF]->(g:BusinessPartner) WHERE g.id IN $ids "
        "RETURN s.system AS system, s.key AS key",
        {"ids": ids},
    )
    keys = {(row["system"], row["key"]) for row in rows}
    # Partners they were merged into, as their events say, and the one a steward split
    # them from (the pair the split marked never to be proposed again).
    others = {
        value
        for event in await changes.of_records(tx.run, PARTNER, ids, pending=True)
        for change in event["changes"]
        if change["field"] == "mergedInto"
        for value in (change["before"], change["after"])
        if isinstance(value, str)
    }
    paired = await tx.run(
        "MATCH (g:BusinessPartner)<-[:LEFT|RIGHT]-(:MatchCandidate)-[:LEFT|RIGHT]->"
        "(o:BusinessPartner) WHERE g.id IN $ids RETURN DISTINCT o.id AS id",
        {"ids": ids},
    )
    others |= {row["id"] for row in paired}
    others -= set(ids)
    if not others:
        return []
    theirs = set(ids)
    return [
        event["id"]
        for event in await changes.of_records(tx.run, PARTNER, sorted(others), pending=True)
        if event["changes"]
        and (
            (event["system"], event["key"]) in keys
            or any(
                change["field"] == "mergedFrom" and theirs & _ids_in(change)
                for change in event["changes"]
            )
        )
    ]


def _ids_in(change: dict[str, Any]) -> set[str]:
    """The partners a change of ``mergedFrom`` joined or parted (not those it kept)."""
    before, after = (
        {v for v in (side or []) if isinstance(v, str)}
        for side in (change["before"], change["after"])
    )
    return before ^ after


def _blanked(event: dict[str, Any]) -> dict[str, Any]:
    erased = [
        {"field": c["field"], "before": None, "after": None, "erased": True}
        for c in changes.changes_of(event)
    ]
    return {**{k: v for k, v in event.items() if k != "values"}, "changes": erased}

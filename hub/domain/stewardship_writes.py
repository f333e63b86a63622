"""The statements stewards' decisions send (reject, merge, un-merge), each built as
``(cypher, params)``: pure functions, run by :mod:`hub.domain.stewardship`, their texts kept
as snapshots like the upsert's (:mod:`hub.domain.writes`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.domain.writes import Statement

# What a decision records on a candidate: when, who, for whom and why (``Audit.event()``).
_DECIDED = (
    "c.decidedAt = $now, c.decidedBy = $by, c.decidedOnBehalfOf = $onBehalfOf, c.reason = $reason"
)


def candidate_status(candidate_id: str) -> Statement:
    return (
        "MATCH (c:MatchCandidate {id: $id}) RETURN c.status AS status",
        {"id": candidate_id},
    )


def candidate_pair(candidate_id: str) -> Statement:
    """A candidate's status and its two partners."""
    return (
        "MATCH (c:MatchCandidate {id: $id}) "
        "MATCH (c)-[:LEFT]->(l:BusinessPartner) MATCH (c)-[:RIGHT]->(r:BusinessPartner) "
        "RETURN c.status AS status, l.id AS left, r.id AS right",
        {"id": candidate_id},
    )


def reject_candidate(candidate_id: str, now: dt.datetime, audit: dict[str, Any]) -> Statement:
    """An open candidate REJECTED (one decided meanwhile is left as it is); its partners."""
    return (
        "MATCH (c:MatchCandidate {id: $id}) WHERE c.status = 'OPEN' "
        f"SET c.status = 'REJECTED', {_DECIDED} "
        "WITH c MATCH (c)-[:LEFT|RIGHT]->(p:BusinessPartner) "
        "RETURN c.id AS candidate, p.id AS partner",
        {"id": candidate_id, "now": now, **audit},
    )


def lock_partners(ids: list[str], now: dt.datetime) -> Statement:
    return (
        "UNWIND $ids AS id MATCH (g:BusinessPartner {id: id}) SET g.lockedAt = $now",
        {"ids": ids, "now": now},
    )


def golden(hub_id: str) -> Statement:
    return (
        "MATCH (g:BusinessPartner {id: $id}) "
        "RETURN g.id AS id, g.state AS state, g.version AS version, g.mergedInto AS mergedInto, "
        "g.mergedFrom AS mergedFrom, g.overrides AS overrides, g.deletedAt AS deletedAt",
        {"id": hub_id},
    )


def move(rel: str, outgoing: bool, source: str, target: str, only: str | None) -> Statement:
    """The ``rel`` relationships of partner ``source`` moved to ``target``, each marked with
    the partner it came from; with ``only``, those that came from that partner."""
    where = "r.movedFrom = $only" if only else "true"
    pattern = f"(m)-[r:{rel}]->(x)" if outgoing else f"(m)<-[r:{rel}]-(x)"
    created = f"(s)-[n:{rel}]->(x)" if outgoing else f"(s)<-[n:{rel}]-(x)"
    return (
        f"MATCH (m:BusinessPartner {{id: $source}}) MATCH {pattern} WHERE {where} "
        f"MATCH (s:BusinessPartner {{id: $target}}) "
        f"CREATE {created} SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) "
        "DELETE r",
        {"source": source, "target": target, "only": only},
    )


def set_overrides(hub_id: str, overrides: str | None) -> Statement:
    return (
        "MATCH (g:BusinessPartner {id: $id}) SET g.overrides = $overrides",
        {"id": hub_id, "overrides": overrides},
    )


def add_merged_from(survivor_id: str, ids: list[str]) -> Statement:
    return (
        "MATCH (s:BusinessPartner {id: $id}) SET s.mergedFrom = coalesce(s.mergedFrom, []) + $ids",
        {"id": survivor_id, "ids": ids},
    )


# Merging one partner into the survivor, in order; their parameters are ``merge_one``'s.
MERGE_ONE = (
    # Source records keep their keys and now feed the survivor; each remembers the partner it
    # first fed, so an un-merge can bring that partner back.
    "MATCH (m:BusinessPartner {id: $merged})<-[r:SOURCE_OF]-(x:SourceRecord) "
    "MATCH (s:BusinessPartner {id: $survivor}) "
    "SET x.formerGolden = coalesce(x.formerGolden, $merged) "
    "CREATE (x)-[:SOURCE_OF]->(s) DELETE r",
    # The pair's own candidate is decided.
    f"MATCH (c:MatchCandidate {{pair: $pair}}) WHERE c.status = 'OPEN' "
    f"SET c.status = 'MERGED', {_DECIDED}",
    "MATCH (m:BusinessPartner {id: $merged})-[:HAS_ADDRESS]->(a:Address) DETACH DELETE a",
    "MATCH (t:BusinessPartner {mergedInto: $merged}) SET t.mergedInto = $survivor",
    "MATCH (m:BusinessPartner {id: $merged}) SET m.mergedInto = $survivor, "
    "m.mergedFrom = null, m.version = m.version + 1, m.updatedAt = $now",
)


def merge_one(
    merged_id: str, survivor_id: str, pair: str, now: dt.datetime, audit: dict[str, Any]
) -> list[Statement]:
    params = {"merged": merged_id, "survivor": survivor_id, "pair": pair, "now": now, **audit}
    return [(statement, params) for statement in MERGE_ONE]


def decide_among(ids: list[str], now: dt.datetime, audit: dict[str, Any]) -> Statement:
    """The open candidates between any two of ``ids``, MERGED: a merge joined them."""
    return (
        "MATCH (c:MatchCandidate {status: 'OPEN'})-[:LEFT]->(l:BusinessPartner) "
        "MATCH (c)-[:RIGHT]->(r:BusinessPartner) WHERE l.id IN $ids AND r.id IN $ids "
        f"SET c.status = 'MERGED', {_DECIDED}",
        {"ids": ids, "now": now, **audit},
    )


def candidates_with(merged_id: str) -> Statement:
    """The candidates that name the merged partner: their side and other partner."""
    return (
        "MATCH (c:MatchCandidate)-[side:LEFT|RIGHT]->(:BusinessPartner {id: $merged}) "
        "MATCH (c)-[:LEFT|RIGHT]->(o:BusinessPartner) WHERE o.id <> $merged "
        "RETURN c.id AS id, c.status AS status, type(side) AS side, o.id AS other",
        {"merged": merged_id},
    )


def candidate_of_pair(pair: str) -> Statement:
    return ("MATCH (t:MatchCandidate {pair: $pair}) RETURN t.id AS id", {"pair": pair})


def copy_decision(candidate_id: str, twin_id: str) -> Statement:
    return (
        "MATCH (c:MatchCandidate {id: $id}) MATCH (t:MatchCandidate {id: $twin}) "
        "SET t.status = c.status, t.decidedAt = c.decidedAt, "
        "t.decidedBy = c.decidedBy, t.reason = c.reason",
        {"id": candidate_id, "twin": twin_id},
    )


def drop_candidate(candidate_id: str) -> Statement:
    return ("MATCH (c:MatchCandidate {id: $id}) DETACH DELETE c", {"id": candidate_id})


def repoint_candidate(
    candidate_id: str, side: str, merged_id: str, survivor_id: str, pair: str
) -> Statement:
    """A candidate's ``side`` (LEFT or RIGHT) moved from the merged partner to the survivor."""
    return (
        f"MATCH (c:MatchCandidate {{id: $id}})-[r:{side}]->(:BusinessPartner {{id: $merged}}) "
        f"MATCH (s:BusinessPartner {{id: $survivor}}) CREATE (c)-[:{side}]->(s) "
        "SET c.pair = $pair DELETE r",
        {"id": candidate_id, "merged": merged_id, "survivor": survivor_id, "pair": pair},
    )


def source_of(system: str, key: str) -> Statement:
    """The partner a source feeds, the partner it fed before a merge, how many feed it (and
    how many others its system has not deleted), whether the source was deleted or the
    partner erased, and the others' system and key."""
    return (
        "MATCH (x:SourceRecord {entity: 'BusinessPartner', system: $system, key: $key})"
        "-[:SOURCE_OF]->(g:BusinessPartner) "
        "RETURN g.id AS golden, x.formerGolden AS former, "
        "x.deletedAt IS NOT NULL AS gone, g.erasedAt IS NOT NULL AS erased, "
        "COUNT { (g)<-[:SOURCE_OF]-(:SourceRecord) } AS sources, "
        "COUNT { (g)<-[:SOURCE_OF]-(o:SourceRecord) WHERE o <> x AND o.deletedAt IS NULL } "
        "AS othersLive, "
        "[(g)<-[:SOURCE_OF]-(o:SourceRecord) WHERE o <> x | o.system + '/' + o.key] AS others",
        {"system": system, "key": key},
    )


def related_to(ids: list[str]) -> Statement:
    """The other partners with a relationship to one of these."""
    return (
        "MATCH (o:BusinessPartner)-[:RELATED_TO]->(g:BusinessPartner) "
        "WHERE g.id IN $ids AND NOT o.id IN $ids RETURN DISTINCT o.id AS id",
        {"ids": ids},
    )


def revive(split_id: str) -> Statement:
    return ("MATCH (m:BusinessPartner {id: $id}) SET m.mergedInto = null", {"id": split_id})


def drop_merged_from(golden_id: str, split_id: str) -> Statement:
    return (
        "MATCH (s:BusinessPartner {id: $id}) "
        "SET s.mergedFrom = [m IN coalesce(s.mergedFrom, []) WHERE m <> $split]",
        {"id": golden_id, "split": split_id},
    )


def split_source(system: str, key: str, split_id: str) -> Statement:
    """The source record feeds the split partner from now on."""
    return (
        "MATCH (x:SourceRecord {entity: 'BusinessPartner', system: $system, key: $key})"
        "-[r:SOURCE_OF]->(:BusinessPartner) MATCH (n:BusinessPartner {id: $split}) "
        "SET x.formerGolden = null CREATE (x)-[:SOURCE_OF]->(n) DELETE r",
        {"system": system, "key": key, "split": split_id},
    )


def never_again(
    split_id: str,
    golden_id: str,
    pair: str,
    candidate_id: str,
    now: dt.datetime,
    audit: dict[str, Any],
) -> Statement:
    """The pair's candidate, REJECTED by the steward who split them: never proposed or
    merged again by itself."""
    return (
        "MATCH (l:BusinessPartner {id: $split}) MATCH (r:BusinessPartner {id: $golden}) "
        "MERGE (c:MatchCandidate {pair: $pair}) "
        "ON CREATE SET c.id = $cid, c.score = 0.0, c.createdAt = $now, c.features = '[]', "
        "c.explanation = 'split by a steward' "
        f"SET c.status = 'REJECTED', c.split = true, {_DECIDED} "
        "WITH c, l, r OPTIONAL MATCH (c)-[old:LEFT|RIGHT]->() DELETE old "
        "WITH DISTINCT c, l, r CREATE (c)-[:LEFT]->(l) CREATE (c)-[:RIGHT]->(r)",
        {
            "split": split_id,
            "golden": golden_id,
            "pair": pair,
            "cid": candidate_id,
            "now": now,
            **audit,
        },
    )

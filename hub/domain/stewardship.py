"""The match queue: reading candidates and recording stewards' decisions."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from graph_schema import MODEL
from graph_schema.survivorship import ATTRIBUTES
from hub.domain import problems as codes
from hub.domain.ids import new_id
from hub.domain.kinds import BUSINESS_PARTNER, State
from hub.domain.problems import Path, Problem, Rejected
from hub.domain.upsert import read_origins, record_events, write_golden
from hub.mastering.matcher import link_keys, pair_of
from hub.mastering.profile import blocking_keys, profile
from hub.mastering.survivorship import survive
from hub.store import Store, Transaction

Row = dict[str, Any]

_FIELDS = (
    "c {.id, .status, .score, .features, .explanation, .createdAt, .decidedAt, .decidedBy, "
    ".reason, leftId: l.id, rightId: r.id} AS row"
)
_FILTER = "WHERE ($status IS NULL OR c.status = $status) AND ($min IS NULL OR c.score >= $min)"


async def candidates(
    store: Store, status: str | None, min_score: float | None, offset: int, limit: int
) -> list[Row]:
    """A page of candidates, best score first."""
    found = await store.query(
        f"MATCH (c:MatchCandidate) {_FILTER} "
        "MATCH (c)-[:LEFT]->(l:BusinessPartner) MATCH (c)-[:RIGHT]->(r:BusinessPartner) "
        f"RETURN {_FIELDS} ORDER BY c.score DESC, c.id SKIP $offset LIMIT $limit",
        {"status": status, "min": min_score, "offset": offset, "limit": limit},
    )
    return [row["row"] for row in found]


async def count_candidates(store: Store, status: str | None, min_score: float | None) -> int:
    (row,) = await store.query(
        f"MATCH (c:MatchCandidate) {_FILTER} RETURN count(c) AS n",
        {"status": status, "min": min_score},
    )
    return int(row["n"])


async def candidates_by_id(store: Store, ids: list[str]) -> list[Row]:
    found = await store.query(
        "UNWIND $ids AS id MATCH (c:MatchCandidate {id: id}) "
        "MATCH (c)-[:LEFT]->(l:BusinessPartner) MATCH (c)-[:RIGHT]->(r:BusinessPartner) "
        f"RETURN {_FIELDS}",
        {"ids": ids},
    )
    return [row["row"] for row in found]


async def reject(
    tx: Transaction, candidate_id: str, reason: str | None, user: str, now: dt.datetime
) -> str:
    """Mark an open candidate REJECTED with who, when and why."""
    found = await tx.run(
        "MATCH (c:MatchCandidate {id: $id}) RETURN c.status AS status", {"id": candidate_id}
    )
    if not found:
        raise Rejected([Problem(("id",), codes.NOT_FOUND, "no match candidate has this ID")])
    if found[0]["status"] != "OPEN":
        raise Rejected(
            [
                Problem(
                    ("id",),
                    codes.INVALID_TRANSITION,
                    f"the candidate is {found[0]['status']}; only an OPEN one can be rejected",
                )
            ]
        )
    await tx.run(
        "MATCH (c:MatchCandidate {id: $id}) SET c.status = 'REJECTED', c.decidedAt = $now, "
        "c.decidedBy = $user, c.reason = $reason",
        {"id": candidate_id, "now": now, "user": user, "reason": reason},
    )
    return candidate_id


# ---- merge and un-merge ---------------------------------------------------------------------

PARTNER = "BusinessPartner"
# Relationships that move with a partner when it is merged: every one the model gives a
# partner, except its own children (addresses, rebuilt from its values), its source records,
# blocking keys and match candidates (handled on their own).
_OWN = frozenset({"HAS_ADDRESS", "SOURCE_OF", "HAS_MATCH_KEY", "LEFT", "RIGHT"})
MOVING = tuple(
    sorted(
        {
            (r.type, r.source == PARTNER)
            for r in MODEL.relationships_of(PARTNER)
            if r.type not in _OWN
        }
    )
)


@dataclass(frozen=True)
class Audit:
    by: str
    reason: str | None

    def event(self) -> dict[str, Any]:
        return {"by": self.by, "reason": self.reason}


async def _golden(tx: Transaction, hub_id: str) -> Row | None:
    found = await tx.run(
        "MATCH (g:BusinessPartner {id: $id}) "
        "RETURN g.id AS id, g.state AS state, g.version AS version, g.mergedInto AS mergedInto, "
        "g.mergedFrom AS mergedFrom, g.overrides AS overrides",
        {"id": hub_id},
    )
    return found[0] if found else None


async def _move(tx: Transaction, source: str, target: str, only_from: str | None = None) -> None:
    """Move the partner relationships of ``source`` to ``target``, marking each with the
    partner it came from; with ``only_from``, only those that came from that partner."""
    where = "r.movedFrom = $only" if only_from else "true"
    for rel, outgoing in MOVING:
        pattern = f"(m)-[r:{rel}]->(x)" if outgoing else f"(m)<-[r:{rel}]-(x)"
        created = f"(s)-[n:{rel}]->(x)" if outgoing else f"(s)<-[n:{rel}]-(x)"
        await tx.run(
            f"MATCH (m:BusinessPartner {{id: $source}}) MATCH {pattern} WHERE {where} "
            f"MATCH (s:BusinessPartner {{id: $target}}) "
            f"CREATE {created} SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) "
            "DELETE r",
            {"source": source, "target": target, "only": only_from},
        )


async def _recompute(
    tx: Transaction, record: Row, action: str, now: dt.datetime, audit: Audit, overrides: State
) -> None:
    """The survivor's (or split record's) values from its sources, written as a new version."""
    origins = await read_origins(tx, BUSINESS_PARTNER, [record["id"]])
    sources, _ = origins.get(record["id"], ({}, {}))
    state, _ = survive(list(sources.values()), overrides)
    await tx.run(
        "MATCH (g:BusinessPartner {id: $id}) SET g.overrides = $overrides",
        {
            "id": record["id"],
            "overrides": json.dumps(overrides, ensure_ascii=False) if overrides else None,
        },
    )
    base = json.loads(record["state"] or "{}")
    await write_golden(
        tx,
        BUSINESS_PARTNER,
        record["id"],
        base,
        state,
        record["version"] or 0,
        action,
        now,
        audit.event(),
    )


def _override_values(overrides: list[tuple[str, str | None]]) -> tuple[State, list[Problem]]:
    """Overrides from the input: the value as text, JSON for lists; None removes one."""
    values: State = {}
    problems = []
    for position, (attribute, value) in enumerate(overrides):
        path: Path = ("input", "overrides", str(position), "attribute")
        if attribute not in ATTRIBUTES:
            problems.append(
                Problem(
                    path,
                    codes.INVALID_VALUE,
                    f"{attribute!r} is not an attribute of a partner; "
                    f"one of {', '.join(ATTRIBUTES)}",
                )
            )
            continue
        if value is None:
            values[attribute] = None
        elif attribute in ("roles", "addresses"):
            try:
                values[attribute] = json.loads(value)
            except json.JSONDecodeError:
                problems.append(
                    Problem(
                        (*path[:-1], "value"), codes.INVALID_VALUE, f"{attribute} takes a JSON list"
                    )
                )
        else:
            values[attribute] = value
    return values, problems


async def merge(
    tx: Transaction,
    survivor_id: str,
    merged_ids: list[str],
    overrides: list[tuple[str, str | None]],
    audit: Audit,
    now: dt.datetime,
) -> str:
    """Merge partners into the survivor in one transaction; see docs/matching.md."""
    problems: list[Problem] = []
    changes, bad = _override_values(overrides)
    problems += bad
    survivor = await _golden(tx, survivor_id)
    if survivor is None or survivor["mergedInto"]:
        problems.append(Problem(("input", "survivor"), codes.NOT_FOUND, "no such partner"))
    merged: list[Row] = []
    for position, hub_id in enumerate(merged_ids):
        path: Path = ("input", "merged", str(position))
        record = await _golden(tx, hub_id)
        if record is None or record["mergedInto"]:
            problems.append(Problem(path, codes.NOT_FOUND, "no such partner, or merged already"))
        elif hub_id == survivor_id or hub_id in [m["id"] for m in merged]:
            problems.append(Problem(path, codes.INVALID_VALUE, "a partner is named twice"))
        else:
            merged.append(record)
    if not merged and not problems:
        problems.append(Problem(("input", "merged"), codes.REQUIRED, "name a partner to merge"))
    if problems:
        raise Rejected(problems)
    assert survivor is not None
    for record in merged:
        await _merge_one(tx, survivor_id, record, audit, now)
    kept = json.loads(survivor["overrides"] or "{}")
    kept.update(changes)
    kept = {k: v for k, v in kept.items() if v is not None}
    await tx.run(
        "MATCH (s:BusinessPartner {id: $id}) SET s.mergedFrom = coalesce(s.mergedFrom, []) + $ids",
        {"id": survivor_id, "ids": [m["id"] for m in merged]},
    )
    await _recompute(tx, survivor, "MERGED", now, audit, kept)
    return survivor_id


async def _merge_one(
    tx: Transaction, survivor_id: str, record: Row, audit: Audit, now: dt.datetime
) -> None:
    merged_id = record["id"]
    await _move(tx, merged_id, survivor_id)
    params = {"merged": merged_id, "survivor": survivor_id, "now": now, **audit.event()}
    for statement in (
        # Source records keep their keys and now feed the survivor; each remembers the
        # partner it first fed, so an un-merge can bring that partner back.
        "MATCH (m:BusinessPartner {id: $merged})<-[r:SOURCE_OF]-(x:SourceRecord) "
        "MATCH (s:BusinessPartner {id: $survivor}) "
        "SET x.formerGolden = coalesce(x.formerGolden, $merged) "
        "CREATE (x)-[:SOURCE_OF]->(s) DELETE r",
        "MATCH (m:BusinessPartner {id: $merged})-[r:HAS_MATCH_KEY]->(k:MatchKey) "
        "MATCH (s:BusinessPartner {id: $survivor}) MERGE (s)-[:HAS_MATCH_KEY]->(k) DELETE r",
        # The pair's own candidates are decided; others now concern the survivor.
        "MATCH (c:MatchCandidate {pair: $pair}) WHERE c.status = 'OPEN' "
        "SET c.status = 'MERGED', c.decidedAt = $now, c.decidedBy = $by, c.reason = $reason",
        "MATCH (m:BusinessPartner {id: $merged})-[:HAS_ADDRESS]->(a:Address) DETACH DELETE a",
        "MATCH (t:BusinessPartner {mergedInto: $merged}) SET t.mergedInto = $survivor",
        "MATCH (m:BusinessPartner {id: $merged}) SET m.mergedInto = $survivor, "
        "m.version = m.version + 1, m.updatedAt = $now",
    ):
        await tx.run(statement, {**params, "pair": pair_of(merged_id, survivor_id)})
    await record_events(
        tx,
        [
            {
                "id": new_id(),
                "entity": PARTNER,
                "entityId": merged_id,
                "action": "MERGED_INTO",
                "fields": ["mergedInto"],
                "version": (record["version"] or 0) + 1,
                **audit.event(),
            }
        ],
        now,
    )


async def unmerge(tx: Transaction, system: str, key: str, audit: Audit, now: dt.datetime) -> str:
    """Split a source record out of its golden record into one of its own again."""
    found = await tx.run(
        "MATCH (x:SourceRecord {entity: 'BusinessPartner', system: $system, key: $key})"
        "-[:SOURCE_OF]->(g:BusinessPartner) "
        "RETURN g.id AS golden, x.formerGolden AS former, "
        "COUNT { (g)<-[:SOURCE_OF]-(:SourceRecord) } AS sources",
        {"system": system, "key": key},
    )
    path: Path = ("input", "source")
    if not found:
        raise Rejected([Problem(path, codes.NOT_FOUND, f"no partner source {system}/{key}")])
    golden_id, former = found[0]["golden"], found[0]["former"]
    if found[0]["sources"] < 2:
        raise Rejected(
            [Problem(path, codes.INVALID_TRANSITION, "the source is its partner's only one")]
        )
    survivor = await _golden(tx, golden_id)
    revived = await _golden(tx, former) if former else None
    assert survivor is not None
    split_base: Row | None
    if revived is not None and revived["mergedInto"] == golden_id:
        split_id = revived["id"]
        await tx.run(
            "MATCH (m:BusinessPartner {id: $id}) SET m.mergedInto = null", {"id": split_id}
        )
        await _move(tx, golden_id, split_id, only_from=split_id)
        await tx.run(
            "MATCH (s:BusinessPartner {id: $id}) "
            "SET s.mergedFrom = [m IN coalesce(s.mergedFrom, []) WHERE m <> $split]",
            {"id": golden_id, "split": split_id},
        )
        split_base = revived
    else:  # merged on arrival: the source gets a partner of its own for the first time
        split_id = await write_golden(tx, BUSINESS_PARTNER, None, {}, {}, 0, "UNMERGED", now)
        split_base = await _golden(tx, split_id)
        assert split_base is not None
    await tx.run(
        "MATCH (x:SourceRecord {entity: 'BusinessPartner', system: $system, key: $key})"
        "-[r:SOURCE_OF]->(:BusinessPartner) MATCH (n:BusinessPartner {id: $split}) "
        "SET x.formerGolden = null CREATE (x)-[:SOURCE_OF]->(n) DELETE r",
        {"system": system, "key": key, "split": split_id},
    )
    # A steward split them: the pair is never proposed or merged again by itself.
    await tx.run(
        "MATCH (l:BusinessPartner {id: $split}) MATCH (r:BusinessPartner {id: $golden}) "
        "MERGE (c:MatchCandidate {pair: $pair}) "
        "ON CREATE SET c.id = $cid, c.score = 0.0, c.createdAt = $now, c.features = '[]', "
        "c.explanation = 'split by a steward' "
        "SET c.status = 'REJECTED', c.decidedAt = $now, c.decidedBy = $by, c.reason = $reason "
        "MERGE (c)-[:LEFT]->(l) MERGE (c)-[:RIGHT]->(r)",
        {
            "split": split_id,
            "golden": golden_id,
            "pair": pair_of(split_id, golden_id),
            "cid": new_id(),
            "now": now,
            **audit.event(),
        },
    )
    await _recompute(tx, split_base, "UNMERGED", now, audit, {})
    await _recompute(
        tx, survivor, "UNMERGED", now, audit, json.loads(survivor["overrides"] or "{}")
    )
    split = await _golden(tx, split_id)
    assert split is not None
    await link_keys(tx, [(split_id, blocking_keys(profile(json.loads(split["state"] or "{}"))))])
    return str(split_id)

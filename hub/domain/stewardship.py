"""The match queue: reading candidates and recording stewards' decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.domain import problems as codes
from hub.domain.problems import Problem, Rejected
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

"""Reading the stewards' match queue: pages of candidates, best score first, their count,
candidates by id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.read.filters import Compiler
from hub.read.keyset import SortKey, beyond, ordering, position_of
from hub.read.pagination import Bounds
from hub.store import Store

Row = dict[str, Any]

_FIELDS = (
    "c {.id, .status, .score, .features, .explanation, .createdAt, .decidedAt, .decidedBy, "
    ".decidedOnBehalfOf, .reason, leftId: l.id, rightId: r.id} AS row"
)
_FILTER = "WHERE ($status IS NULL OR c.status = $status) AND ($min IS NULL OR c.score >= $min)"


# Best score first; the id breaks ties, so every candidate has one place in the queue.
QUEUE_ORDER = (SortKey("c.score", descending=True, nullable=False), SortKey("c.id", nullable=False))


def candidates_statement(
    status: str | None, min_score: float | None
) -> Callable[[Bounds, bool], tuple[str, dict[str, Any]]]:
    """The statement of a page of the queue, for :func:`hub.read.lists.page`."""

    def statement(bounds: Bounds, backwards: bool) -> tuple[str, dict[str, Any]]:
        compiler = Compiler()
        where = _FILTER
        for position, later in ((bounds.after, True), (bounds.before, False)):
            if position is not None:
                where += f" AND {beyond(QUEUE_ORDER, position, later, compiler)}"
        return (
            f"MATCH (c:MatchCandidate) {where} "
            "MATCH (c)-[:LEFT]->(l:BusinessPartner) MATCH (c)-[:RIGHT]->(r:BusinessPartner) "
            f"RETURN {_FIELDS}, {position_of(QUEUE_ORDER)} AS position "
            f"ORDER BY {ordering(QUEUE_ORDER, backwards)} LIMIT $limit",
            {**compiler.params, "status": status, "min": min_score},
        )

    return statement


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

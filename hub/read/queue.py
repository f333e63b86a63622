"""Reading the stewards' match queue: pages of candidates, best score first, their count,
candidates by id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class QueueFilter:
    """Which candidates: of this status, scoring in this range, between partners of this kind,
    one of them delivered by this system; None does not filter."""

    status: str | None = "OPEN"
    min_score: float | None = None
    max_score: float | None = None
    kind: str | None = None
    system: str | None = None

    def own(self) -> str:
        """The candidate's own tests (before its partners are matched)."""
        return (
            "WHERE ($status IS NULL OR c.status = $status) AND ($min IS NULL OR c.score >= $min) "
            "AND ($max IS NULL OR c.score <= $max)"
        )

    def partners(self) -> str:
        """The tests on the pair's partners, once ``l`` and ``r`` are matched."""
        tests = []
        if self.kind is not None:
            tests.append("l.kind = $kind")
        if self.system is not None:
            tests.append(
                "size([(l)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.system = $system | s.id]) "
                "+ size([(r)<-[:SOURCE_OF]-(t:SourceRecord) WHERE t.system = $system | t.id]) > 0"
            )
        return f"WHERE {' AND '.join(tests)} " if tests else ""

    def params(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "min": self.min_score,
            "max": self.max_score,
            "kind": self.kind,
            "system": self.system,
        }


# Best score first; the id breaks ties, so every candidate has one place in the queue.
QUEUE_ORDER = (SortKey("c.score", descending=True, nullable=False), SortKey("c.id", nullable=False))
ORDERS = {
    "SCORE_DESC": QUEUE_ORDER,
    "SCORE_ASC": (SortKey("c.score", nullable=False), SortKey("c.id", nullable=False)),
    "NEWEST": (
        SortKey("c.createdAt", descending=True, nullable=False),
        SortKey("c.id", descending=True, nullable=False),
    ),
    "OLDEST": (SortKey("c.createdAt", nullable=False), SortKey("c.id", nullable=False)),
}

_PAIR = "MATCH (c)-[:LEFT]->(l:BusinessPartner) MATCH (c)-[:RIGHT]->(r:BusinessPartner) "


def candidates_statement(
    only: QueueFilter, order: str = "SCORE_DESC"
) -> Callable[[Bounds, bool], tuple[str, dict[str, Any]]]:
    """The statement of a page of the queue, for :func:`hub.read.lists.page`."""
    keys = ORDERS[order]

    def statement(bounds: Bounds, backwards: bool) -> tuple[str, dict[str, Any]]:
        compiler = Compiler()
        where = only.own()
        for position, later in ((bounds.after, True), (bounds.before, False)):
            if position is not None:
                where += f" AND {beyond(keys, position, later, compiler)}"
        order = f"ORDER BY {ordering(keys, backwards)} LIMIT $limit"
        # Without a test on the partners, the page is chosen before its pairs are read: a
        # queue of thousands reads 25 pairs, not thousands.
        chosen = f"WITH c {order} " if not (only.kind or only.system) else ""
        return (
            f"MATCH (c:MatchCandidate) {where} {chosen}{_PAIR}{only.partners()}"
            f"RETURN {_FIELDS}, {position_of(keys)} AS position {order}",
            {**compiler.params, **only.params()},
        )

    return statement


async def count_candidates(store: Store, only: QueueFilter) -> int:
    pair = f"{_PAIR}{only.partners()}" if only.kind or only.system else ""
    (row,) = await store.query(
        f"MATCH (c:MatchCandidate) {only.own()} {pair}RETURN count(c) AS n", only.params()
    )
    return int(row["n"])


async def candidates_by_id(store: Store, ids: list[str]) -> list[Row]:
    found = await store.query(
        f"UNWIND $ids AS id MATCH (c:MatchCandidate {{id: id}}) {_PAIR}RETURN {_FIELDS}",
        {"ids": ids},
    )
    return [row["row"] for row in found]

"""The stewards' overview: the match queue's size over time, decisions and rejections per
day, and how candidates scored per outcome."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hub.read.values import native
from hub.store import Store
from hub.store.temporal import to_store

BUCKETS = 20  # score buckets of 0.05


@dataclass
class Day:
    day: dt.date
    open_at_end: int = 0  # candidates open at the end of the day
    proposed: int = 0
    merged: int = 0  # partners merged into another, automatically or by a steward
    unmerged: int = 0
    not_a_match: int = 0  # candidates a steward rejected
    rows_rejected: int = 0  # rows loads refused


@dataclass
class Overview:
    days: list[Day]
    open_now: int
    # status -> candidates per score bucket (bucket i holds scores from i/20 to (i+1)/20)
    scores: dict[str, list[int]] = field(default_factory=dict)


def _day(value: Any) -> dt.date | None:
    value = native(value)
    if isinstance(value, dt.datetime):  # the store keeps UTC, with or without an offset
        return (value.astimezone(dt.UTC) if value.tzinfo else value).date()
    return value if isinstance(value, dt.date) else None


# The record an un-merge leaves of the pair it split, so that matching never joins them
# again (hub.domain.stewardship_writes.never_again): no candidate anyone proposed, nor a
# steward's "not a match". A candidate it turns REJECTED is marked split, and counts as
# proposed, never as rejected.
SPLIT = "split by a steward"


async def _candidates(store: Store) -> list[dict[str, Any]]:
    return await store.query(
        "MATCH (c:MatchCandidate) WHERE coalesce(c.explanation, '') <> $split "
        "RETURN c.status AS status, c.score AS score, c.split IS NOT NULL AS split, "
        "c.createdAt AS created, c.decidedAt AS decided",
        {"split": SPLIT},
    )


async def _events(store: Store, since: dt.datetime) -> list[tuple[Any, str]]:
    """(when, action) of every merge and un-merge of a partner since ``since``: a
    MERGED_INTO per partner merged away, an UNMERGED on each of the two partners a split
    parts."""
    rows = await store.query(
        "MATCH (b:ChangeBatch) WHERE b.at >= $since "
        "OPTIONAL MATCH (x:ChangeEvents {batch: b.id}) "
        "WITH b.at AS at, coalesce(b.actions, x.actions) AS actions "
        "WHERE 'MERGED_INTO' IN actions OR 'UNMERGED' IN actions "
        "RETURN at, actions",
        {"since": since},
    )
    return [
        (row["at"], action)
        for row in rows
        for action in row["actions"]
        if action in ("MERGED_INTO", "UNMERGED")
    ]


async def _rejected_rows(store: Store, since: dt.datetime) -> list[Any]:
    rows = await store.query(
        "MATCH (r:RejectedRow) WHERE r.rejectedAt >= $since RETURN r.rejectedAt AS at",
        {"since": since},
    )
    return [row["at"] for row in rows]


async def overview(store: Store, days: int, today: dt.date) -> Overview:
    """The last ``days`` days up to ``today``, oldest first."""
    first = today - dt.timedelta(days=days - 1)
    since = to_store(dt.datetime.combine(first, dt.time(), dt.UTC))
    by_day = {first + dt.timedelta(days=i): Day(first + dt.timedelta(days=i)) for i in range(days)}
    candidates = await _candidates(store)
    scores: dict[str, list[int]] = {}
    proposed: Counter[dt.date] = Counter()
    decided: Counter[dt.date] = Counter()
    open_now = 0
    for c in candidates:
        bucket = min(int((c["score"] or 0.0) * BUCKETS), BUCKETS - 1)
        scores.setdefault(c["status"], [0] * BUCKETS)[bucket] += 1
        open_now += c["status"] == "OPEN"
        created, settled = _day(c["created"]), _day(c["decided"])
        if created is not None:
            proposed[created] += 1
        if settled is not None:
            decided[settled] += 1
            # A pair a steward split after a merge was rejected by no one.
            if c["status"] == "REJECTED" and not c["split"] and settled in by_day:
                by_day[settled].not_a_match += 1
    parted: Counter[dt.date] = Counter()
    for at, action in await _events(store, since):
        day = _day(at)
        if day in by_day:
            if action == "MERGED_INTO":
                by_day[day].merged += 1
            else:
                parted[day] += 1
    for day, events in parted.items():
        by_day[day].unmerged = events // 2  # a split's event on each partner it parts
    for at in await _rejected_rows(store, since):
        day = _day(at)
        if day in by_day:
            by_day[day].rows_rejected += 1
    # The queue at the end of each day, walking back from now: a day's proposals were not
    # open the evening before, its decisions were.
    waiting = open_now
    for day in sorted(by_day, reverse=True):
        by_day[day].open_at_end = max(waiting, 0)
        by_day[day].proposed = proposed[day]
        waiting += decided[day] - proposed[day]
    return Overview([by_day[d] for d in sorted(by_day)], open_now, scores)

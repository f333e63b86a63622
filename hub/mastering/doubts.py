"""A record that joined a partner on a landline alone, and a second person of that name who
turns up in the household later: whose record is it?

An ERP record (name, address, landline, no birth date) joins the one person of that name
the hub knows at that address (see :func:`hub.mastering.compare.alone`). When the son of the
same name is delivered later, the father's partner may hold the son's ERP record, and
nothing in it tells whose it is. Matching the son then raises a doubt about every such
record of a partner the son is kept apart from as a second person of the household; the
write path takes the record out into a partner of its own and queues it against both, for
a steward to decide (:func:`hub.domain.stewardship.settle_doubts`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graph_schema import matching as rules
from hub.mastering.compare import NO_EVIDENCE, ONE_HOUSEHOLD, Verdict
from hub.mastering.profile import Profile, completed

WHOSE = "one of two people of one name in one household, and nothing of its own to tell whose"


@dataclass(frozen=True)
class Source:
    """A source record of a candidate partner, as it was delivered."""

    system: str
    key: str
    profile: Profile


@dataclass(frozen=True)
class Doubt:
    """A source record of ``golden`` that may as well be the delivery's person's."""

    golden: str
    system: str
    key: str
    mine: Verdict  # the record against the delivery
    theirs: Verdict  # the record against the partner it feeds


def sources_read(variable: str) -> str:
    """The Cypher that reads the sources of partner ``variable`` for :func:`as_delivered`."""
    return (
        f"[({variable})<-[:SOURCE_OF]-(s:SourceRecord) | "
        "{payload: s.payload, system: s.system, key: s.key, former: s.formerGolden}]"
    )


def as_delivered(
    rows: list[dict[str, Any]] | None, profiled: Callable[[str], Profile]
) -> tuple[list[Profile], tuple[Source, ...]]:
    """The profiles of a partner's sources as :func:`sources_read` read them; and those a
    doubt may concern: of a partner with several, not merged in by a steward."""
    delivered = [row for row in rows or [] if row["payload"]]
    profiles = [profiled(row["payload"]) for row in delivered]
    sources = tuple(
        Source(row["system"], row["key"], p)
        for row, p in zip(delivered, profiles, strict=True)
        if row["former"] is None and len(delivered) > 1
    )
    return profiles, sources


def _says_nothing_of_its_own(p: Profile) -> bool:
    """No birth date and no identifier one person has alone."""
    return not (p.birth or p.tax or p.email or p.mobile or p.vehicles or p.cards)


def kept_apart(mine: Profile, verdict: Verdict) -> bool:
    """Whether ``verdict`` keeps the delivery ``mine`` apart from a partner as a second
    person of its household: the partner's records with nothing of their own are in doubt."""
    rule = verdict.rule or ""
    return mine.person and verdict.score <= rules.APART and rule.startswith(ONE_HOUSEHOLD)


def in_doubt(
    mine: Profile, record: Profile, compare: Callable[[Profile, Profile], Verdict]
) -> Verdict | None:
    """``record`` against the delivery ``mine``, when it could be ``mine``'s person's as
    well: it has nothing of its own, and nothing but name and place tells the two apart."""
    if not _says_nothing_of_its_own(record):
        return None
    to_mine = compare(mine, record)
    return to_mine if to_mine.rule == NO_EVIDENCE and to_mine.score >= rules.REVIEW else None


def doubts(
    mine: Profile,
    golden: str,
    verdict: Verdict,
    views: list[Profile],
    sources: Iterable[Source],
    compare: Callable[[Profile, Profile], Verdict],
) -> list[Doubt]:
    """The records of ``golden`` (kept apart from the delivery ``mine`` by ``verdict``; its
    ``views``: its whole values first, then each source's) that could be the delivery's
    person's just as well as the partner's."""
    if not kept_apart(mine, verdict):
        return []  # a pair a steward decides leaves the partner's records where they are
    found = []
    for source in sources:
        to_mine = in_doubt(mine, source.profile, compare)
        if to_mine is None:
            continue
        # Against the partner's other sources, as the record's own values are in its whole.
        own = completed(source.profile, views[0])
        others = [view for view in views[1:] if view != own] or views[:1]
        to_theirs = max((compare(source.profile, view) for view in others), key=lambda v: v.score)
        found.append(
            Doubt(
                golden,
                source.system,
                source.key,
                Verdict(to_mine.score, to_mine.features, WHOSE),
                Verdict(to_theirs.score, to_theirs.features, WHOSE),
            )
        )
    return found

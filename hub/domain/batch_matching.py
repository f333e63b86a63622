"""Matching the whole graph in batch (``hub match``): resumable, with progress.

Partners are visited in pages by id. Each is compared with the partners sharing the most
blocking keys, now with their neighbours in the graph as evidence (a vehicle owned by both,
a fuel card held by both), which a delivery arriving alone cannot have. Pairs at or above
``AUTO_MERGE`` are merged (the older partner survives); pairs between the thresholds are
queued, unless open candidates connect the two already; open candidates are scored again
(merged when they reach ``AUTO_MERGE`` now, withdrawn when they fall below ``REVIEW``);
pairs a steward decided are left alone.

Every page commits with a checkpoint (a ``MatchRun`` node), so an interrupted run goes on
where it stopped when started again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from graph_schema import matching as rules
from hub.actor import Actor
from hub.domain import stewardship
from hub.mastering import blocks
from hub.mastering.compare import Verdict, alone, compare
from hub.mastering.doubts import Doubt, doubts
from hub.mastering.matcher import (
    QUEUED_FOR_REVIEW,
    Frequencies,
    MatchDecision,
    candidate_states,
    open_links,
    pair_of,
    propose,
    read_frequencies,
    rescore,
    sharing_most_keys,
)
from hub.mastering.partners import GraphPartner, by_similarity, read_partners
from hub.mastering.profile import Profile
from hub.store import Store, Transaction
from hub.store.temporal import utc_now

PAGE = 200
# The audit trail names the batch matcher as the actor of the merges it makes.
MATCHER = Actor("hub match")
_RUN = "batch"


@dataclass
class BatchSummary:
    partners: int = 0
    total: int = 0  # partners to visit, counted at the start (merges make it fewer)
    merged: int = 0
    queued: int = 0
    withdrawn: int = 0  # open candidates that no longer reach the review threshold
    doubted: int = 0  # records taken out of a partner and queued (see hub.mastering.doubts)
    seconds: float = 0.0
    resumed_after: str | None = None


Progress = Callable[[BatchSummary], None]


class _Queue:
    """Which partners the open candidates already connect, directly or through others.

    A steward who accepts A-B and B-C has merged A and C too: proposing A-C as well would
    only make the queue longer.
    """

    def __init__(self, links: list[tuple[str, str]]) -> None:
        self._parent: dict[str, str] = {}
        for a, b in links:
            self.link(a, b)

    def _root(self, x: str) -> str:
        while self._parent.get(x, x) != x:
            x = self._parent[x]
        return x

    def link(self, a: str, b: str) -> None:
        self._parent[self._root(a)] = self._root(b)

    def linked(self, a: str, b: str) -> bool:
        return self._root(a) == self._root(b)


class BatchMatcher:
    def __init__(self, store: Store, page: int = PAGE, progress: Progress | None = None) -> None:
        self.store = store
        self.page = page
        self.progress = progress or (lambda _: None)
        self.summary = BatchSummary()

    async def run(self, *, restart: bool = False) -> BatchSummary:
        started = time.perf_counter()
        after = "" if restart else await self._checkpoint()
        self.summary.resumed_after = after or None
        self.summary.total = await self._count(after)
        while True:
            ids = await self._next_ids(after)
            if not ids:
                break
            await self._commit_page(ids)
            after = ids[-1]
            self.summary.partners += len(ids)
            self.progress(self.summary)
        await self.store.query("MATCH (r:MatchRun {name: $name}) DETACH DELETE r", {"name": _RUN})
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    async def _commit_page(self, ids: list[str]) -> None:
        async def work(tx: Transaction) -> None:
            await self._match_page(tx, ids)

        await self.store.write(work)

    async def _checkpoint(self) -> str:
        rows = await self.store.query(
            "MATCH (r:MatchRun {name: $name}) RETURN r.after AS after", {"name": _RUN}
        )
        return str(rows[0]["after"]) if rows else ""

    async def _count(self, after: str) -> int:
        rows = await self.store.query(
            "MATCH (p:BusinessPartner) WHERE p.id > $after AND p.mergedInto IS NULL "
            "RETURN count(p) AS n",
            {"after": after},
        )
        return int(rows[0]["n"]) if rows else 0

    async def _next_ids(self, after: str) -> list[str]:
        rows = await self.store.query(
            "MATCH (p:BusinessPartner) WHERE p.id > $after AND p.mergedInto IS NULL "
            "WITH p.id AS id ORDER BY id LIMIT $n RETURN collect(id) AS ids",
            {"after": after, "n": self.page},
        )
        return list(rows[0]["ids"]) if rows else []

    async def _match_page(self, tx: Transaction, ids: list[str]) -> None:
        now = utc_now()
        page = await read_partners(tx, ids)
        # Partners written before matching existed (or without it) get their keys here.
        await blocks.link(tx, [(p.id, p.keys) for p in page.values()], now)
        wanted = await sharing_most_keys(tx, page)
        links = await open_links(tx, sorted(page))
        for partner_id, linked_id in links:  # every open candidate is scored again
            if linked_id not in wanted[partner_id]:
                wanted[partner_id].append(linked_id)
        others = await read_partners(
            tx, sorted({c for cs in wanted.values() for c in cs} - set(page))
        )
        known = {**page, **others}
        links += await open_links(tx, sorted(others))
        status = await candidate_states(tx, [pair_of(p, c) for p, cs in wanted.items() for c in cs])
        decided = {pair for pair, (state, _) in status.items() if state != "OPEN"}
        frequency = await read_frequencies(tx, [p for x in known.values() for p in x.profiles])
        scored = {
            partner.id: by_similarity(
                partner,
                [
                    known[c]
                    for c in wanted[partner.id]
                    if c in known and pair_of(partner.id, c) not in decided
                ],
                frequency,
                frequency.weights,
            )
            for partner in page.values()
        }
        withdrawn = await self._settle_open(tx, page, scored, status, frequency)
        links = [(a, b) for a, b in links if pair_of(a, b) not in withdrawn]
        queue = _Queue(links)
        gone: set[str] = set()
        for partner in page.values():
            if partner.id in gone:
                continue
            ranked = [
                (other, verdict)
                for other, verdict in scored[partner.id]
                if other.id not in gone and pair_of(partner.id, other.id) not in decided
            ]
            if not ranked:
                continue
            other, verdict = ranked[0]
            # One system's two records of one name on one line are two people it knows there
            # (see hub.mastering.matcher): the line is no one's own. Nor is it where the other
            # waits for a steward with a third partner: an "M." that may be Michael's or
            # Monika's is no one's by its landline.
            if not partner.systems & other.systems and not _contested(partner.id, other.id, links):
                verdict = alone(verdict, (v for _, v in scored[partner.id] if v is not verdict))
            if verdict.score >= rules.AUTO_MERGE:
                survivor, merged = sorted((partner, other), key=lambda p: (str(p.created), p.id))
                audit = stewardship.Audit(MATCHER, f"score {verdict.score}: {verdict.explanation}")
                await stewardship.merge(tx, survivor.id, [merged.id], [], audit, now)
                gone.add(merged.id)
                queue.link(survivor.id, merged.id)
                # The merged partner's candidates now concern the survivor, a steward's
                # rejection among them: later partners of the page must see it.
                decided |= await self._decided_with(tx, survivor.id)
                self.summary.merged += 1
                continue
            for other, verdict in ranked:
                if verdict.score < rules.REVIEW:
                    break
                if queue.linked(partner.id, other.id):
                    continue
                decision = MatchDecision(QUEUED_FOR_REVIEW, verdict.score, other.id, None, verdict)
                if await propose(tx, partner.id, other.id, decision, now):
                    self.summary.queued += 1
                queue.link(partner.id, other.id)
                break
        self.summary.doubted += await stewardship.settle_doubts(
            tx, _doubted(page, scored, gone, frequency), now
        )
        await tx.run(
            "MERGE (r:MatchRun {name: $name}) SET r.after = $after, r.updatedAt = $now",
            {"name": _RUN, "after": max(ids), "now": now},
        )

    async def _settle_open(
        self,
        tx: Transaction,
        page: dict[str, GraphPartner],
        scored: dict[str, list[tuple[GraphPartner, Verdict]]],
        status: dict[str, tuple[str, str]],
        frequency: Frequencies,
    ) -> set[str]:
        """Open candidates below the upper threshold scored again: brought up to date, or
        withdrawn below the review threshold. Returns the withdrawn pairs."""
        withdrawn: set[str] = set()
        settled: set[str] = set()
        for partner_id, ranked in scored.items():
            for other, verdict in ranked:
                pair = pair_of(partner_id, other.id)
                state, left = status.get(pair, ("", ""))
                if state != "OPEN" or pair in settled or verdict.score >= rules.AUTO_MERGE:
                    continue
                settled.add(pair)
                # Features read left to right, as the steward sees the pair.
                seen = (
                    verdict
                    if left == partner_id
                    else by_similarity(other, [page[partner_id]], frequency, frequency.weights)[0][
                        1
                    ]
                )
                if await rescore(tx, pair, seen):
                    withdrawn.add(pair)
                    self.summary.withdrawn += 1
        return withdrawn

    @staticmethod
    async def _decided_with(tx: Transaction, partner_id: str) -> set[str]:
        """Pairs with this partner that a steward decided."""
        rows = await tx.run(
            "MATCH (c:MatchCandidate)-[:LEFT|RIGHT]->(:BusinessPartner {id: $id}) "
            "WHERE c.status <> 'OPEN' RETURN collect(c.pair) AS pairs",
            {"id": partner_id},
        )
        return set(rows[0]["pairs"]) if rows else set()


def _contested(one: str, other: str, links: list[tuple[str, str]]) -> bool:
    """Whether either of the two has an open candidate with a third partner."""
    return any((one in pair or other in pair) and not {one, other} >= set(pair) for pair in links)


def _doubted(
    page: dict[str, GraphPartner],
    scored: dict[str, list[tuple[GraphPartner, Verdict]]],
    gone: set[str],
    frequency: Frequencies,
) -> list[tuple[str, Doubt]]:
    """The records of partners kept apart from one of the page as a second person of its
    household that could be that person's just as well (the partners as the page read them:
    settling re-reads each)."""

    def scorer(a: Profile, b: Profile) -> Verdict:
        return compare(a, b, frequency, frequency.weights)

    found: dict[tuple[str, str], tuple[str, Doubt]] = {}
    for partner in page.values():
        if partner.id in gone:
            continue
        for other, verdict in scored[partner.id]:
            if other.id in gone:
                continue
            for doubt in doubts(
                partner.profiles[0], other.id, verdict, other.profiles, other.sources, scorer
            ):
                found.setdefault((doubt.system, doubt.key), (partner.id, doubt))
    return list(found.values())


def render(summary: BatchSummary) -> str:
    rate = summary.partners / summary.seconds if summary.seconds else 0.0
    resumed = f" (resumed after {summary.resumed_after})" if summary.resumed_after else ""
    return (
        f"{summary.partners:,} partners matched in {summary.seconds:.1f}s ({rate:,.0f}/s)"
        f"{resumed}: {summary.merged:,} merged, {summary.queued:,} queued for review"
        + (f", {summary.withdrawn:,} withdrawn from the queue" if summary.withdrawn else "")
        + (
            f", {summary.doubted:,} records in doubt taken out of their partner and queued"
            if summary.doubted
            else ""
        )
    )

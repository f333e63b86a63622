"""Duplicate detection in the write path.

Every partner delivery that no source key identifies is compared with the partners sharing
one of its blocking keys (and with earlier rows of the same batch), then

- merged into the best one when the score reaches ``AUTO_MERGE``;
- created, with a match candidate for a steward, when it reaches ``REVIEW``;
- created otherwise.

Blocking keys are ``MatchKey`` nodes listing their partners (:mod:`hub.mastering.blocks`).
Two writers delivering the same new partner at once never create a silent duplicate: a lone
delivery's blocks are read without a lock, and the link of a new partner checks that nobody
joined them meanwhile (:func:`blocks.link`); if somebody did, the delivery is matched again
and meets the other's partner. A batch locks its keys before it reads them. The values
delivered are counted in the upsert's transaction, or with a
:class:`~hub.mastering.tally.TermTally` once it has committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from typing import Any, NamedTuple

from graph_schema import matching as rules
from hub import encoding
from hub.ids import new_id
from hub.mastering import blocks
from hub.mastering.common_terms import ALL as _ALL
from hub.mastering.common_terms import CommonTerms
from hub.mastering.compare import Verdict, alone, compare, within_whole
from hub.mastering.doubts import (
    WHOSE,
    Doubt,
    Source,
    as_delivered,
    doubts,
    in_doubt,
    kept_apart,
    sources_read,
)
from hub.mastering.partners import GraphPartner, by_similarity, read_partners
from hub.mastering.profile import Profile, blocking_keys, completed, profile, terms
from hub.mastering.tally import COUNT, TermTally
from hub.mastering.weights import DECLARED, Weights
from hub.store import Statement, Store, Transaction

# A partner's values as the write path holds them (see hub.domain.kinds).
State = dict[str, Any]

CREATED = "CREATED"
MATCHED_EXISTING = "MATCHED_EXISTING"
AUTO_MERGED = "AUTO_MERGED"
QUEUED_FOR_REVIEW = "QUEUED_FOR_REVIEW"


@dataclass
class MatchDecision:
    """What matching decided for one delivery."""

    action: str
    score: float | None = None
    golden: str | None = None  # the existing record it is merged into or queued against
    row: int | None = None  # or the earlier row of the batch it is merged into / queued against
    verdict: Verdict | None = None
    candidate: str | None = None  # id of the match candidate written for a steward
    state: str | None = None  # the stored state of ``golden``, to merge into
    version: int | None = None
    # Records of other partners that may be this delivery's person's (see hub.mastering.doubts)
    doubts: list[Doubt] = field(default_factory=list)
    # The sources and overrides of ``golden``, when they were read with it (see Stored)
    origins: dict[str, Any] | None = None
    # The partners this delivery was kept apart from as a second person of their household
    apart_from: list[str] = field(default_factory=list)


def closest(shared: Counter[str]) -> list[str]:
    """The candidates sharing the most blocking keys (ties by id): a duplicate shares several
    (name, birth date, address, contact), a stranger in a common block one or two."""
    # Sorted by id, then stably by count: no key function of Python's own per candidate,
    # and a delivery in common blocks has hundreds.
    ranked = sorted(sorted(shared), key=shared.__getitem__, reverse=True)
    return ranked[: rules.MAX_CANDIDATES]


def _counts_and_model(carried: str = "") -> str:
    """The counts of $terms, and the latest trained model's weights (none: the declared
    ones), after the ``carried`` variables ("blocks, chosen, "). $terms holds ``*`` at least:
    with carried variables, no term would leave no row."""
    return f"""
UNWIND $terms AS t
OPTIONAL MATCH (x:MatchTerm {{term: t}})
WITH {carried}collect({{term: t, count: x.count}}) AS counts
OPTIONAL MATCH (m:MatchModel) WHERE m.version IS NOT NULL
WITH {carried}counts, m ORDER BY m.version DESC LIMIT 1
WITH {carried}counts, m.version AS version, m.prior AS prior, m.weights AS weights
"""


_TERMS = _counts_and_model() + "RETURN counts, version, prior, weights"

# A candidate as matching reads it. A partner fed by one source and set by no steward has
# that source's values: its payload would only repeat the state, so it is not sent; unless
# it holds a last name and no first name, which may be a name in one field ("LAST, FIRST")
# that only the payload shows was cut at a field limit (see profile.Profile.cut).
_CANDIDATE = """{
    id: c.id, element: elementId(c), state: c.state, version: c.version,
    systems: [s IN sources | s.system],
    sources: CASE WHEN size(sources) > 1 OR c.overrides IS NOT NULL
        OR size([s IN sources WHERE s.payload CONTAINS '"lastName"'
            AND NOT s.payload CONTAINS '"firstName"']) > 0
        THEN sources ELSE [] END
}"""

_CANDIDATE_WITH_ORIGINS = _CANDIDATE[:-1] + ", overrides: c.overrides, origins: origins\n}"

# The candidates with the counts and the model, in one round trip; no row when none of the
# candidates is left (merged or deleted meanwhile).
_CANDIDATES_AND_TERMS = (
    _counts_and_model()
    + """UNWIND $ids AS id
MATCH (c:BusinessPartner {id: id})
WHERE c.mergedInto IS NULL AND c.deletedAt IS NULL
WITH counts, version, prior, weights, c, """
    + sources_read("c")
    + f""" AS sources
RETURN counts, version, prior, weights, collect({_CANDIDATE}) AS rows
"""
)

# A lone delivery's blocks, its closest candidates (see closest), the counts and the model,
# in one round trip; always one row. Each candidate comes with its origins as well: the one
# the delivery is merged into needs no read of its own (measured at 100,000 partners, the
# statement took no longer with them).
# (ArcadeDB returns no candidate at all when a pattern comprehension with a WHERE sits in
# the collected map itself: it is computed in the WITH.)
_LONE = (
    blocks.CLOSEST
    + _counts_and_model("blocks, chosen, ")
    + """UNWIND (CASE WHEN size(chosen) = 0 THEN [null] ELSE chosen END) AS id
OPTIONAL MATCH (c:BusinessPartner {id: id})
WHERE c.mergedInto IS NULL AND c.deletedAt IS NULL
WITH blocks, chosen, counts, version, prior, weights, c,
    CASE WHEN c IS NULL THEN [] ELSE """
    + sources_read("c")
    + """ END AS sources,
    CASE WHEN c IS NULL THEN [] ELSE [
        (c)<-[:SOURCE_OF]-(o:SourceRecord) WHERE o.deletedAt IS NULL
        | {system: o.system, key: o.key, payload: o.payload, receivedAt: o.receivedAt}
    ] END AS origins"""
    + f"""
RETURN blocks, chosen, counts, version, prior, weights,
    collect(CASE WHEN c IS NULL THEN null ELSE {_CANDIDATE_WITH_ORIGINS} END) AS rows
"""
)


class Frequencies:
    """How common values are, from term counts.

    A share is smoothed towards a prior of one in ``rules.TERM_PRIOR_RECORDS``: counted on a
    few dozen partners, every value looks common, and a small hub would match nothing.
    """

    def __init__(self, counts: dict[str, int], weights: Weights = DECLARED) -> None:
        self.counts = counts
        self.total = counts.get(_ALL) or 0
        # The weights in use, read in the same statement: the latest trained model's, or
        # the declared ones.
        self.weights = weights
        # Terms asked for but not read, in the order asked: a candidate's spelling that
        # only resembles the delivery's (see GraphMatcher.match).
        self.missed: list[str] = []

    def __call__(self, feature: str, value: str) -> float:
        term = f"{feature}:{value}"
        seen = self.counts.get(term)
        if seen is None:
            self.missed.append(term)
            seen = 0
        return (seen + 1) / (self.total + rules.TERM_PRIOR_RECORDS)

    def including(self, profiles: list[Profile]) -> Frequencies:
        """These frequencies with ``profiles`` counted as well.

        A batch's own deliveries belong to the population before they are written: without
        them, the first batch into an empty hub finds every name and city rare.
        """
        counts = Counter(self.counts)
        counts[_ALL] += len(profiles)
        for p in profiles:
            counts.update(set(terms(p)))
        return Frequencies(dict(counts), self.weights)


class _Layered(Frequencies):
    """Counts added up from layers at each lookup, none of them copied: the common values
    held in memory, what this process wrote since they were read, what it has not written
    yet (``pending``), and the deliveries being matched. A value in none is rare."""

    def __init__(
        self,
        layers: tuple[Mapping[str, int], ...],
        pending: Callable[[str], int],
        total: int,
        weights: Weights,
    ) -> None:
        super().__init__({}, weights)
        self.layers = layers
        self.pending = pending
        self.total = total

    def __call__(self, feature: str, value: str) -> float:
        term = f"{feature}:{value}"
        seen = sum(layer.get(term, 0) for layer in self.layers) + self.pending(term)
        return (seen + 1) / (self.total + rules.TERM_PRIOR_RECORDS)

    def including(self, profiles: list[Profile]) -> Frequencies:
        own: Counter[str] = Counter()
        for p in profiles:
            own.update(set(terms(p)))
        return _Layered((*self.layers, own), self.pending, self.total + len(profiles), self.weights)


async def read_frequencies(tx: Transaction, profiles: list[Profile]) -> Frequencies:
    return await _frequencies_of(tx, _terms_of(profiles))


async def _frequencies_of(tx: Transaction, wanted: list[str]) -> Frequencies:
    (found,) = await tx.run(_TERMS, {"terms": wanted})
    return _frequencies(found)


def _terms_of(profiles: list[Profile]) -> list[str]:
    return sorted({t for p in profiles for t in terms(p)} | {_ALL})


def _frequencies(found: dict[str, Any]) -> Frequencies:
    counts = {r["term"]: r["count"] or 0 for r in found["counts"]}
    return Frequencies(counts, weights_of(found["version"], found["prior"], found["weights"]))


@lru_cache(maxsize=8)
def weights_of(version: int | None, prior: float | None, text: str | None) -> Weights:
    """A stored model's weights (parsed once per version), or the declared ones."""
    if version is None or prior is None or not text:
        return DECLARED
    # A feature whose levels changed since the model was learnt keeps its declared weights.
    levels = {
        feature: tuple(values)
        for feature, values in encoding.loads(text).items()
        if feature in rules.LEVELS and len(values) == len(rules.LEVELS[feature]) + 1
    }
    return Weights(prior, levels, version)


class ProfileCache:
    """Profiles of stored states and payloads by a digest of their text: the same partners
    come up batch after batch (in a 100,000-partner load, six lookups in seven hit).

    Keyed by a 16-byte digest rather than the text, so that a full cache holds profiles,
    not a copy of the texts; the least recently used entry goes first.
    """

    def __init__(self, size: int = 32768) -> None:
        self.size = size
        self._entries: dict[bytes, Profile] = {}

    def __call__(self, text: str) -> Profile:
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        found = self._entries.pop(key, None)
        if found is None:
            found = profile(encoding.loads(text))
            if len(self._entries) >= self.size:
                del self._entries[next(iter(self._entries))]
        self._entries[key] = found
        return found

    def __len__(self) -> int:
        return len(self._entries)


profile_of_json = ProfileCache()


def _decide(best: MatchDecision) -> MatchDecision:
    score = best.score or 0.0
    if score >= rules.AUTO_MERGE:
        best.action = AUTO_MERGED
    elif score >= rules.REVIEW:
        best.action = QUEUED_FOR_REVIEW
    else:
        return MatchDecision(CREATED, best.score if best.verdict else None)
    return best


def _decisions(
    profiles: list[Profile],
    keys: list[list[str]],
    chosen: list[list[str]],
    stored: dict[str, list[Profile]],
    raw: dict[str, Stored],
    frequency: Frequencies,
    systems: list[str],
    again: tuple[list[MatchDecision], set[int]] | None = None,
) -> tuple[list[MatchDecision], dict[int, list[str]]]:
    """What to do with each delivery, given its candidates in the graph (``chosen``, as
    ``stored``) and the earlier deliveries of the batch sharing a key with it; and, by
    delivery, the terms its comparisons asked for but ``frequency`` has not read. With
    ``again`` (decisions made before, and the deliveries to decide again), the others keep
    theirs."""
    earlier: dict[str, list[int]] = defaultdict(list)
    decisions: list[MatchDecision] = []
    missed: dict[int, list[str]] = {}
    for i, (mine, my_keys) in enumerate(zip(profiles, keys, strict=True)):
        if again is not None and i not in again[1]:
            decisions.append(again[0][i])
        else:
            mark = len(frequency.missed)
            rows = Counter(str(j) for j in chain.from_iterable(earlier.get(k, ()) for k in my_keys))
            decisions.append(
                _decision(
                    mine, chosen[i], closest(rows), profiles, stored, raw, frequency, systems, i
                )
            )
            if len(frequency.missed) > mark:
                missed[i] = frequency.missed[mark:]
            _doubt_earlier(i, profiles, decisions, frequency)
        for key in my_keys:
            earlier[key].append(i)
    return decisions, missed


def _to_count(
    missed: dict[int, list[str]], stored: dict[str, list[Profile]]
) -> dict[int, set[str]]:
    """By delivery, the terms its comparisons missed that a candidate is counted by; a value no
    partner is counted by (one of a second address) stays uncounted."""
    if not missed:
        return {}
    counted = set(_terms_of([p for known in stored.values() for p in known]))
    wanted = {i: {t for t in terms if t in counted} for i, terms in missed.items()}
    return {i: terms for i, terms in wanted.items() if terms}


class Stored(NamedTuple):
    """A candidate partner as read: its state and version, and its sources as delivered
    (only of a partner with several, and without those a steward merged in)."""

    state: str
    version: int
    sources: tuple[Source, ...]
    # Each live source's values and the overrides, as the write path reads them to merge
    # (hub.domain.writes.origins); read with the candidates of a lone delivery only.
    origins: dict[str, Any] | None = None
    systems: frozenset[str] = frozenset()  # the systems of all its sources


def _doubt_earlier(
    i: int, profiles: list[Profile], decisions: list[MatchDecision], frequency: Frequencies
) -> None:
    """Delivery ``i`` was kept apart from partners as a second person of their household:
    an earlier delivery of the batch that was to join one of them, with nothing of its own
    to tell whose it is, is queued against it instead (see hub.mastering.doubts; a record
    stored before is taken out after the write)."""
    for golden in decisions[i].apart_from:
        for j in range(i):
            earlier = decisions[j]
            if earlier.action != AUTO_MERGED or earlier.golden != golden or earlier.row is not None:
                continue
            if (
                in_doubt(
                    profiles[i],
                    profiles[j],
                    lambda a, b: compare(a, b, frequency, frequency.weights),
                )
                is None
            ):
                continue
            assert earlier.verdict is not None
            score = min(earlier.verdict.score, rules.EVIDENCE_CEILING or rules.REVIEW)
            decisions[j] = MatchDecision(
                QUEUED_FOR_REVIEW, score, golden, None,
                Verdict(score, earlier.verdict.features, WHOSE),
                None, earlier.state, earlier.version,
            )  # fmt: skip


def _decision(
    mine: Profile,
    chosen: list[str],
    rows: list[str],
    profiles: list[Profile],
    stored: dict[str, list[Profile]],
    raw: dict[str, Stored],
    frequency: Frequencies,
    systems: list[str],
    i: int,
) -> MatchDecision:
    """What to do with delivery ``i`` (``mine``, delivered by ``systems[i]``), compared with
    its ``chosen`` candidates and the earlier ``rows`` of its batch."""
    best = MatchDecision(CREATED, 0.0)
    seen: list[Verdict] = []
    doubted: list[Doubt] = []
    apart: list[str] = []

    def scored(a: Profile, b: Profile) -> Verdict:
        return compare(a, b, frequency, frequency.weights)

    for golden in (g for g in chosen if g in stored):
        views = stored[golden]
        verdict = max((scored(mine, known) for known in views), key=lambda v: v.score)
        verdict = within_whole(mine, views[0], verdict, views[1:])
        seen.append(verdict)
        known = raw[golden]
        doubted += doubts(mine, golden, verdict, stored[golden], known.sources, scored)
        if kept_apart(mine, verdict):
            apart.append(golden)
        if verdict.score > (best.score or 0.0):
            best = MatchDecision(
                CREATED, verdict.score, golden, None, verdict, None, known.state, known.version
            )
            best.origins = known.origins
    for j in rows:
        verdict = compare(mine, profiles[int(j)], frequency, frequency.weights)
        seen.append(verdict)
        if verdict.score > (best.score or 0.0):
            best = MatchDecision(CREATED, verdict.score, None, int(j), verdict)
    if best.verdict is not None and not _known_to_its_system(best, systems, i, raw):
        best.verdict = alone(best.verdict, (v for v in seen if v is not best.verdict))
        best.score = best.verdict.score
    decided = _decide(best)
    decided.doubts = doubted
    decided.apart_from = apart
    return decided


def _known_to_its_system(
    best: MatchDecision, systems: list[str], i: int, raw: dict[str, Stored]
) -> bool:
    """Whether the system delivering ``i`` delivered ``best``'s partner under another key
    too. A landline counts as a person's own only when no one else of that name is known at
    it (:func:`hub.mastering.compare.alone`), and a system's second record of one name at
    one line (an ERP's Karl Becker twice: father and son?) is someone it knows there."""
    system = systems[i]
    if not system:
        return False
    if best.row is not None:
        return systems[best.row] == system
    return best.golden in raw and system in raw[best.golden].systems


class _Read(NamedTuple):
    """Candidates as read: their profiles (a golden record is compared through its own
    values and each source's, so a later spelling cannot hide the one a new delivery
    resembles), their stored state, and the counts read with them (None when no candidate
    is left)."""

    chosen: list[str]
    stored: dict[str, list[Profile]]
    raw: dict[str, Stored]
    frequency: Frequencies | None

    @staticmethod
    def of(tx: Transaction, chosen: list[str], answer: dict[str, Any] | None) -> _Read:
        stored: dict[str, list[Profile]] = {}
        raw: dict[str, Stored] = {}
        if not answer or not answer["rows"]:
            return _Read(chosen, stored, raw, None)
        found = list(answer["rows"])
        tx.remember(found)
        for row in found:
            if row["state"]:
                whole = profile_of_json(row["state"])
                delivered, sources = as_delivered(row["sources"], profile_of_json)
                views = (completed(p, whole) for p in delivered)
                # A source saying what the golden record says adds nothing to compare.
                stored[row["id"]] = list(dict.fromkeys([whole, *views]))
                origins = None
                if "origins" in row:
                    origins = {k: row[k] for k in ("id", "overrides")} | {"sources": row["origins"]}
                # Every source's system, also where the sources themselves are not sent.
                systems = frozenset(str(x) for x in row["systems"] or ())
                raw[row["id"]] = Stored(row["state"], row["version"], sources, origins, systems)
        return _Read(chosen, stored, raw, _frequencies(answer))


class GraphMatcher:
    """Matches partner deliveries against the graph; see the module documentation."""

    def __init__(self, remembered: int = 4096, tally: TermTally | None = None) -> None:
        # Recent profiles and their blocking keys by the canonical text of their state: a
        # delivery is profiled when it is matched and its values again when they are
        # recorded, and a loader profiles the next batch in its reading thread.
        self._profiles: dict[str, tuple[Profile, list[str]]] = {}
        self._remembered = remembered
        self._lock = threading.Lock()
        # Where the delivered values are counted: with a tally, a moment after the upsert
        # (see hub.mastering.tally); without, in the upsert's own transaction. With a tally,
        # the counts of common values come from memory as well (see common_terms).
        self.tally = tally
        self.common: CommonTerms | None = None
        if tally is not None:
            self.common = CommonTerms(paused=tally.paused())
            tally.on_written(self.common.written)

    def prepare(self, state: State) -> None:
        """Profile a state before its batch is matched; safe from another thread."""
        self._profiled(state)

    def _profiled(self, state: State) -> tuple[Profile, list[str]]:
        text = encoding.canonical(state, default=str)
        with self._lock:
            found = self._profiles.get(text)
        if found is None:
            made = profile(state)
            found = (made, blocking_keys(made))
            with self._lock:
                if len(self._profiles) >= self._remembered:
                    del self._profiles[next(iter(self._profiles))]
                self._profiles[text] = found
        return found

    def _profile(self, state: State) -> Profile:
        return self._profiled(state)[0]

    async def match(
        self,
        tx: Transaction,
        kind: object,
        states: list[State],
        now: dt.datetime,
        systems: Sequence[str] = (),
    ) -> list[MatchDecision]:
        profiled = [self._profiled(state) for state in states]
        profiles = [p for p, _ in profiled]
        keys = [k for _, k in profiled]
        every_key = sorted({k for ks in keys for k in ks})
        lone = len(states) == 1
        from_memory = self.common is not None
        wanted = [_ALL] if from_memory else _terms_of(profiles)
        # A lone delivery reads its blocks without a lock, a batch locks them (see blocks.link).
        read: _Read | None = None
        if lone:
            by_key, read = await self._read_lone(tx, every_key, wanted)
        else:
            by_key = await blocks.lock(tx, every_key, now)
        chosen = [
            closest(Counter(chain.from_iterable(by_key.get(k, ()) for k in my_keys)))
            for my_keys in keys
        ]
        if read is None or read.chosen != chosen[0]:
            ids = sorted({g for c in chosen for g in c})
            read = await self._read_candidates(tx, ids, wanted)
        stored, raw, frequency = read.stored, read.raw, read.frequency
        if frequency is None and lone:
            # A lone delivery without candidates compares with nothing: no counts needed.
            frequency = Frequencies({})
        else:
            if frequency is None:  # a batch's deliveries are compared with each other
                frequency = await _frequencies_of(tx, wanted)
            if from_memory:
                frequency = await self._common(tx, frequency)
        frequency = self._with_pending(frequency).including(profiles)
        by = list(systems) or [""] * len(states)
        decisions, missed = _decisions(profiles, keys, chosen, stored, raw, frequency, by)
        # A candidate's value that only resembles the delivery's (Meyer for Meier) weighs by
        # the commoner of the two: read the counts of those, and decide those deliveries again.
        uncounted = _to_count(missed, stored)
        if uncounted:
            counted = await _frequencies_of(tx, sorted(set().union(*uncounted.values())))
            counts = self._with_pending(counted).counts
            frequency = Frequencies({**frequency.counts, **counts}, frequency.weights)
            again = (decisions, set(uncounted))
            decisions, _ = _decisions(profiles, keys, chosen, stored, raw, frequency, by, again)
        return decisions

    async def write_counts(self, store: Store) -> None:
        """Write the term counts the tally holds (an erasure must find them stored)."""
        if self.tally is not None:
            await self.tally.flush(store)

    async def _common(self, tx: Transaction, read: Frequencies) -> Frequencies:
        """The counts the deliveries are compared by: the common values' from memory, the
        population as ``read`` (see :mod:`hub.mastering.common_terms`)."""
        assert self.common is not None and self.tally is not None
        stored, written = await self.common.counts(tx, read.total, read.weights)
        pending = self.tally.pending
        return _Layered((stored, written), pending, read.total + pending(_ALL), read.weights)

    def _with_pending(self, frequency: Frequencies) -> Frequencies:
        """The counts read, with those this process counted and has not written yet."""
        if self.tally is None or isinstance(frequency, _Layered):
            return frequency
        return Frequencies(self.tally.added_to(frequency.counts), frequency.weights)

    @staticmethod
    async def _read_lone(
        tx: Transaction, keys: list[str], wanted: list[str]
    ) -> tuple[dict[str, list[str]], _Read | None]:
        """A lone delivery's blocks (remembered by blocks.read_for_write), and its
        closest candidates as the database ranked them, with the counts of ``wanted``."""
        if not keys:
            return {}, None
        assert _ALL in wanted, "the statement needs a term to carry its row on"
        params = {
            "keys": keys,
            "max": rules.MAX_BLOCK,
            "most": rules.MAX_CANDIDATES,
            "terms": wanted,
        }
        (row,) = await tx.run(_LONE, params)
        by_key = blocks.read_for_write(tx, keys, row["blocks"])
        return by_key, _Read.of(tx, list(row["chosen"]), row)

    @staticmethod
    async def _read_candidates(tx: Transaction, ids: list[str], wanted: list[str]) -> _Read:
        """Candidates' profiles, and the counts of the ``wanted`` terms."""
        if not ids:
            return _Read(ids, {}, {}, None)
        answer = await tx.run(_CANDIDATES_AND_TERMS, {"ids": ids, "terms": wanted})
        return _Read.of(tx, ids, answer[0] if answer else None)

    async def record(
        self,
        tx: Transaction,
        changed: list[tuple[str, State]],
        delivered: list[State],
        queued: list[tuple[str, str, MatchDecision]],
        now: dt.datetime,
        updated: Sequence[str] = (),
        revised: Mapping[str, float] | None = None,
    ) -> None:
        """After the write: link the partners' blocking keys, count the delivered values,
        and queue the new candidates. Partners that existed and changed (``updated``) leave
        the blocks their values no longer give, and their open candidates are scored again;
        those whose profile changed (``revised``, with the least score to propose at) are
        compared with other partners again (see :func:`propose_closest`)."""
        partners = [(pid, self._profiled(state)[1]) for pid, state in changed]
        created = {pid for pid, _ in partners} - set(updated)
        counted = self._counted(tx, [self._profile(state) for state in delivered])
        await blocks.link(tx, partners, now, created, also=counted)
        known = await read_partners(tx, list(updated)) if updated else {}
        await blocks.unlink_stale(tx, [(p.id, p.stale) for p in known.values()])
        await refresh_open(tx, list(updated), known)
        for left, right, decision in queued:
            decision.candidate = await propose(tx, left, right, decision, now)
        for least in sorted(set((revised or {}).values())):
            again = {i: known[i] for i, at in (revised or {}).items() if at == least and i in known}
            await propose_closest(tx, again, now, least)

    def _counted(self, tx: Transaction, profiles: list[Profile]) -> list[Statement]:
        """The statements that count ``profiles`` in ``tx``; none with a tally, which
        counts them once ``tx`` has committed."""
        tally = self.tally
        if tally is None:
            return _counting(profiles)
        if profiles:
            counts = [(r["term"], r["n"]) for r in _term_counts(profiles)]
            tx.after_commit(lambda: tally.add(counts))
        return []


def _term_counts(profiles: list[Profile]) -> list[dict[str, Any]]:
    """How many of the profiles carry each value (each profile once), and how many there are."""
    counts: dict[str, int] = defaultdict(int)
    for p in profiles:
        counts[_ALL] += 1
        for term in set(terms(p)):
            counts[term] += 1
    return [{"term": t, "n": n} for t, n in sorted(counts.items())]


async def count_terms(tx: Transaction, profiles: list[Profile]) -> None:
    await tx.send_all(_counting(profiles))


def _counting(profiles: list[Profile]) -> list[Statement]:
    if not profiles:
        return []
    return [(COUNT, {"rows": _term_counts(profiles)})]


async def uncount_terms(tx: Transaction, profiles: list[Profile]) -> None:
    """Count the values of deliveries that are gone (erased) no more; a value nobody else
    delivered leaves no trace."""
    if not profiles:
        return
    await tx.send(
        "UNWIND $rows AS r MATCH (x:MatchTerm {term: r.term}) SET x.count = x.count - r.n "
        "WITH x WHERE x.count <= 0 DELETE x",
        {"rows": _term_counts(profiles)},
    )


def pair_of(a: str, b: str) -> str:
    return "|".join(sorted((a, b)))


def features_json(verdict: Verdict | None) -> str:
    if verdict is None:
        return "[]"
    return json.dumps(
        [
            {
                "feature": f.feature,
                "score": round(f.similarity, 3),
                "weight": round(f.weight, 2),
                "left": f.left,
                "right": f.right,
            }
            for f in verdict.features
        ],
        ensure_ascii=False,
    )


async def propose(
    tx: Transaction, left: str, right: str, decision: MatchDecision, now: dt.datetime
) -> str | None:
    """A candidate for a steward; None when the pair was proposed before (a rejected pair
    is never proposed again)."""
    params: dict[str, Any] = {
        "id": new_id(),
        "pair": pair_of(left, right),
        "left": left,
        "right": right,
        "score": decision.score,
        "features": features_json(decision.verdict),
        "explanation": decision.verdict.explanation if decision.verdict else "",
        "now": now,
    }
    made = await tx.run(_PROPOSE, params)
    return str(params["id"]) if made else None


# MERGE on the pair, which is unique: a pair proposed before (a rejected one too) is left as
# it is, and two writers proposing one pair at once meet on its lock (Neo4j) or conflict
# and are retried (ArcadeDB) rather than fail on the constraint.
_PROPOSE = """
MATCH (l:BusinessPartner {id: $left}) MATCH (r:BusinessPartner {id: $right})
MERGE (c:MatchCandidate {pair: $pair})
ON CREATE SET c.id = $id, c.status = 'OPEN', c.score = $score, c.features = $features,
    c.explanation = $explanation, c.createdAt = $now
WITH c, l, r WHERE c.id = $id
CREATE (c)-[:LEFT]->(l) CREATE (c)-[:RIGHT]->(r)
RETURN c.id AS id
"""


# ---- the queue on today's values -------------------------------------------------------------


async def open_links(tx: Transaction, ids: list[str]) -> list[tuple[str, str]]:
    """The pairs of open candidates that involve any of ``ids``."""
    if not ids:
        return []
    rows = await tx.run(
        "UNWIND $ids AS id "
        "MATCH (p:BusinessPartner {id: id})<-[:LEFT|RIGHT]-(c:MatchCandidate {status: 'OPEN'}) "
        "MATCH (c)-[:LEFT|RIGHT]->(o:BusinessPartner) WHERE o.id <> id "
        "RETURN id, collect(o.id) AS others",
        {"ids": ids},
    )
    return [(row["id"], other) for row in rows for other in row["others"]]


async def candidate_states(tx: Transaction, pairs: list[str]) -> dict[str, tuple[str, str]]:
    """The status and the left partner of the candidates of these pairs, where there is one."""
    if not pairs:
        return {}
    rows = await tx.run(
        "UNWIND $pairs AS pair MATCH (c:MatchCandidate {pair: pair})-[:LEFT]->(l) "
        "RETURN collect([pair, c.status, l.id]) AS found",
        {"pairs": sorted(set(pairs))},
    )
    return {pair: (state, left) for pair, state, left in rows[0]["found"]} if rows else {}


async def rescore(tx: Transaction, pair: str, verdict: Verdict) -> bool:
    """An open candidate scored again: its score and features brought up to date, or, below
    the review threshold now, taken out of the queue (it may come back if new evidence
    arrives; a steward's decision is never touched). True when withdrawn."""
    if verdict.score < rules.REVIEW:
        rows = await tx.run(
            "MATCH (c:MatchCandidate {pair: $pair, status: 'OPEN'}) DETACH DELETE c "
            "RETURN count(*) AS n",
            {"pair": pair},
        )
        return bool(rows and rows[0]["n"])
    await tx.run(
        "MATCH (c:MatchCandidate {pair: $pair, status: 'OPEN'}) "
        "SET c.score = $score, c.features = $features, c.explanation = $explanation",
        {
            "pair": pair,
            "score": verdict.score,
            "features": features_json(verdict),
            "explanation": verdict.explanation,
        },
    )
    return False


async def sharing_most_keys(
    tx: Transaction, partners: Mapping[str, GraphPartner]
) -> dict[str, list[str]]:
    """For each partner, the other partners sharing the most blocking keys with it."""
    found = await blocks.read(tx, sorted({k for p in partners.values() for k in p.keys}), least=2)
    wanted: dict[str, list[str]] = {}
    for partner in partners.values():
        shared = Counter(chain.from_iterable(found.get(k, ()) for k in partner.keys))
        del shared[partner.id]
        wanted[partner.id] = closest(shared)
    return wanted


async def propose_closest(
    tx: Transaction, partners: Mapping[str, GraphPartner], now: dt.datetime, least: float
) -> int:
    """Partners whose values changed, each compared with the partners sharing the most
    blocking keys: the closest, where it scores at least ``least``, is proposed to a
    steward; how many were proposed. Never merged on arrival: both partners exist, with
    records of their own a steward should see joined (``hub match`` merges the pairs it is
    sure of); a pair proposed before is left as it is."""
    if not partners:
        return 0
    wanted = await sharing_most_keys(tx, partners)
    # A pair a steward or a merge decided is not proposed again, nor does it hide the next.
    status = await candidate_states(tx, [pair_of(p, c) for p, cs in wanted.items() for c in cs])
    decided = {pair for pair, (state, _) in status.items() if state != "OPEN"}
    wanted = {p: [c for c in cs if pair_of(p, c) not in decided] for p, cs in wanted.items()}
    wanted_ids = {c for cs in wanted.values() for c in cs} - set(partners)
    others = await read_partners(tx, sorted(wanted_ids))
    known = {**partners, **others}
    frequency = await read_frequencies(tx, [p for x in known.values() for p in x.profiles])
    proposed = 0
    for partner in partners.values():
        candidates = [known[c] for c in wanted[partner.id] if c in known]
        ranked = by_similarity(partner, candidates, frequency, frequency.weights)
        if not ranked:
            continue
        # No landline counts as one person's here (see alone): both partners exist, and
        # the line may well be their household's.
        other, verdict = ranked[0]
        if verdict.score < least:
            continue
        decision = MatchDecision(QUEUED_FOR_REVIEW, verdict.score, other.id, None, verdict)
        proposed += await propose(tx, partner.id, other.id, decision, now) is not None
    return proposed


async def refresh_open(
    tx: Transaction, ids: list[str], read: dict[str, GraphPartner] | None = None
) -> int:
    """The open candidates of partners whose values changed, scored again on today's values,
    so that a steward sees the evidence as it is now (``read``: partners read already).
    Returns how many were withdrawn."""
    links = await open_links(tx, ids)
    if not links:
        return 0
    states = await candidate_states(tx, [pair_of(a, b) for a, b in links])
    known = dict(read or {})
    missing = sorted({x for link in links for x in link} - set(known))
    known.update(await read_partners(tx, missing) if missing else {})
    frequency = await read_frequencies(tx, [p for x in known.values() for p in x.profiles])
    withdrawn = 0
    for pair, (status, left) in states.items():
        right = next((x for x in pair.split("|") if x != left), "")
        if status != "OPEN" or left not in known or right not in known:
            continue
        (_, verdict), *_ = by_similarity(known[left], [known[right]], frequency, frequency.weights)
        withdrawn += await rescore(tx, pair, verdict)
    return withdrawn

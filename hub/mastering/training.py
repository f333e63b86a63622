"""Comparison weights learnt from the hub's own partners, without labels (``hub match --train``).

In Fellegi and Sunter's model each feature of a pair of records falls into a level (the same,
near, ..., different). ``m`` is how often that happens for two records of one partner, ``u``
for two different partners, and the level weighs log2(m / u). Neither is known without
labels. As Splink does, ``u`` is estimated from random pairs of partners (nearly all of them
different partners), then ``m`` and the share of true pairs among the pairs that share a
blocking key by expectation-maximisation over those pairs. Term frequencies still lower the
weight of agreeing on a common name or city, and the rules of :mod:`graph_schema.matching`
stay rules.

A model is stored as a ``MatchModel`` node with a version; the highest version is the one
matching uses from then on, in every process (it is read with the term counts).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from dataclasses import dataclass
from itertools import combinations

from graph_schema import matching as rules
from hub.errors import HubError
from hub.mastering.matcher import read_frequencies
from hub.mastering.partners import GraphPartner, by_similarity, read_partners
from hub.mastering.weights import Weights, declared, level_of
from hub.store import Store, Transaction

# Learnt from the data; shared vehicles and cards are too rare among pairs to estimate and
# keep their declared weights.
TRAINED = tuple(f for f in rules.LEVELS if f not in ("sharedVehicle", "sharedCard"))
ITERATIONS = 40
# Probabilities are kept off 0 and 1 so that no level weighs without bound.
SMOOTHING = 1e-3
WEIGHT_LIMIT = 16.0
PER_BLOCK = 28  # pairs drawn from a larger block (a block of 8 has 28)
MIN_PAIRS = 100  # fewer pairs sharing a key say too little about each level
MIN_SUPPORT = 10.0  # expected true pairs at a level before its weight is learnt
BAND = 4.0  # how far a learnt weight may move from the declared one, in bits
_READ_PAGE = 500

Vector = dict[str, int]  # feature -> level; a feature missing on either side is absent


class TrainingError(HubError):
    """Too little data to learn from."""

    code = "TRAINING_FAILED"


@dataclass(frozen=True)
class Estimate:
    """What expectation-maximisation found: the share of true pairs among blocked pairs,
    and per feature the m and u probability of each level (disagreement last)."""

    match_share: float
    m: dict[str, tuple[float, ...]]
    u: dict[str, tuple[float, ...]]
    support: dict[str, tuple[float, ...]]  # expected true pairs seen at each level

    def weights(self, version: int = 0) -> Weights:
        levels = {
            feature: tuple(
                _bounded(feature, level, math.log2(m / u), support)
                for level, (m, u, support) in enumerate(
                    zip(self.m[feature], self.u[feature], self.support[feature], strict=True)
                )
            )
            for feature in self.m
        }
        rounded = {feature: _ordered(ws) for feature, ws in levels.items()}
        # The prior stays the declared one: the share of true pairs among all pairs sharing a
        # key is not the share among the few a delivery is compared with.
        return Weights(rules.PRIOR, rounded, version)


def _bounded(feature: str, level: int, learnt: float, support: float) -> float:
    """A learnt weight kept near the declared one: a level seen in too few true pairs keeps
    its declared weight, and none moves further than ``BAND`` from it. Unlabelled data can
    mislead expectation-maximisation (a shared landline taken for the sign of a true pair);
    the declared weights are what a person judged.

    A disagreement never comes to count for less than declared: to unlabelled data, the
    people of one household (one address, one line, one surname) look like true pairs, and
    a lenient estimate fills the queue with them."""
    anchor = declared(feature)[level]
    if support < MIN_SUPPORT:
        return anchor
    ceiling = anchor if level == len(declared(feature)) - 1 else anchor + BAND
    return max(anchor - BAND, min(ceiling, learnt, WEIGHT_LIMIT), -WEIGHT_LIMIT)


def _ordered(weights: tuple[float, ...]) -> tuple[float, ...]:
    """Weights that never rise from a closer level to a looser one, and never fall below the
    disagreement's: with few pairs in a level, its estimate is noise (a near agreement
    weighing less than a disagreement)."""
    *levels, disagree = weights
    ordered: list[float] = []
    for weight in levels:
        ordered.append(max(min(weight, ordered[-1] if ordered else weight), disagree))
    return tuple(round(w, 3) for w in (*ordered, disagree))


def _frequencies(
    vectors: list[Vector], feature: str, share: list[float] | None = None
) -> tuple[float, ...]:
    """How often each level of ``feature`` occurs among ``vectors`` (weighted by ``share``),
    smoothed."""
    size = len(rules.LEVELS[feature]) + 1
    counts = [SMOOTHING] * size
    for i, vector in enumerate(vectors):
        level = vector.get(feature)
        if level is not None:
            counts[level] += share[i] if share is not None else 1.0
    total = sum(counts)
    return tuple(c / total for c in counts)


def _initial_m(feature: str) -> tuple[float, ...]:
    """A start for m from the declared weights: most true pairs agree."""
    raw = [2.0 ** min(w, 8.0) for w in declared(feature)]
    total = sum(raw)
    return tuple(r / total for r in raw)


def estimate(
    blocked: list[Vector], random_pairs: list[Vector], min_pairs: int = MIN_PAIRS
) -> Estimate:
    """Expectation-maximisation over the blocked pairs' comparison vectors, with u from the
    random pairs; deterministic for its input."""
    if not blocked or not random_pairs:
        raise TrainingError("no pairs of partners to learn from")
    if len(blocked) < min_pairs:
        raise TrainingError(
            f"only {len(blocked)} pairs of partners share a blocking key; at least {min_pairs} "
            "are needed to learn from"
        )
    features = [f for f in TRAINED if any(f in v for v in blocked)]
    u = {f: _frequencies(random_pairs, f) for f in features}
    m = {f: _initial_m(f) for f in features}
    share = 0.1
    for _ in range(ITERATIONS):
        # Expectation: how likely each blocked pair is a true pair under the current m.
        posterior = []
        for vector in blocked:
            odds = math.log2(share / (1.0 - share))
            for feature, level in vector.items():
                if feature in m:
                    odds += math.log2(m[feature][level] / u[feature][level])
            posterior.append(1.0 / (1.0 + 2.0 ** -max(-60.0, min(60.0, odds))))
        # Maximisation: m and the share of true pairs from those likelihoods.
        share = min(max(sum(posterior) / len(posterior), SMOOTHING), 1.0 - SMOOTHING)
        m = {f: _frequencies(blocked, f, posterior) for f in features}
    support = {f: _counts(blocked, f, posterior) for f in features}
    return Estimate(share, m, u, support)


def _counts(vectors: list[Vector], feature: str, share: list[float]) -> tuple[float, ...]:
    counts = [0.0] * (len(rules.LEVELS[feature]) + 1)
    for vector, weight in zip(vectors, share, strict=True):
        level = vector.get(feature)
        if level is not None:
            counts[level] += weight
    return tuple(counts)


def _no_frequencies(feature: str, value: str) -> float:
    return 0.0  # levels depend on similarities alone


def vector_of(me: GraphPartner, other: GraphPartner) -> Vector:
    """The levels of the features two partners' most similar views compare on."""
    (_, verdict), *_ = by_similarity(me, [other], _no_frequencies)
    return {
        f.feature: level_of(f.feature, f.similarity)
        for f in verdict.features
        if f.feature in TRAINED
    }


async def _vectors(store: Store, pairs: list[tuple[str, str]]) -> list[Vector]:
    ids = sorted({x for pair in pairs for x in pair})
    known: dict[str, GraphPartner] = {}
    for start in range(0, len(ids), _READ_PAGE):
        page = ids[start : start + _READ_PAGE]

        async def work(tx: Transaction, page: list[str] = page) -> dict[str, GraphPartner]:
            return await read_partners(tx, page)

        known.update(await store.read(work))
    return [
        vector_of(known[a], known[b])
        for a, b in pairs
        if a in known and b in known and known[a].profiles[0].kind == known[b].profiles[0].kind
    ]


async def _blocked_pairs(store: Store, rng: random.Random, limit: int) -> list[tuple[str, str]]:
    rows = await store.query(
        "MATCH (m:MatchKey) WHERE m.size >= 2 AND m.size <= $max RETURN m.members AS members",
        {"max": rules.MAX_BLOCK},
    )
    # A few pairs from each block: every pair of a block of 200 would be 19,900.
    pairs: set[tuple[str, str]] = set()
    for row in sorted(rows, key=lambda r: sorted(r["members"])):
        members = sorted(row["members"])
        block = (
            list(combinations(members, 2))
            if len(members) <= 8
            else [tuple(sorted(rng.sample(members, 2))) for _ in range(PER_BLOCK)]
        )
        pairs.update((a, b) for a, b in block)
    return rng.sample(sorted(pairs), min(limit, len(pairs)))


async def _random_pairs(store: Store, rng: random.Random, limit: int) -> list[tuple[str, str]]:
    rows = await store.query(
        "MATCH (p:BusinessPartner) WHERE p.mergedInto IS NULL AND p.deletedAt IS NULL "
        "RETURN p.id AS id ORDER BY id"
    )
    ids = [row["id"] for row in rows]
    if len(ids) < 2:
        return []
    pairs = {tuple(sorted(rng.sample(ids, 2))) for _ in range(limit)}
    return sorted((a, b) for a, b in pairs)


@dataclass(frozen=True)
class Trained:
    weights: Weights
    blocked: int
    random: int
    seed: int


async def train(
    store: Store,
    now: dt.datetime,
    *,
    seed: int = 1,
    pairs: int = 20_000,
    min_pairs: int = MIN_PAIRS,
) -> Trained:
    """Learn the weights from the hub's partners and store them as the next model version."""
    rng = random.Random(seed)  # noqa: S311 - a sample, not a secret
    blocked = await _vectors(store, await _blocked_pairs(store, rng, pairs))
    unrelated = await _vectors(store, await _random_pairs(store, rng, pairs))
    found = estimate(blocked, unrelated, min_pairs)

    async def work(tx: Transaction) -> Weights:
        rows = await tx.run("MATCH (m:MatchModel) RETURN max(m.version) AS version")
        version = (rows[0]["version"] or 0) + 1 if rows else 1
        weights = found.weights(version)
        await tx.run(
            "CREATE (:MatchModel {version: $version, prior: $prior, weights: $weights, "
            "pairs: $pairs, seed: $seed, trainedAt: $now})",
            {"version": version, "prior": weights.prior, "weights": json.dumps(weights.levels),
             "pairs": len(blocked), "seed": seed, "now": now},
        )  # fmt: skip
        return weights

    return Trained(await store.write(work), len(blocked), len(unrelated), seed)


async def current(store: Store) -> Weights:
    """The weights matching uses now."""

    async def work(tx: Transaction) -> Weights:
        return (await read_frequencies(tx, [])).weights

    return await store.read(work)


def render(weights: Weights) -> list[str]:
    """The model as a table: per feature, the weight of each level."""
    title = f"model version {weights.version}" if weights.version else "declared weights"
    lines = [f"{title}: prior {weights.prior:+.2f} (log2 odds among pairs sharing a key)"]
    for feature in rules.LEVELS:
        names = [f">={at_least:g}" for at_least, _ in rules.LEVELS[feature]] + ["else"]
        values = weights.levels.get(feature) or declared(feature)
        learnt = "" if feature in weights.levels else "  (declared)"
        cells = "  ".join(f"{n} {v:+6.2f}" for n, v in zip(names, values, strict=True))
        lines.append(f"  {feature:14} {cells}{learnt}")
    return lines

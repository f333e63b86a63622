"""The counts of common values, held in memory by a process that matches with a tally.

A value's count weighs an agreement only while the value is common: an agreement weighs
``min(level, log2(M_EXACT / share))`` with ``share = (count + 1) / (population +
TERM_PRIOR_RECORDS)`` (see :class:`hub.mastering.compare._Weigher`), so a value carried by
fewer than ``M_EXACT * (population + TERM_PRIOR_RECORDS) / 2**level`` partners weighs its
level, whatever its exact count. At 100,000 partners that is about 90 partners for the highest
level: a few hundred values (Müller, Berlin, Hauptstraße) of tens of thousands decide
anything.

The API's upserts and ``hub load`` therefore read no counts: they take them from
:class:`CommonTerms`, which holds every value that was common enough to matter (from a
quarter of that line, ``MARGIN``) when it last read them, and treats the others as rare,
which for them is exact. Only the population (``*``) is read with the candidates. The
common values are read again after ``MAX_AGE`` seconds, when the weights in use changed, or
when the population moved since (another process counted partners): by more than
``REREAD_AT_ONCE`` at once, by more than ``REREAD_SHARE`` after ``MIN_AGE`` seconds. Until
then, what other processes counted is not seen: a value that grows from rare to common
within those seconds weighs its level until the next read. The counts this process's tally
writes are added as they are written (see :meth:`hub.mastering.tally.TermTally.on_written`),
and those still waiting come from the tally itself.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections import Counter
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager

from graph_schema import matching as rules
from hub.mastering.weights import Weights, declared
from hub.store import Transaction

ALL = "*"  # the term every partner carries: the population
MAX_AGE = 30.0
REREAD_SHARE = 0.01
# A population moving by REREAD_SHARE is read again at most this often (another process
# loading partners moves it by 1 % a second), by REREAD_AT_ONCE at once.
MIN_AGE = 5.0
REREAD_AT_ONCE = 0.05
# Values are held from this share of the count that can lower a weight: a value has to grow
# fourfold between two reads before it weighs its level when it should weigh less.
MARGIN = 4

_COMMON = "MATCH (x:MatchTerm) WHERE x.count >= $least RETURN x.term AS term, x.count AS count"


def least_common(population: int, weights: Weights) -> int:
    """The count from which a value's frequency can lower one of ``weights``: below it,
    ``log2(M_EXACT / share)`` is at least the highest level of every term feature."""
    highest = max(
        max(weights.levels.get(feature) or declared(feature)) for feature in rules.TERM_FEATURES
    )
    smoothed = population + rules.TERM_PRIOR_RECORDS
    # share = (count + 1) / smoothed; the limit rounded down keeps a value on the edge.
    limit = rules.M_EXACT * smoothed / math.pow(2.0, max(highest, 0.0))
    return max(math.floor(limit) - 1, 0)


class CommonTerms:
    """The stored counts of the common values, read now and then; see the module."""

    def __init__(
        self, max_age: float = MAX_AGE, paused: AbstractAsyncContextManager[object] | None = None
    ) -> None:
        self.max_age = max_age
        # Holds the writes of this process's counts while the common values are read: one
        # that committed during the read would be read and added again.
        self._paused = paused or contextlib.nullcontext()
        self._counts: dict[str, int] = {}
        self._written: Counter[str] = Counter()  # by this process since the last read
        self._population = -1  # as read; -1: never read
        self._version = -1  # of the weights the limit was worked out for
        self._read_at = 0.0

    def written(self, counts: Mapping[str, int]) -> None:
        """Counts this process has just written: part of the stored counts from now on."""
        self._written.update(counts)

    def _stale(self, population: int, weights: Weights) -> bool:
        if weights.version != self._version or self._population < 0:
            return True
        age = time.monotonic() - self._read_at
        if age > self.max_age:
            return True
        expected = self._population + self._written[ALL]
        moved = abs(population - expected) / max(expected, 1)
        return moved > REREAD_AT_ONCE or (moved > REREAD_SHARE and age > MIN_AGE)

    async def counts(
        self, tx: Transaction, population: int, weights: Weights
    ) -> tuple[Mapping[str, int], Mapping[str, int]]:
        """The stored counts of the common values (read again when stale; ``population``:
        the stored count of ``*`` as just read), and what this process wrote since."""
        if self._stale(population, weights):
            least = least_common(population, weights) // MARGIN
            async with self._paused:
                rows = await tx.run(_COMMON, {"least": least})
                self._written = Counter()
            self._counts = {row["term"]: row["count"] or 0 for row in rows}
            self._population = population
            self._version = weights.version
            self._read_at = time.monotonic()
        return self._counts, self._written

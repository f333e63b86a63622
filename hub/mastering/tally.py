"""Term counts of a running hub's upserts, added up in memory and written a moment later.

Every matched upsert counts its values (how many partners carry a name, a city, ...), and
a common value (``*``, a big city) is one record that every writer updates. Written in the
upsert's own transaction, these records cost each upsert more than its partner does, and
concurrent writers conflict on them. Counts are statistics that weigh a value's rarity, and
a second's delay changes no decision: the hub adds them up here, after each upsert has
committed, and writes them in one transaction about once a second (and when it stops).

The counts this process has not written yet are added to those it reads
(:meth:`TermTally.pending`), so its own upserts see each other at once. A hub that is killed
rather than stopped loses at most the last second's counts, which only makes those values
look a little rarer to matching.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from neo4j.exceptions import ConstraintError

from hub.store import Store, Transaction
from hub.store.bounded import STATEMENT_BYTES, bounded, utf8_size

log = logging.getLogger(__name__)

_ATTEMPTS = 3
# Counts per statement of a write, which is bounded by its terms' text as well (a term holds
# a whole value, up to 1,000 characters, and a load writes 20,000 at once).
_AT_ONCE = 5000
# Added to the stored count, created when missing.
COUNT = (
    "UNWIND $rows AS r MERGE (x:MatchTerm {term: r.term}) SET x.count = coalesce(x.count, 0) + r.n"
)


class TermTally:
    """Counts waiting to be written; see the module documentation."""

    def __init__(self, delay: float = 1.0) -> None:
        self.delay = delay
        self._waiting: Counter[str] = Counter()
        self._writing: Counter[str] = Counter()
        self._added = asyncio.Event()
        self._closing = asyncio.Event()
        self._flushing = asyncio.Lock()
        self._listeners: list[Callable[[Mapping[str, int]], None]] = []

    def paused(self) -> asyncio.Lock:
        """Held, no counts are written (a write under way ends first)."""
        return self._flushing

    def on_written(self, listener: Callable[[Mapping[str, int]], None]) -> None:
        """Call ``listener`` with the counts of each write, once it has committed."""
        self._listeners.append(listener)

    def add(self, counts: Iterable[tuple[str, int]]) -> None:
        """Count these terms (each with how many partners it gained) with the next write."""
        self._waiting.update(dict(counts))
        self._added.set()

    def __len__(self) -> int:
        """How many terms have counts waiting."""
        return len(self._waiting)

    def pending(self, term: str) -> int:
        """How many this process counted of ``term`` that the database does not hold yet."""
        return self._waiting.get(term, 0) + self._writing.get(term, 0)

    def added_to(self, counts: Mapping[str, int]) -> dict[str, int]:
        """``counts`` read from the database, with what is waiting for the same terms."""
        return {term: n + self.pending(term) for term, n in counts.items()}

    async def flush(self, store: Store) -> None:
        """Write every count waiting, in one transaction; when that fails, they wait for the
        next write. One flush at a time: a second waits for the first."""
        async with self._flushing:
            if not self._waiting:
                return
            self._writing, self._waiting = self._waiting, Counter()
            rows = [{"term": t, "n": n} for t, n in sorted(self._writing.items())]
            try:
                await _written(store, rows)
            except BaseException:
                self._waiting.update(self._writing)
                self._writing = Counter()
                raise
            # No await from here on: the counts move from pending to written at once.
            written, self._writing = self._writing, Counter()
            for listener in self._listeners:
                listener(written)

    def close(self) -> None:
        """Ask :meth:`run` to write what is waiting now and end."""
        self._closing.set()
        self._added.set()

    async def run(self, store: Store) -> None:
        """Write the counts a moment after they arrive, until :meth:`close`; then write the
        rest. A write that fails is logged and tried again with the next."""
        while not self._closing.is_set():
            await self._added.wait()
            self._added.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.delay)
            await self._flush_logged(store)
        if self._waiting:
            await self._flush_logged(store)
            if self._waiting:
                log.warning(
                    "term_counts_lost",
                    extra={"detail": f"the counts of {len(self._waiting)} values were not written"},
                )

    async def _flush_logged(self, store: Store) -> None:
        try:
            await self.flush(store)
        except Exception as exc:  # the counts wait for the next write
            log.warning("term_counts_not_written", extra={"detail": str(exc)})


async def _written(store: Store, rows: list[dict[str, object]]) -> None:
    """``rows`` added to the stored counts; again when another process created one of the
    terms at the same moment (the second MERGE fails on its uniqueness)."""

    async def work(tx: Transaction) -> None:
        for chunk in bounded(rows, _AT_ONCE, _term_size, STATEMENT_BYTES):
            await tx.run(COUNT, {"rows": chunk})

    for attempt in range(_ATTEMPTS):
        try:
            await store.write(work)
            return
        except ConstraintError:
            if attempt == _ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.01 * 2**attempt)


def _term_size(row: dict[str, object]) -> int:
    return utf8_size(str(row["term"]))

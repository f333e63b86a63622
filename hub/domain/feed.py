"""The change feed of one hub process: keeps the log numbered and wakes its consumers.

A write in this process that logged events wakes the feed (see
:meth:`hub.store.Store.on_logged`); writes of other processes (``hub load``, other replicas)
are found by polling every ``poll_seconds``. Each round numbers what waits
(:func:`hub.domain.change_log.sequence`) and, when the log grew, wakes everyone waiting in
:meth:`ChangeFeed.moved_past`. While someone waits there (a subscription), a commit is
numbered within milliseconds; while no one does, at the next poll: each numbering is a
write transaction, and readers of the log number what waits before they read anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time

from hub.domain.change_log import prune, sequence
from hub.errors import DatabaseUnavailable, RetryLater
from hub.store import Store
from hub.store.temporal import utc_now

log = logging.getLogger(__name__)
_PRUNE_EVERY = 3600.0  # seconds
_GATHER_SECONDS = 0.01
# While writes keep coming, one numbering per this many seconds: each is a write
# transaction of its own, and numbering after every commit would cost the writers a sixth
# of their throughput.
_NUMBER_EVERY = 0.04


class ChangeFeed:
    def __init__(
        self, store: Store, poll_seconds: float, retention_days: int | None = None
    ) -> None:
        self._store = store
        self._poll = poll_seconds
        self._retention = dt.timedelta(days=retention_days) if retention_days else None
        self._pruned_at = 0.0
        self._wake = asyncio.Event()
        self._moved = asyncio.Condition()
        self.head = 0
        # Consumers waiting in moved_past, and whether a commit waits for the next poll.
        self._listeners = 0
        self._deferred = False
        store.on_logged(self._wake.set)

    async def run(self) -> None:
        """Keep the log numbered until cancelled."""
        woke = False
        while True:
            self._wake.clear()
            self._deferred = False
            began = time.monotonic()
            try:
                head = await sequence(self._store, look_first=not woke)
                await self._keep_retention()
            except Exception as exc:  # the feed outlives a database that is away for a while
                log_failure(log, "change_feed_failed", exc)
                await asyncio.sleep(self._poll)
                continue
            if head > self.head:
                async with self._moved:
                    self.head = head
                    self._moved.notify_all()
            woke = await self._next_round(began)

    async def _next_round(self, began: float) -> bool:
        """Wait until the next round is due: True when a commit of this process is known to
        wait for its position."""
        deadline = began + self._poll
        while True:
            if not await woken(self._wake, max(deadline - time.monotonic(), 0.0)):
                return self._deferred
            if self._listeners:
                # The commits of a busy moment are numbered together: one numbering
                # transaction for many writes, at the cost of a few milliseconds.
                since = time.monotonic() - began
                await asyncio.sleep(max(_GATHER_SECONDS, _NUMBER_EVERY - since))
                return True
            # No one listens: this commit is numbered at the poll, or when someone does.
            self._wake.clear()
            self._deferred = True

    async def _keep_retention(self) -> None:
        """Once an hour, remove the events older than the retention."""
        if self._retention is None or time.monotonic() - self._pruned_at < _PRUNE_EVERY:
            return
        self._pruned_at = time.monotonic()
        removed = await prune(self._store, utc_now() - self._retention)
        if removed:
            log.info("change_log_pruned", extra={"events": removed})

    def close(self) -> None:
        """Stop listening to this process's writes."""
        self._store.off_logged(self._wake.set)

    async def moved_past(self, position: int) -> None:
        """Return once the log holds an event after ``position``."""
        self._listeners += 1
        if self._deferred:
            self._wake.set()
        try:
            async with self._moved:
                await self._moved.wait_for(lambda: self.head > position)
        finally:
            self._listeners -= 1


async def woken(wake: asyncio.Event, seconds: float) -> bool:
    """Until ``wake`` is set (True) or ``seconds`` passed (False). (Not ``asyncio.wait_for``:
    on Python 3.11 a task cancelled while in it can wait for ever.)"""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wake.wait()
            return True
    return False


def log_failure(logger: logging.Logger, event: str, exc: Exception) -> None:
    """Log what stopped a background round: a database that is away, or writes in conflict,
    as a warning with the reason (readiness and requests say the rest; a traceback every
    poll would bury the log), anything else as an error with its traceback."""
    if isinstance(exc, DatabaseUnavailable | RetryLater):
        logger.warning(event, extra={"reason": str(exc)[:300]})
    else:
        logger.error(event, exc_info=exc)

"""Each caller's budget of estimated cost per minute: a token bucket per caller.

A bucket holds up to a minute's budget and refills continuously, so a caller may spend a
burst of up to a minute's worth at once and then its rate. A request that costs more than the
bucket holds waits for it to refill: the caller is told how many seconds (``Retry-After``).
Budgets are kept per hub process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class CostBudget:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def spend(self, caller: str, cost: int) -> int | None:
        """Take ``cost`` from the caller's bucket and return None, or leave it and return the
        seconds after which the bucket holds enough. A budget of 0 takes nothing."""
        if self._capacity == 0:
            return None
        now = self._clock()
        bucket = self._buckets.get(caller)
        if bucket is None:
            bucket = self._buckets[caller] = _Bucket(self._capacity, now)
        bucket.tokens = min(self._capacity, bucket.tokens + (now - bucket.at) * self._rate)
        bucket.at = now
        # A request dearer than a whole minute's budget needs a full bucket, not more.
        needed = min(float(cost), self._capacity)
        if bucket.tokens >= needed:
            bucket.tokens -= needed
            return None
        return max(1, math.ceil((needed - bucket.tokens) / self._rate))

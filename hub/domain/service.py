"""Runs write-path work in managed transactions: one mutation, one transaction."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from neo4j.exceptions import ConstraintError

from hub.domain import deletions, processes, stewardship
from hub.domain.kinds import Kind
from hub.domain.problems import Problem, Rejected
from hub.domain.upsert import Delivery, Outcome, PartnerMatcher, upsert
from hub.errors import RetryLater
from hub.mastering.blocks import BlocksChanged
from hub.mastering.doubts import Doubt
from hub.mastering.matcher import GraphMatcher
from hub.store import Store, Transaction
from hub.store.temporal import utc_now

T = TypeVar("T")
_ATTEMPTS = 3

AfterUpsert = Callable[[Transaction, list[Outcome]], Awaitable[None]]
# A business process: run in one write transaction at one point in time.
Process = Callable[[Transaction, dt.datetime], Awaitable[T]]


def now() -> dt.datetime:
    return utc_now()


async def _with_key_retries(store: Store, work: Callable[[Transaction], Awaitable[T]]) -> T:
    """Two writers creating the same natural key at once: the loser's transaction fails on
    the uniqueness constraint; run it again and it finds the winner's record. The same when
    the blocks a new partner was matched in changed meanwhile (the other writer's partner
    may be the same one)."""
    for attempt in range(_ATTEMPTS):
        try:
            return await store.write(work)
        except BlocksChanged:
            if attempt == _ATTEMPTS - 1:
                raise
            # The other writer's partner is committed; a moment apart, two retries of one
            # pair of writers do not meet again.
            await asyncio.sleep(random.uniform(0.005, 0.02) * (attempt + 1))  # noqa: S311
        except ConstraintError as exc:
            if attempt == _ATTEMPTS - 1:
                raise RetryLater(
                    "concurrent writers kept creating the same record; repeat the request"
                ) from exc
    raise AssertionError("unreachable")


async def upsert_batch(
    store: Store,
    kind: Kind,
    deliveries: list[Delivery],
    *,
    matcher: PartnerMatcher | None = None,
    after: AfterUpsert | None = None,
    matching: bool = True,
) -> list[Outcome]:
    """Upsert a batch in one transaction; partners are matched unless ``matching`` is off
    (the matching benchmark's baseline)."""
    if matcher is None and kind.matched and matching:
        matcher = GraphMatcher()

    async def work(tx: Transaction) -> list[Outcome]:
        at = now()
        outcomes = await upsert(tx, kind, deliveries, at, matcher)
        await stewardship.settle_doubts(tx, _doubted(deliveries, outcomes), at)
        if matcher is not None:
            await stewardship.settle_revisions(tx, _revised(deliveries, outcomes), at)
        if kind.label == "Document":
            # Every way in (the API, hub load, a resubmitted row) chains a new revision.
            await processes.link_new_revisions(tx, outcomes)
        if after is not None:
            await after(tx, outcomes)
        return outcomes

    if matcher is None:
        return await _with_key_retries(store, work)
    # Matched writes update the same blocks (and without a tally the same term counts): in
    # the database they would conflict and be retried, one after the other at best.
    async with store.serialized("matching"):
        return await _with_key_retries(store, work)


def _doubted(deliveries: list[Delivery], outcomes: list[Outcome]) -> list[tuple[str, Doubt]]:
    """The records matching doubted, each with the partner its delivery was written to; not
    those the batch delivered itself, whose values matching did not see."""
    delivered = {(d.system, d.key) for d in deliveries}
    found: dict[tuple[str, str], tuple[str, Doubt]] = {}
    for outcome in outcomes:
        if outcome.id is None or outcome.match is None:
            continue
        for doubt in outcome.match.doubts:
            if (doubt.system, doubt.key) not in delivered:
                found.setdefault((doubt.system, doubt.key), (outcome.id, doubt))
    return list(found.values())


def _revised(deliveries: list[Delivery], outcomes: list[Outcome]) -> list[tuple[str, str, str]]:
    """The partner, system and key of each known source record that delivered another birth
    date than before (see :func:`hub.domain.stewardship.settle_revisions`)."""
    return [
        (outcome.id, delivery.system, delivery.key)
        for delivery, outcome in zip(deliveries, outcomes, strict=True)
        if outcome.revised and outcome.id is not None and not outcome.problems
    ]


async def delete_batch(store: Store, kind: Kind, deliveries: list[Delivery]) -> list[Outcome]:
    """Deletion deliveries of one kind in one transaction (see :mod:`hub.domain.deletions`)."""
    return await _with_key_retries(
        store, lambda tx: deletions.delete_sources(tx, kind, deliveries, now())
    )


async def run_keyed(store: Store, work: Callable[[Transaction], Awaitable[T]]) -> T:
    """``work`` in one write transaction, run again when a concurrent writer stored the same
    natural key first (the second run finds the first's record)."""
    return await _with_key_retries(store, work)


async def run_process(
    store: Store, process: Process[T], *, partners: bool = False
) -> T | list[Problem]:
    """Run a business process; its Rejected problems come back as data, nothing written.
    One that rewrites ``partners`` (a steward's merge or un-merge) waits its turn with the
    matched writes of this process, which touch the same partners and blocks: in the
    database it would conflict with them, and lose while they keep coming."""
    try:
        if not partners:
            return await _with_key_retries(store, lambda tx: process(tx, now()))
        async with store.serialized("matching"):
            return await _with_key_retries(store, lambda tx: process(tx, now()))
    except Rejected as rejected:
        return rejected.problems

"""Webhooks: the change log POSTed to systems that cannot hold a socket.

``hub webhooks add NAME URL`` registers a receiver with the kinds it wants and a secret.
Every hub process that delivers webhooks (``HUB_DELIVER_WEBHOOKS``) runs a
:class:`Dispatcher`: per webhook it takes a short lease in the database (so one process
delivers it at a time, and another takes over when that one stops), reads the events after
the webhook's position and POSTs them as one JSON batch, in log order, signed with
HMAC-SHA256 of the body (``X-Hub-Signature-256: sha256=...``). The position moves only after
a 2xx answer, and it is kept in the database: delivery is at least once and in order, and
a restart goes on from there. A failure is retried after a growing pause; after
``HUB_WEBHOOK_MAX_FAILURES`` failures in a row the webhook is paused until
``hub webhooks resume NAME``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from neo4j.exceptions import ConstraintError

from graph_schema import MODEL
from hub.domain.change_log import sequence
from hub.domain.feed import log_failure, woken
from hub.errors import HubError
from hub.ids import new_id, to_global
from hub.read import changes
from hub.read.changes import LogFilter
from hub.read.cursors import BoundCursors
from hub.store import Store
from hub.store.temporal import from_store, utc_now

log = logging.getLogger(__name__)

SIGNATURE = "X-Hub-Signature-256"
BATCH = 100
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_LEASE = dt.timedelta(seconds=30)
_LONGEST_PAUSE = 300.0  # seconds between attempts, however many failed


class WebhookError(HubError):
    """A ``hub webhooks`` request that cannot be carried out; the message says why."""

    code = "INVALID_WEBHOOK"


def kind_name(label: str) -> str:
    """``BusinessPartner`` -> ``BUSINESS_PARTNER``, as the API's RecordKind names it."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", label).upper()


KINDS = {kind_name(label): label for label in MODEL.golden_labels}


@dataclass(frozen=True)
class Webhook:
    name: str
    url: str
    kinds: tuple[str, ...]  # labels; empty: every kind
    secret: str
    personal: bool
    position: int
    failures: int
    last_error: str | None
    last_error_at: dt.datetime | None
    delivered_at: dt.datetime | None
    paused_at: dt.datetime | None
    next_attempt_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Webhook:
        def when(value: Any) -> dt.datetime | None:
            return from_store(value.to_native()) if value is not None else None

        return cls(
            name=row["name"],
            url=row["url"],
            kinds=tuple(row["kinds"] or ()),
            secret=row["secret"],
            personal=bool(row["personal"]),
            position=int(row["position"] or 0),
            failures=int(row["failures"] or 0),
            last_error=row["lastError"],
            last_error_at=when(row["lastErrorAt"]),
            delivered_at=when(row["deliveredAt"]),
            paused_at=when(row["pausedAt"]),
            next_attempt_at=when(row["nextAttemptAt"]),
        )


_SHOWN = (
    "w.name AS name, w.url AS url, w.kinds AS kinds, w.secret AS secret, "
    "w.personal AS personal, w.position AS position, w.failures AS failures, "
    "w.lastError AS lastError, w.lastErrorAt AS lastErrorAt, w.deliveredAt AS deliveredAt, "
    "w.pausedAt AS pausedAt, w.nextAttemptAt AS nextAttemptAt"
)


def checked(name: str, url: str, kinds: list[str]) -> tuple[str, ...]:
    """The labels of ``kinds``; :class:`WebhookError` for a bad name, URL or kind."""
    if not _NAME.match(name):
        raise WebhookError(
            f"{name!r} is not a webhook name: up to 64 letters, digits, '.', '_' or '-'"
        )
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise WebhookError(f"{url!r} is not an http(s) URL")
    unknown = sorted({k.upper() for k in kinds} - set(KINDS))
    if unknown:
        raise WebhookError(f"unknown kind {', '.join(unknown)}; known: {', '.join(KINDS)}")
    return tuple(sorted({KINDS[k.upper()] for k in kinds}))


async def add(
    store: Store,
    name: str,
    url: str,
    kinds: list[str],
    secret: str | None,
    personal: bool,
    from_start: bool,
    now: dt.datetime,
) -> str:
    """Register a webhook, delivering from now on (or from the log's start); returns its
    secret (the one given, or a new one)."""
    labels = checked(name, url, kinds)
    secret = secret or secrets.token_urlsafe(32)
    await sequence(store)
    position = 0 if from_start else await changes.head(store)
    try:
        await store.query(
            "CREATE (w:Webhook {id: $id, name: $name, url: $url, kinds: $kinds, "
            "secret: $secret, personal: $personal, position: $position, failures: 0, "
            "createdAt: $now})",
            {
                "id": new_id(),
                "name": name,
                "url": url,
                "kinds": list(labels),
                "secret": secret,
                "personal": personal,
                "position": position,
                "now": now,
            },
        )
    except ConstraintError as exc:
        raise WebhookError(f"a webhook named {name} exists already") from exc
    return secret


async def listed(store: Store) -> list[Webhook]:
    rows = await store.query(f"MATCH (w:Webhook) RETURN {_SHOWN} ORDER BY name")
    return [Webhook.from_row(row) for row in rows]


async def remove(store: Store, name: str) -> None:
    rows = await store.query(
        "MATCH (w:Webhook {name: $name}) DETACH DELETE w RETURN count(*) AS n", {"name": name}
    )
    if not rows or not rows[0]["n"]:
        raise WebhookError(f"no webhook named {name}")


async def resume(store: Store, name: str) -> bool:
    """Deliver again from the webhook's cursor, its failures forgotten; whether it was paused."""
    rows = await store.query(
        "MATCH (w:Webhook {name: $name}) WITH w, w.pausedAt IS NOT NULL AS paused "
        "SET w.pausedAt = null, w.failures = 0, w.nextAttemptAt = null RETURN paused",
        {"name": name},
    )
    if not rows:
        raise WebhookError(f"no webhook named {name}")
    return bool(rows[0]["paused"])


def table(found: list[Webhook], head: int, cursors: BoundCursors) -> list[str]:
    """The webhooks as the lines of a table, for ``hub webhooks list``."""
    if not found:
        return ["no webhook is registered: hub webhooks add NAME URL [--kind KIND ...]"]

    def when(value: dt.datetime | None) -> str:
        return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"

    rows = [("NAME", "URL", "KINDS", "LAG", "DELIVERED", "STATUS", "CURSOR")]
    for w in found:
        status = f"paused {when(w.paused_at)}" if w.paused_at else "active"
        if w.failures:
            status += f", {w.failures} failed, last {when(w.last_error_at)}: {w.last_error}"
        rows.append(
            (
                w.name,
                w.url,
                ",".join(kind_name(k) for k in w.kinds) or "all",
                str(max(head - w.position, 0)),
                when(w.delivered_at),
                status,
                cursors.encode([w.position]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event_json(
    row: dict[str, Any], cursors: BoundCursors, personal: bool, person: bool = True
) -> dict[str, Any]:
    """An event as the API shows it (personal values hidden unless the webhook may see them;
    ``person``: the record is a person, whose addresses' streets are personal too)."""
    return {
        "id": to_global("ChangeEvent", row["id"]),
        "cursor": cursors.encode([row["seq"]]),
        "at": from_store(row["at"].to_native()).isoformat(),
        "kind": kind_name(row["entity"]),
        "action": row["action"],
        "process": row["process"],
        "recordId": to_global(row["entity"], row["entityId"]),
        "version": row["version"],
        "source": {"system": row["system"], "key": row["key"]} if row["system"] else None,
        "actor": {"client": row["by"], "system": row["bySystem"], "onBehalfOf": row["onBehalfOf"]},
        "reason": row["reason"],
        "changes": [
            changes.shown_change(row["entity"], c, personal, person) for c in row["changes"]
        ],
    }


@dataclass(frozen=True)
class Delivery:
    timeout: float
    max_failures: int
    backoff: float


class Dispatcher:
    """Delivers every webhook's events from this process, while it holds their leases."""

    def __init__(
        self, store: Store, cursors: BoundCursors, rules: Delivery, poll_seconds: float
    ) -> None:
        self._store = store
        self._cursors = cursors
        self._rules = rules
        self._poll = poll_seconds
        self._me = new_id()
        # Longer than a POST may take: the lease never runs out while a batch is on its way.
        self._lease_for = _LEASE + dt.timedelta(seconds=rules.timeout)
        self._wake = asyncio.Event()
        store.on_logged(self._wake.set)

    def close(self) -> None:
        self._store.off_logged(self._wake.set)

    async def run(self) -> None:
        """Deliver until cancelled."""
        async with httpx.AsyncClient(timeout=self._rules.timeout) as client:
            while True:
                self._wake.clear()
                busy = False
                try:
                    due = await self._due()
                except Exception as exc:  # the dispatcher outlives a database away for a while
                    log_failure(log, "webhooks_failed", exc)
                    due = []
                for name in due:
                    try:
                        hook = await self._lease(name)
                        if hook is not None:
                            busy = await self._deliver(client, hook) or busy
                    except Exception:  # one webhook's trouble does not hold up the others
                        log.exception("webhook_delivery_failed", extra={"webhook": name})
                if not busy:
                    await woken(self._wake, self._poll)

    async def _due(self) -> list[str]:
        """The webhooks to deliver now (not paused, not waiting to retry)."""
        rows = await self._store.query(
            "MATCH (w:Webhook) WHERE w.pausedAt IS NULL "
            "AND (w.nextAttemptAt IS NULL OR w.nextAttemptAt <= $now) RETURN w.name AS name",
            {"now": utc_now()},
        )
        return [row["name"] for row in rows]

    async def _lease(self, name: str) -> Webhook | None:
        """The webhook, when this process holds (or now took) its lease: taken for each
        batch, for longer than a POST may take, so no other process delivers meanwhile."""
        now = utc_now()
        # The first SET locks the webhook (Neo4j) before its lease is looked at; on the
        # embedded store two processes taking it at once conflict at commit.
        rows = await self._store.query(
            "MATCH (w:Webhook {name: $name}) SET w.leaseTouchedAt = $now "
            "WITH w WHERE w.pausedAt IS NULL "
            "AND (w.leaseUntil IS NULL OR w.leaseUntil < $now OR w.leaseOwner = $me) "
            f"SET w.leaseOwner = $me, w.leaseUntil = $until RETURN {_SHOWN}",
            {"name": name, "now": now, "me": self._me, "until": now + self._lease_for},
        )
        return Webhook.from_row(rows[0]) if rows else None

    async def _deliver(self, client: httpx.AsyncClient, hook: Webhook) -> bool:
        """One batch; True when more may be waiting."""
        await sequence(self._store)
        page = await changes.page(self._store, hook.position, BATCH, LogFilter(labels=hook.kinds))
        if not page.events:
            if page.end > hook.position:  # only events the webhook does not want
                await self._moved(hook, page.end, delivered=False)
            return False
        people = set()
        if not hook.personal:
            partners = (e["entityId"] for e in page.events if e["entity"] == "BusinessPartner")
            people = await changes.persons(self._store.query, partners)
        body = json.dumps(
            {
                "webhook": hook.name,
                "events": [
                    event_json(e, self._cursors, hook.personal, e["entityId"] in people)
                    for e in page.events
                ],
                "cursor": self._cursors.encode([page.end]),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE: signature(hook.secret, body),
            "X-Hub-Webhook": hook.name,
        }
        try:
            answer = await client.post(hook.url, content=body, headers=headers)
            problem = None if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code}"
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"[:300]
        if problem is None:
            await self._moved(hook, page.end, delivered=True)
            return page.more
        await self._failed(hook, problem)
        return False

    async def _moved(self, hook: Webhook, position: int, *, delivered: bool) -> None:
        await self._store.query(
            "MATCH (w:Webhook {name: $name}) WHERE w.leaseOwner = $me "
            "SET w.position = $position, w.failures = 0, w.nextAttemptAt = null"
            + (", w.deliveredAt = $now" if delivered else ""),
            {"name": hook.name, "me": self._me, "position": position, "now": utc_now()},
        )

    async def _failed(self, hook: Webhook, problem: str) -> None:
        failures = hook.failures + 1
        now = utc_now()
        pause = min(self._rules.backoff * 2 ** (failures - 1), _LONGEST_PAUSE)
        paused = failures >= self._rules.max_failures
        log.warning(
            "webhook_failed",
            extra={"webhook": hook.name, "failures": failures, "error": problem, "paused": paused},
        )
        await self._store.query(
            "MATCH (w:Webhook {name: $name}) WHERE w.leaseOwner = $me "
            "SET w.failures = $failures, w.lastError = $problem, w.lastErrorAt = $now, "
            "w.nextAttemptAt = $next, w.pausedAt = $paused",
            {
                "name": hook.name,
                "me": self._me,
                "failures": failures,
                "problem": problem,
                "now": now,
                "next": now + dt.timedelta(seconds=pause),
                "paused": now if paused else None,
            },
        )

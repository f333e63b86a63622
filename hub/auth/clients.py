"""Registered clients: systems that call the API with a bearer token of their own.

``hub clients add`` stores a client with the SHA-256 of a new random token and shows the
token once; the hub never stores or logs the token itself. Revoking keeps the client (the
audit names it) but refuses its token from then on.

Each hub process keeps a copy of the clients (:class:`ClientDirectory`). A change made with
``hub clients`` touches a marker file in the data dir, which every process on that data dir
looks at before a request (at most every 50 ms, and at once for a token it does not know), so
a revocation applies within 50 ms and a new client is let in on its first request; other
hosts (replicas on Neo4j) read the clients again every ``HUB_AUTH_REFRESH_SECONDS``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import logging
import math
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neo4j.exceptions import ConstraintError

from hub.auth.principal import Principal, Scope
from hub.domain.validation import system_name
from hub.errors import HubError
from hub.store import Store
from hub.store.temporal import from_store, to_store, utc_now

log = logging.getLogger(__name__)

TOKEN_PREFIX = "hub_"  # noqa: S105 - tells a client token from a JWT, no secret
MARKER = "clients.changed"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Last use is kept to the minute: writing it on every request would cost a write per read.
_USE_RESOLUTION_SECONDS = 60.0
# The marker file is looked at no more often than this: a revocation made with the CLI (a
# process that takes a second to run) still applies to the next request.
_MARKER_EVERY_SECONDS = 0.05


class ClientError(HubError):
    """A ``hub clients`` request that cannot be carried out; the message says why."""

    code = "INVALID_CLIENT"


@dataclass(frozen=True)
class Client:
    name: str
    system: str | None
    scopes: frozenset[Scope]
    created_at: dt.datetime
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None

    @functools.cached_property
    def principal(self) -> Principal:
        return Principal(self.name, self.system, self.scopes, "client")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Client:
        def when(value: Any) -> dt.datetime | None:
            if value is None:
                return None
            to_native = getattr(value, "to_native", None)
            return from_store(to_native() if to_native else value)

        created = when(row["createdAt"])
        assert created is not None
        return cls(
            name=row["name"],
            system=row.get("system"),
            scopes=Scope.parse(list(row.get("scopes") or [])),
            created_at=created,
            last_used_at=when(row.get("lastUsedAt")),
            revoked_at=when(row.get("revokedAt")),
        )


def token_hash(token: str) -> str:
    """What is stored of a token. Tokens are 256 random bits, so a plain hash is enough: no
    dictionary of guesses reaches them."""
    return hashlib.sha256(token.encode()).hexdigest()


def checked(name: str, system: str | None, scopes: list[str]) -> tuple[str | None, list[str]]:
    """The system and scopes a new client is registered with, or :class:`ClientError`."""
    if not _NAME.match(name):
        raise ClientError(
            f"{name!r} is not a client name: up to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if system is not None and not system_name(system):
        raise ClientError(f"{system!r} is not a system name: letters, digits, '.', '_' or '-'")
    known = {scope.value for scope in Scope}
    unknown = [scope for scope in scopes if scope not in known]
    if unknown or not scopes:
        raise ClientError(
            f"{' '.join(unknown) or 'no scope given'}: give --scope with one of "
            f"{', '.join(sorted(known))}"
        )
    if Scope.WRITE.value in scopes and system is None:
        raise ClientError("a client with the write scope needs --system: it writes only there")
    return (system.strip().upper() if system else None), sorted(set(scopes))


async def add(
    store: Store, name: str, system: str | None, scopes: list[str], now: dt.datetime
) -> str:
    """Register a client and return its token (shown once, never stored)."""
    system, scopes = checked(name, system, scopes)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        await store.write(
            lambda tx: tx.run(
                "CREATE (c:ApiClient {name: $name}) SET c.system = $system, c.scopes = $scopes, "
                "c.tokenHash = $hash, c.createdAt = $now",
                {
                    "name": name,
                    "system": system,
                    "scopes": scopes,
                    "hash": token_hash(token),
                    "now": to_store(now),
                },
            )
        )
    except ConstraintError as exc:
        raise ClientError(
            f"a client named {name!r} exists already (names stay taken after revocation, so "
            "the audit trail names one client each): choose another name"
        ) from exc
    return token


async def listed(store: Store) -> list[Client]:
    rows = await store.query(
        "MATCH (c:ApiClient) RETURN c {.name, .system, .scopes, .createdAt, .lastUsedAt, "
        ".revokedAt} AS row ORDER BY c.name"
    )
    return [Client.from_row(row["row"]) for row in rows]


async def revoke(store: Store, name: str, now: dt.datetime) -> None:
    """Refuse the client's token from now on; the client stays for the audit."""
    rows = await store.write(
        lambda tx: tx.run(
            "MATCH (c:ApiClient {name: $name}) "
            "SET c.revokedAt = coalesce(c.revokedAt, $now) RETURN c.name AS name",
            {"name": name, "now": to_store(now)},
        )
    )
    if not rows:
        raise ClientError(f"no client is named {name!r}; `hub clients list` shows them")


def table(found: list[Client]) -> list[str]:
    """The clients as the lines of a table, for ``hub clients list``."""
    if not found:
        return ["no client is registered: hub clients add NAME --system SYSTEM --scope SCOPE"]

    def when(value: dt.datetime | None) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else "-"

    rows = [("NAME", "SYSTEM", "SCOPES", "CREATED", "LAST USED", "STATUS")]
    rows += [
        (
            c.name,
            c.system or "-",
            ",".join(sorted(scope.value for scope in c.scopes)),
            when(c.created_at),
            when(c.last_used_at),
            f"revoked {when(c.revoked_at)}" if c.revoked_at else "active",
        )
        for c in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def mark_changed(data_dir: Path) -> None:
    """Tell the hub processes on this data dir to read the clients again at once."""
    data_dir.mkdir(parents=True, exist_ok=True)
    marker = data_dir / MARKER
    fresh = marker.with_name(f".{MARKER}.{os.getpid()}")
    fresh.write_text(str(time.time_ns()))
    # A rename gives the marker a new inode, which tells it changed on any clock granularity.
    fresh.replace(marker)


@dataclass
class _Known:
    by_hash: dict[str, Client]
    registered: int
    loaded_at: float
    marker: tuple[int, int] | None
    # Tokens met since, by the token itself: hashing one costs more than finding it.
    by_token: dict[str, Client] = field(default_factory=dict)


class ClientDirectory:
    """A hub process's copy of the registered clients, kept fresh (see the module docstring)."""

    def __init__(
        self,
        data_dir: Path,
        refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._marker = data_dir / MARKER
        self._refresh = refresh_seconds
        self._clock = clock
        self._known = _Known({}, 0, -math.inf, None)
        self._marker_checked = -math.inf
        self._lock = asyncio.Lock()
        self._recorded: dict[str, float] = {}
        self._writes: set[asyncio.Task[None]] = set()

    async def find(self, store: Store, token: str) -> Client | None:
        """The active client holding ``token``, or None."""
        known = await self._current(store)
        client = known.by_token.get(token)
        if client is None:
            client = known.by_hash.get(token_hash(token))
            if client is None and self._marker_state() != known.marker:
                # A token not known yet may be a client registered since the last look at
                # the marker (at most 50 ms ago): look again now rather than refuse it.
                self._marker_checked = -math.inf
                known = await self._current(store)
                client = known.by_hash.get(token_hash(token))
            if client is not None:
                known.by_token[token] = client
        return client

    async def any_registered(self, store: Store) -> bool:
        """Whether a client was ever registered (revoked ones count: revoking the last
        client must not open the hub to anyone on the machine again)."""
        return (await self._current(store)).registered > 0

    def used(self, store: Store, client: Client) -> None:
        """Note that the client's token was used now; written at most once a minute, in the
        background, so that a request never waits for it."""
        now = self._clock()
        recorded = self._recorded.get(client.name)
        if recorded is not None and now - recorded < _USE_RESOLUTION_SECONDS:
            return
        self._recorded[client.name] = now
        write = asyncio.ensure_future(self._record_use(store, client.name, utc_now()))
        self._writes.add(write)
        write.add_done_callback(self._writes.discard)

    async def _record_use(self, store: Store, name: str, now: dt.datetime) -> None:
        try:
            await store.write(
                lambda tx: tx.run(
                    "MATCH (c:ApiClient {name: $name}) SET c.lastUsedAt = $at",
                    {"name": name, "at": to_store(now)},
                )
            )
        except Exception:  # last use is a courtesy: it never fails a request
            log.warning("client_use_not_recorded", exc_info=True, extra={"client": name})

    async def settle(self) -> None:
        """Wait for the uses being written (before the store closes)."""
        await asyncio.gather(*self._writes, return_exceptions=True)

    def _marker_state(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self._marker)
        except OSError:
            return None
        return found.st_ino, found.st_mtime_ns

    async def _current(self, store: Store) -> _Known:
        known = self._known
        if self._fresh(known):
            return known
        async with self._lock:
            if self._known is not known:  # read again while this request waited
                return self._known
            marker = self._marker_state()
            rows = await store.query(
                "MATCH (c:ApiClient) RETURN c {.name, .system, .scopes, .createdAt, .tokenHash, "
                ".revokedAt} AS row"
            )
            by_hash = {
                row["row"]["tokenHash"]: Client.from_row(row["row"])
                for row in rows
                if row["row"].get("revokedAt") is None and row["row"].get("tokenHash")
            }
            self._known = _Known(by_hash, len(rows), self._clock(), marker)
            return self._known

    def _fresh(self, known: _Known) -> bool:
        now = self._clock()
        if now - known.loaded_at >= self._refresh:
            return False
        if now - self._marker_checked < _MARKER_EVERY_SECONDS:
            return True
        self._marker_checked = now
        return self._marker_state() == known.marker

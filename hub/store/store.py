"""The hub's only way to the database: the async neo4j driver, its dialect and error mapping.

Every statement goes through :class:`Store` (or a :class:`Transaction` it hands out), which
counts it (``hub_db_queries_total``) and turns connection failures into
:class:`~hub.errors.DatabaseUnavailable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import neo4j
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConnectionPoolError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from neo4j.exceptions import DatabaseUnavailable as ServerDatabaseUnavailable

from hub.actor import Actor
from hub.collation import CollationName
from hub.errors import DatabaseUnavailable, RetryLater, StartupError, Timeout
from hub.settings import Settings
from hub.store.dialect import Dialect, detect
from hub.store.embedded import DataDir, EmbeddedServer

T = TypeVar("T")
Record = dict[str, Any]
log = logging.getLogger(__name__)
_ATTEMPTS = 5  # of a statement or transaction the dialect says to run again
_LANES_KEPT = 10_000
_FIRST_RETRY_SECONDS = 0.02  # doubled for each further attempt, with jitter
Params = Mapping[str, Any]
Statement = tuple[str, Params]  # Cypher and its parameters

_UNAVAILABLE = (
    ServiceUnavailable,
    SessionExpired,
    ConnectionPoolError,
    ServerDatabaseUnavailable,
    OSError,
)


@contextlib.contextmanager
def _unavailable_as_error(what: str) -> Any:
    try:
        yield
    except _UNAVAILABLE as exc:
        raise DatabaseUnavailable(f"the database is unavailable ({what}): {exc}") from exc


@dataclass
class _Shared:
    """What a store and every caller's view of it share (see :meth:`Store.for_caller`)."""

    sessions_per_caller: int
    queries_sent: int = 0
    # Statement texts seen, when someone asked to collect them (the tests lint them with
    # Neo4j's own parser to keep every statement valid on Neo4j 5).
    statements: set[str] | None = None
    # Callers' lanes; past _LANES_KEPT the oldest is dropped (a JWT's subjects come and go),
    # and requests under way keep the lane they hold.
    lanes: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    # Called after a write transaction that logged change events committed.
    log_listeners: list[Callable[[], None]] = field(default_factory=list)


class _Values(list[Any]):
    """A list parameter that shows itself by its length.

    The driver writes every statement's parameters out for its debug log before the logger
    looks at its level (``Bolt5x2.run`` in neo4j 6.4): without this, the thousands of rows
    of a batch were turned into text for every statement sent, which took longer than
    packing them for the wire. Packed, the list is any other list.
    """

    def __repr__(self) -> str:
        return f"<{len(self)} values>"


def _parameters(params: Params | None) -> dict[str, Any]:
    return {k: _Values(v) if isinstance(v, list) else v for k, v in (params or {}).items()}


_PARAMETER = re.compile(r"\$(\w+)")


def one_statement(statements: Sequence[Statement]) -> Statement:
    """Writes that return nothing, as one statement doing them in turn; the last part may
    return what the statement answers.

    Each part ends in an aggregation, which reads all of the part's rows, and so does all its
    writes, before the next part begins, and leaves one row even when the part matched
    nothing. Parameters are renamed per part (``$rows`` of the second part is ``$p1_rows``).
    """
    if len(statements) == 1:
        return statements[0]
    parts: list[str] = []
    params: dict[str, Any] = {}
    for n, (cypher, values) in enumerate(statements):
        if n < len(statements) - 1 and _RETURNS.search(cypher):
            raise ValueError(f"only statements that return nothing can be joined: {cypher[:60]!r}")
        parts.append(_PARAMETER.sub(f"$p{n}_\\1", cypher.strip()))
        params.update({f"p{n}_{k}": v for k, v in values.items()})
    # Lines, not spaces: a part ending in a comment must not swallow what follows.
    joined = "".join(f"{part}\nWITH count(*) AS done{n}\n" for n, part in enumerate(parts[:-1]))
    return joined + parts[-1], params


_RETURNS = re.compile(r"\b(RETURN|UNION|CALL)\b", re.IGNORECASE)


async def _records(result: neo4j.AsyncResult) -> list[Record]:
    # The hub's statements return plain values and maps, never nodes, so the records need
    # none of Record.data()'s recursive conversion, which costs more than the values.
    keys = result.keys()
    return [dict(zip(keys, record, strict=True)) async for record in result]


class Transaction:
    """A managed transaction that counts the statements it sends.

    It also keeps the element ids of the records its statements met, by hub id (blocking
    keys by their value, see :mod:`hub.mastering.blocks`): a later statement of the same
    transaction finds a record by ``elementId(n) = ...`` in a fraction of the time the id
    index takes (a direct record load on ArcadeDB, a seek on Neo4j).
    Element ids are only stable within one transaction, so each attempt starts empty.
    """

    def __init__(self, tx: neo4j.AsyncManagedTransaction, store: Store) -> None:
        self._tx = tx
        self._store = store
        self.actor = store.actor
        self.collation = store.collation
        self.element_ids: dict[str, str] = {}
        # The members of the blocks matching read, by key (see hub.mastering.blocks.link).
        self.blocks_read: dict[str, frozenset[str]] = {}
        self._sent: asyncio.Task[list[Record]] | None = None
        # Change events this attempt logged: their order within it, and whether the
        # change feed has something new once it commits.
        self.events_logged = 0
        # What to do once this attempt has committed (a failed attempt's are dropped).
        self.committed: list[Callable[[], None]] = []
        # Statements this attempt handed the driver (the store's count also holds everyone
        # else's, background work included).
        self.statements_sent = 0

    async def run(self, cypher: str, params: Params | None = None) -> list[Record]:
        await self.settle()
        return await self._run(cypher, params)

    async def _run(self, cypher: str, params: Params | None) -> list[Record]:
        self._store.count(cypher)
        self.statements_sent += 1
        result = await self._tx.run(cypher, _parameters(params))
        return await _records(result)

    async def send(self, cypher: str, params: Params | None = None) -> None:
        """Send a statement whose answer is not needed and return at once.

        The Python work that follows (the next statement's parameters, say) runs while the
        database executes this one. The next statement waits for it, and so does the end of
        the transaction; its error, if any, is raised there.
        """
        await self.settle()
        self._sent = asyncio.ensure_future(self._run(cypher, params))
        await asyncio.sleep(0)  # the task writes the statement to the connection

    async def send_all(self, statements: Sequence[Statement]) -> None:
        """:meth:`send` the ``statements`` as one (see :func:`one_statement`): each costs
        the database a round trip of its own, whatever little it writes."""
        if statements:
            await self.send(*one_statement(statements))

    async def settle(self) -> None:
        """Wait for the statement :meth:`send` sent, raising its error."""
        if self._sent is not None:
            sent, self._sent = self._sent, None
            await sent

    async def abandon(self) -> None:
        """After a failure: stop waiting for a sent statement (the transaction rolls back)."""
        if self._sent is not None:
            sent, self._sent = self._sent, None
            sent.cancel()
            await asyncio.gather(sent, return_exceptions=True)

    async def collected(self, cypher: str, params: Params | None = None) -> list[Record]:
        """The rows of a statement that returns them as one list, ``RETURN collect({...}) AS
        rows``: the driver's cost is per record, so a batch's answer is cheapest as one."""
        found = await self.run(cypher, params)
        return list(found[0]["rows"]) if found else []

    def after_commit(self, done: Callable[[], None]) -> None:
        """Call ``done`` once this transaction has committed; never when it fails or is
        retried (a retry is another attempt, with callbacks of its own)."""
        self.committed.append(done)

    def remember(self, rows: Iterable[Record], id_key: str = "id", key: str = "element") -> None:
        """Keep the element ids that ``rows`` carry next to hub ids (None is skipped)."""
        for row in rows:
            if row.get(key) is not None and row.get(id_key) is not None:
                self.element_ids[row[id_key]] = row[key]

    async def element_ids_of(self, label: str, ids: Iterable[str]) -> dict[str, str]:
        """The element ids of the ``label`` records among ``ids``, looking up those not met
        yet in one statement; an id without a record has none.

        Callers drop rows without an element id rather than send a null: ArcadeDB answers
        ``elementId(n) = null`` by scanning every record. It also ignores the label in such
        a lookup, so an element id is only ever used for the record it was read from.
        """
        missing = sorted({i for i in ids if i not in self.element_ids})
        if missing:
            rows = await self.run(
                f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) "
                "RETURN n.id AS id, elementId(n) AS element",
                {"ids": missing},
            )
            self.remember(rows)
        return self.element_ids


class Store:
    """An open connection to the hub's database, embedded or external."""

    def __init__(
        self,
        driver: neo4j.AsyncDriver,
        database: str | None,
        dialect: Dialect,
        embedded: EmbeddedServer | None = None,
        sessions_per_caller: int = 8,
        collation: CollationName = "de",
    ) -> None:
        self._driver = driver
        self.collation: CollationName = collation  # how the text keys written here sort
        self.database = database
        self.dialect = dialect
        self.embedded = embedded
        self._shared = _Shared(sessions_per_caller)
        self._lane: asyncio.Semaphore | None = None
        self._deadline: float | None = None
        self.actor: Actor | None = None

    def acting(self, actor: Actor) -> Store:
        """This store with the changes it writes naming ``actor`` (a command, not a caller
        of the API: no limit on its sessions)."""
        view = object.__new__(Store)
        view.__dict__.update(self.__dict__)
        view.actor = actor
        return view

    def for_caller(
        self, caller: str, deadline: float | None = None, actor: Actor | None = None
    ) -> Store:
        """This store as one caller's request uses it: at most ``sessions_per_caller``
        sessions of all that caller's requests are open at once (the rest wait), every
        statement and transaction ends by ``deadline`` (``time.monotonic()``), on the server
        as well where it honours transaction timeouts, and the changes it writes name
        ``actor``."""
        # A shallow copy without copy.copy's protocol: this runs for every request.
        view = object.__new__(Store)
        view.__dict__.update(self.__dict__)
        view.actor = actor
        lanes = self._shared.lanes
        lane = lanes.get(caller)
        if lane is None:
            if len(lanes) >= _LANES_KEPT:
                del lanes[next(iter(lanes))]
            lane = lanes[caller] = asyncio.Semaphore(self._shared.sessions_per_caller)
        view._lane = lane
        view._deadline = deadline
        return view

    @contextlib.asynccontextmanager
    async def serialized(self, name: str) -> AsyncIterator[None]:
        """One at a time in this process: writers that would conflict in the database anyway
        (partner matching updates shared counts) queue here instead of failing and retrying
        there."""
        lock = self._shared.locks.setdefault(name, asyncio.Lock())
        async with lock:
            yield

    def on_logged(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each write transaction that logged change events commits
        (in this process; other processes' commits are found by polling)."""
        self._shared.log_listeners.append(listener)

    def off_logged(self, listener: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._shared.log_listeners.remove(listener)

    @property
    def queries_sent(self) -> int:
        return self._shared.queries_sent

    @property
    def statements(self) -> set[str] | None:
        return self._shared.statements

    @statements.setter
    def statements(self, value: set[str] | None) -> None:
        self._shared.statements = value

    def count(self, cypher: str) -> None:
        shared = self._shared
        shared.queries_sent += 1
        if shared.statements is not None:
            shared.statements.add(cypher)

    def _timeout(self) -> float | None:
        """Seconds left before the caller's deadline, for the server's transaction timeout."""
        if self._deadline is None or not self.dialect.honours_transaction_timeouts:
            return None
        return max(0.001, self._deadline - time.monotonic())

    @classmethod
    async def open(cls, settings: Settings, *, attach: bool = False) -> Store:
        """Connect as configured, starting the embedded store when no URI is set.

        With ``attach``, a command-line tool shares the embedded store of a hub already
        running on the same data dir instead of failing on its lock.
        Raises :class:`StartupError` with a message that says what to fix.
        """
        embedded: EmbeddedServer | None = None
        running = DataDir(settings.data_dir).running_server() if attach else None
        if settings.embedded and running:
            credentials = DataDir(settings.data_dir).credentials()
            uri = running
            auth = (credentials.user, credentials.password)
        elif settings.embedded:
            embedded = EmbeddedServer(settings)
            await embedded.start()
            uri = embedded.uri
            auth = (embedded.credentials.user, embedded.credentials.password)
        else:
            assert settings.neo4j_uri is not None
            uri = settings.neo4j_uri
            password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
            auth = (settings.neo4j_user, password)
        driver = neo4j.AsyncGraphDatabase.driver(
            uri,
            auth=auth,
            connection_timeout=settings.db_connect_timeout,
            connection_acquisition_timeout=settings.db_connect_timeout,
            max_transaction_retry_time=settings.db_retry_seconds,
            # A conflict between concurrent writers (the embedded store detects them at
            # commit, page by page) is over in milliseconds: retried after 1 s, the driver's
            # default, one conflict cost a writer a second.
            initial_retry_delay=_FIRST_RETRY_SECONDS,
            max_connection_pool_size=settings.db_pool_size,
        )
        try:
            dialect = await _detect_dialect(driver, uri, settings)
            database = settings.neo4j_database or dialect.default_database
            await _check_database(driver, uri, database)
        except BaseException:
            await driver.close()
            if embedded is not None:
                await embedded.stop()
            raise
        return cls(
            driver,
            database,
            dialect,
            embedded,
            settings.db_sessions_per_client,
            settings.collation,
        )

    async def close(self) -> None:
        await self._driver.close()
        if self.embedded is not None:
            await self.embedded.stop()

    async def _again_when_retryable(self, run: Callable[[], Awaitable[T]]) -> T:
        """``run()``, run again (after a short pause) while it fails with an error the
        dialect says a new transaction gets past (see :meth:`Dialect.retryable`).

        A transient error (a deadlock, a concurrent modification) that is left after the
        driver's own retries becomes :class:`RetryLater`: the caller may repeat the request.
        """
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return await run()
            except TransientError as exc:
                log.warning("transient_error_left", extra={"code": exc.code})
                raise RetryLater(
                    "the database met conflicting concurrent writes and gave up after retries; "
                    "repeat the request"
                ) from exc
            except Neo4jError as exc:
                if self.dialect.gone(exc.code, exc.message):
                    raise DatabaseUnavailable(
                        f"the database stopped serving the hub's connection: {exc.message}"
                    ) from exc
                if self.dialect.timed_out(exc.code):
                    raise Timeout(
                        "a statement ran longer than the database allows and was ended"
                    ) from exc
                if attempt == _ATTEMPTS or not self.dialect.retryable(exc.code, exc.message):
                    raise
                log.debug("statement_retried", extra={"code": exc.code, "attempt": attempt})
                await asyncio.sleep(0.005 * 2**attempt)
        raise AssertionError("unreachable")

    async def query(self, cypher: str, params: Params | None = None) -> list[Record]:
        """Run one auto-commit statement; retried once when a pooled connection went stale,
        and as :meth:`_again_when_retryable` says."""
        return await self._again_when_retryable(lambda: self._query(cypher, params))

    async def _query(self, cypher: str, params: Params | None) -> list[Record]:
        for attempt in (1, 2):
            try:
                async with self._session() as session:
                    self.count(cypher)
                    timeout = self._timeout()
                    query = cypher if timeout is None else neo4j.Query(cypher, timeout=timeout)
                    result = await session.run(query, _parameters(params))
                    return await _records(result)
            except (ServiceUnavailable, SessionExpired) as exc:
                if attempt == 2:
                    raise DatabaseUnavailable(f"the database is unavailable: {exc}") from exc
            except _UNAVAILABLE as exc:
                raise DatabaseUnavailable(f"the database is unavailable: {exc}") from exc
        raise AssertionError("unreachable")

    async def read(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Run ``work`` in a managed read transaction (retried on transient errors)."""
        return await self._managed("read", work)

    async def write(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Run ``work`` in a managed write transaction (retried on transient errors)."""
        return await self._managed("write", work)

    async def _managed(self, access: str, work: Callable[[Transaction], Awaitable[T]]) -> T:
        last: list[Transaction] = []

        async def run() -> T:
            async with self._session() as session:
                execute = session.execute_read if access == "read" else session.execute_write

                async def attempt(tx: neo4j.AsyncManagedTransaction) -> T:
                    last[:] = [Transaction(tx, self)]
                    return await _settled(work, last[0])

                timeout = self._timeout()
                unit = attempt if timeout is None else neo4j.unit_of_work(timeout=timeout)(attempt)
                with _unavailable_as_error(access):
                    return await execute(unit)

        result = await self._again_when_retryable(run)
        if last:
            for done in last[0].committed:
                try:
                    done()
                except Exception:  # the write committed: the caller must hear that it did
                    log.exception("after_commit_failed")
            if last[0].events_logged:
                for listener in self._shared.log_listeners:
                    listener()
        return result

    async def ping(self, within: float = 2.0) -> None:
        """Raise :class:`DatabaseUnavailable` unless the database answers ``within`` seconds."""
        problem = self.problem()
        if problem:
            raise DatabaseUnavailable(problem)
        try:
            await asyncio.wait_for(self.query("RETURN 1 AS ok"), within)
        except TimeoutError as exc:
            raise DatabaseUnavailable(f"the database did not answer within {within}s") from exc

    def problem(self) -> str | None:
        """A known reason the database cannot serve (the embedded server is restarting)."""
        return self.embedded.problem() if self.embedded else None

    @contextlib.asynccontextmanager
    async def _session(self) -> AsyncIterator[neo4j.AsyncSession]:
        problem = self.problem()
        if problem:
            raise DatabaseUnavailable(problem)
        async with self._lane or contextlib.nullcontext():
            session = self._driver.session(database=self.database)
            try:
                yield session
            finally:
                with contextlib.suppress(*_UNAVAILABLE):
                    await session.close()


async def _settled(work: Callable[[Transaction], Awaitable[T]], tx: Transaction) -> T:
    """``work``, then every statement it sent: the transaction commits only after them."""
    try:
        result = await work(tx)
        await tx.settle()
    except BaseException:
        await tx.abandon()
        raise
    return result


async def _detect_dialect(driver: neo4j.AsyncDriver, uri: str, settings: Settings) -> Dialect:
    try:
        info = await driver.get_server_info()
    except AuthError as exc:
        raise StartupError(
            f"the database at {uri} rejected user {settings.neo4j_user!r}: check "
            "HUB_NEO4J_USER and HUB_NEO4J_PASSWORD"
        ) from exc
    except _UNAVAILABLE as exc:
        raise StartupError(
            f"cannot reach the database at {uri} ({_one_line(exc)}): check HUB_NEO4J_URI and "
            "that the server is running, or unset HUB_NEO4J_URI to use the embedded store"
        ) from exc
    try:
        return detect(info.agent)
    except ValueError as exc:
        raise StartupError(str(exc)) from exc


async def _check_database(driver: neo4j.AsyncDriver, uri: str, database: str | None) -> None:
    try:
        await driver.execute_query("RETURN 1", database_=database)
    except ClientError as exc:
        if exc.code and exc.code.endswith("DatabaseNotFound"):
            raise StartupError(
                f"the database {database!r} does not exist on {uri}: check HUB_NEO4J_DATABASE"
            ) from exc
        raise StartupError(f"the database at {uri} refused a first query: {exc.message}") from exc
    except _UNAVAILABLE as exc:
        raise StartupError(f"cannot reach the database at {uri}: {_one_line(exc)}") from exc


def _one_line(exc: BaseException) -> str:
    """The driver's messages span lines; a startup error is one line."""
    return " ".join(str(exc).split())

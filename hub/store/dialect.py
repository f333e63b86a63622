"""The few differences between Neo4j 5 and ArcadeDB's Bolt endpoint, in one place.

Everything else the hub sends is portable Cypher. When a difference is found, it is added
here as a property or method of :class:`Dialect`, never as an ``if`` at the call site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

_ARCADEDB_AGENT = re.compile(r"ArcadeDB\s+([0-9][^\s)]*)")
_NEO4J_AGENT = re.compile(r"Neo4j/([0-9][^\s]*)")
_TORN_READ = re.compile(r"Record #\d+:\d+ not found")


class Product(Enum):
    NEO4J = "neo4j"
    ARCADEDB = "arcadedb"


@dataclass(frozen=True)
class Dialect:
    """What the hub needs to know about the server it talks to."""

    product: Product
    version: str
    agent: str

    @property
    def await_indexes(self) -> str | None:
        """Statement that blocks until new indexes are online, or None when they are at once.

        Neo4j populates indexes in the background; ArcadeDB builds them inside the statement
        that creates them and has no ``db.awaitIndexes`` procedure.
        """
        if self.product is Product.NEO4J:
            return "CALL db.awaitIndexes(300)"
        return None

    @property
    def default_database(self) -> str | None:
        """Database to use when none is configured (None: the server's own default)."""
        if self.product is Product.ARCADEDB:
            return "hub"
        return None

    @property
    def honours_transaction_timeouts(self) -> bool:
        """Whether the server ends a transaction at the timeout the driver sends with it.

        Neo4j does. ArcadeDB's Bolt endpoint ignores it (a statement sent with a one-second
        timeout ran for 90 s) and parsing it costs it time; the embedded store's own
        ``arcadedb.command.timeout`` bounds its statements instead.
        """
        return self.product is Product.NEO4J

    def retryable(self, code: str | None, message: str | None) -> bool:
        """Whether a statement that failed with this error succeeds when its transaction
        runs again, beyond the errors the driver itself retries.

        ArcadeDB reads at READ_COMMITTED and can meet another transaction's commit half
        applied (an index entry whose record is not written yet): the statement fails with
        ``Record #12:345 not found``. Run again, it sees the commit whole. Neo4j never
        shows a reader half a commit.
        """
        return (
            self.product is Product.ARCADEDB
            and code == "Neo.ClientError.Statement.EntityNotFound"
            and _TORN_READ.match(message or "") is not None
        )

    @staticmethod
    def gone(code: str | None, message: str | None) -> bool:
        """Whether the server stopped serving the hub's connection rather than refused a
        statement: the credentials it was opened with are no longer valid (a password
        changed, a server shutting down), or ArcadeDB, stopping, takes the next
        transaction for a connection that has not logged in. Running the statement again on
        the same pool does not help; the database is unavailable until it is back."""
        if code == "Neo.ClientError.Security.Unauthorized":
            return True
        return code == "Neo.ClientError.Request.Invalid" and "state: AUTHENTICATION" in (
            message or ""
        )

    @staticmethod
    def timed_out(code: str | None) -> bool:
        """Whether the server ended a statement for running too long (both servers say
        ``Neo.ClientError.Transaction.TransactionTimedOut``, Neo4j with a suffix)."""
        return bool(code and code.startswith("Neo.ClientError.Transaction.TransactionTimedOut"))

    def describe(self) -> str:
        return f"{self.product.value} {self.version}"


def detect(agent: str) -> Dialect:
    """Tell the product from the Bolt server agent string.

    ArcadeDB announces itself as ``Neo4j/5.26.0 compatible (ArcadeDB 26.10.2)``, so it is
    checked first.
    """
    arcade = _ARCADEDB_AGENT.search(agent)
    if arcade:
        return Dialect(Product.ARCADEDB, arcade.group(1), agent)
    neo4j = _NEO4J_AGENT.search(agent)
    if neo4j:
        return Dialect(Product.NEO4J, neo4j.group(1), agent)
    raise ValueError(f"unknown Bolt server {agent!r}: the hub supports Neo4j 5 and ArcadeDB")

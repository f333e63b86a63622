import pytest
from neo4j.exceptions import Neo4jError

from hub.errors import DatabaseUnavailable
from hub.store.dialect import Product, detect
from tests.harness import RunningHub


def test_arcadedb_is_recognised_although_it_announces_neo4j_compatibility() -> None:
    dialect = detect("Neo4j/5.26.0 compatible (ArcadeDB 26.10.2)")
    assert dialect.product is Product.ARCADEDB
    assert dialect.version == "26.10.2"
    assert dialect.await_indexes is None
    assert dialect.default_database == "hub"


def test_neo4j_is_recognised_and_waits_for_indexes() -> None:
    dialect = detect("Neo4j/5.24.1")
    assert dialect.product is Product.NEO4J
    assert dialect.version == "5.24.1"
    assert dialect.await_indexes == "CALL db.awaitIndexes(300)"
    assert dialect.default_database is None


def test_unknown_server_is_refused_with_the_supported_products_named() -> None:
    with pytest.raises(ValueError, match="supports Neo4j 5 and ArcadeDB"):
        detect("Memgraph/2.1")


def test_dialect_is_detected_from_the_running_store(hub: RunningHub) -> None:
    assert hub.store.dialect.product is Product.ARCADEDB


def test_a_reader_meeting_half_a_commit_on_arcadedb_runs_again_and_nothing_else_does() -> None:
    arcade = detect("Neo4j/5.26.0 compatible (ArcadeDB 26.10.2)")
    neo4j = detect("Neo4j/5.24.1")
    not_found = "Neo.ClientError.Statement.EntityNotFound"
    assert arcade.retryable(not_found, "Record #43:14336 not found")
    assert not arcade.retryable(not_found, "Node with id 7 not found")
    assert not arcade.retryable("Neo.ClientError.Statement.SyntaxError", "Record #1:2 not found")
    assert not neo4j.retryable(not_found, "Record #43:14336 not found")


def test_transaction_timeouts_are_sent_to_neo4j_only() -> None:
    # ArcadeDB's Bolt endpoint ignores them; its own command timeout bounds statements.
    assert detect("Neo4j/5.24.1").honours_transaction_timeouts
    assert not detect("Neo4j/5.26.0 compatible (ArcadeDB 26.10.2)").honours_transaction_timeouts


def test_a_statement_the_server_ended_for_its_time_is_told_apart() -> None:
    arcade = detect("Neo4j/5.26.0 compatible (ArcadeDB 26.10.2)")
    assert arcade.timed_out("Neo.ClientError.Transaction.TransactionTimedOut")
    assert arcade.timed_out("Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration")
    assert not arcade.timed_out("Neo.ClientError.Statement.SyntaxError")
    assert not arcade.timed_out(None)


def test_a_server_that_stops_serving_the_connection_is_told_apart_from_a_refused_statement() -> (
    None
):
    for dialect in (detect("Neo4j/5.24.1"), detect("Neo4j/5.26.0 compatible (ArcadeDB 26.10.2)")):
        assert dialect.gone("Neo.ClientError.Security.Unauthorized", "credentials no longer valid")
        assert dialect.gone(
            "Neo.ClientError.Request.Invalid", "BEGIN not expected in state: AUTHENTICATION"
        )
        assert not dialect.gone("Neo.ClientError.Request.Invalid", "bad request")
        assert not dialect.gone("Neo.ClientError.Statement.SyntaxError", None)


def test_credentials_the_server_no_longer_accepts_answer_database_unavailable(
    hub: RunningHub,
) -> None:
    # What the embedded store answers to a pooled connection while it shuts down.
    failures = [
        Neo4jError._hydrate_neo4j(
            code="Neo.ClientError.Security.Unauthorized",
            message="The credentials of this connection are no longer valid",
        ),
        Neo4jError._hydrate_neo4j(
            code="Neo.ClientError.Request.Invalid",
            message="BEGIN not expected in state: AUTHENTICATION",
        ),
    ]
    for failure in failures:

        async def fails(failure: Exception = failure) -> None:
            raise failure

        with pytest.raises(DatabaseUnavailable, match="stopped serving"):
            hub.run(hub.store._again_when_retryable(fails))

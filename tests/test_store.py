"""The store's way to the database: what the driver is handed for a statement."""

import logging

import pytest
from neo4j.exceptions import CypherSyntaxError, SessionExpired

from hub.store import Transaction
from hub.store.store import one_statement
from tests.harness import RunningHub


def test_batch_rows_arrive_whole_and_stay_out_of_the_drivers_debug_log(
    hub: RunningHub, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [{"n": i, "secret": f"{unique}-{i}"} for i in range(2000)]

    async def work(tx: Transaction) -> list[dict[str, int]]:
        return await tx.run(
            "UNWIND $rows AS r RETURN count(r) AS rows, sum(r.n) AS total", {"rows": rows}
        )

    with caplog.at_level(logging.DEBUG, logger="neo4j"):
        found = hub.run(hub.store.write(work))

    assert found == [{"rows": 2000, "total": sum(range(2000))}]
    sent = [r.getMessage() for r in caplog.records if "C: RUN" in r.getMessage()]
    assert sent, "the driver logs the statements it sends at debug level"
    assert any("<2000 values>" in message for message in sent)
    assert not any(unique in message for message in sent), "row values were written to the log"


def probes(hub: RunningHub, token: str) -> list[object]:
    """The steps of the probe nodes written with ``token``."""
    rows = hub.run(
        hub.store.query(
            "MATCH (p:SendProbe {token: $token}) RETURN p.step AS step", {"token": token}
        )
    )
    return [row["step"] for row in rows]


def test_statements_sent_without_waiting_run_in_order_and_commit_with_the_transaction(
    hub: RunningHub, unique: str
) -> None:
    async def work(tx: Transaction) -> None:
        await tx.send("CREATE (:SendProbe {token: $token, step: 1})", {"token": unique})
        await tx.send(
            "MATCH (p:SendProbe {token: $token}) SET p.step = p.step + 1", {"token": unique}
        )  # the work returns before the database answers this one

    hub.run(hub.store.write(work))
    assert probes(hub, unique) == [2]


def test_a_sent_statement_that_fails_fails_its_transaction_and_nothing_is_written(
    hub: RunningHub, unique: str
) -> None:
    async def work(tx: Transaction) -> None:
        await tx.send("CREATE (:SendProbe {token: $token})", {"token": unique})
        # Well formed, but no database knows the function: it fails when it runs.
        await tx.send(
            "CREATE (:SendProbe {token: $token}) WITH 1 AS x RETURN nonsense(x) AS y",
            {"token": unique},
        )

    with pytest.raises(CypherSyntaxError):
        hub.run(hub.store.write(work))
    assert probes(hub, unique) == []


def test_statements_sent_as_one_each_run_in_turn_also_after_one_that_matched_nothing(
    hub: RunningHub, unique: str
) -> None:
    attempts: list[Transaction] = []

    async def work(tx: Transaction) -> None:
        attempts.append(tx)
        create = "UNWIND $steps AS s CREATE (:SendProbe {token: $token, step: s})"
        nothing = "MATCH (p:SendProbe {token: $token}) SET p.step = 100  // none has it"
        scale = "UNWIND $tokens AS t MATCH (p:SendProbe {token: t}) SET p.step = p.step * $by"
        await tx.send_all(
            [
                (create, {"token": unique, "steps": [1, 2]}),
                # The same parameter name with another value in each part.
                (nothing, {"token": f"{unique}-nobody"}),
                (scale, {"tokens": [unique], "by": 10}),
            ]
        )

    hub.run(hub.store.write(work))
    # Counted on the transaction: the hub's background work shares the store's own count.
    assert attempts[-1].statements_sent == 1
    # The third part saw what the first wrote, although the second matched nothing.
    assert sorted(probes(hub, unique)) == [10, 20]  # type: ignore[type-var]


def test_only_statements_that_return_nothing_are_sent_as_one() -> None:
    with pytest.raises(ValueError, match="return nothing"):
        one_statement([("MATCH (n) RETURN n", {}), ("CREATE (:X)", {})])


def test_the_last_statement_joined_answers_after_the_writes_before_it(
    hub: RunningHub, unique: str
) -> None:
    joined = one_statement(
        [
            ("CREATE (:SendProbe {token: $token, step: 1})", {"token": unique}),
            ("MATCH (p:SendProbe {token: $token}) SET p.step = 2", {"token": unique}),
            (
                "MATCH (p:SendProbe {token: $token}) RETURN collect(p.step) AS steps",
                {"token": unique},
            ),
        ]
    )

    async def work(tx: Transaction) -> list[dict[str, list[int]]]:
        return await tx.run(*joined)

    assert hub.run(hub.store.write(work)) == [{"steps": [2]}]
    assert one_statement([("CREATE (:X {a: $a})", {"a": 1})]) == ("CREATE (:X {a: $a})", {"a": 1})


def test_after_commit_runs_once_for_the_attempt_that_committed_and_never_after_a_failure(
    hub: RunningHub, unique: str
) -> None:
    committed: list[int] = []
    attempts: list[int] = []

    async def retried(tx: Transaction) -> None:
        attempts.append(len(attempts) + 1)
        tx.after_commit(lambda: committed.append(attempts[-1]))
        await tx.run("CREATE (:SendProbe {token: $token, step: $n})", {"token": unique, "n": 1})
        if len(attempts) == 1:
            raise SessionExpired("the connection went away")  # the driver tries again

    hub.run(hub.store.write(retried))
    assert attempts == [1, 2]
    assert committed == [2], "only the attempt that committed calls back, once"
    assert probes(hub, unique) == [1]

    async def failing(tx: Transaction) -> None:
        tx.after_commit(lambda: committed.append(0))
        await tx.run("CREATE (:SendProbe {token: $token, step: 2})", {"token": unique})
        raise ValueError("the work fails after writing")

    with pytest.raises(ValueError, match="after writing"):
        hub.run(hub.store.write(failing))
    assert committed == [2]
    assert probes(hub, unique) == [1]

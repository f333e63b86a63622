"""The store's way to the database: what the driver is handed for a statement."""

import logging

import pytest

from hub.store import Transaction
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

"""How the change feed and the webhook dispatcher report a round that failed."""

import logging

import pytest

from hub.domain.feed import log_failure
from hub.errors import DatabaseUnavailable, RetryLater

log = logging.getLogger("tests.background")


@pytest.mark.parametrize(
    "failure", [DatabaseUnavailable("the database is unavailable"), RetryLater("conflict")]
)
def test_a_database_away_is_a_warning_with_its_reason_not_a_traceback(
    caplog: pytest.LogCaptureFixture, failure: Exception
) -> None:
    with caplog.at_level(logging.INFO, logger=log.name):
        log_failure(log, "change_feed_failed", failure)
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.reason == str(failure)  # type: ignore[attr-defined]


def test_anything_else_is_an_error_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise KeyError("state")
    except KeyError as exc:
        with caplog.at_level(logging.INFO, logger=log.name):
            log_failure(log, "webhooks_failed", exc)
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is not None

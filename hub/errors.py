"""One error root for the hub, split by whose fault a failure is.

- ``StartupError``: the hub cannot start as configured; the message says what to do.
- ``DatabaseUnavailable``: infrastructure, the database cannot be reached right now.
- ``RetryLater``: transient, the same request succeeds when repeated a moment later.
- ``Timeout``: the request, or one of its statements, ran longer than allowed.
- ``BadRequest``: the caller's fault.

Every error the hub raises derives from ``HubError``. What is no error but control flow (a
load stopped by a signal, a shape the fast read path hands back to the resolvers) is not.
"""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """Root of the hub's own errors. ``code`` is stable and machine-readable; ``details``,
    where given, go to the client beside it (each bad line of a request, say)."""

    code = "INTERNAL"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class StartupError(HubError):
    """Configuration or environment prevents the hub from starting."""

    code = "STARTUP_FAILED"


class DatabaseUnavailable(HubError):
    """The database is down, unreachable or restarting; the request may be retried later."""

    code = "DATABASE_UNAVAILABLE"


class BadRequest(HubError):
    """The caller asked for something outside the API's rules (e.g. a page too large)."""

    code = "BAD_USER_INPUT"


class RetryLater(HubError):
    """Concurrent writes kept conflicting after every retry; repeating the request works."""

    code = "RETRY_LATER"


class Timeout(HubError):
    """The database ended a statement that ran longer than it allows."""

    code = "TIMEOUT"

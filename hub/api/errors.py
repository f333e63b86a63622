"""The one place where GraphQL errors get their codes and lose their internals.

Every error in a response carries ``extensions.code``. Hub errors keep their message and
code (``DATABASE_UNAVAILABLE`` while the database is down); anything unexpected is logged with
its traceback and reaches the client only as ``INTERNAL_SERVER_ERROR``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from hub.errors import DatabaseUnavailable, HubError

log = logging.getLogger(__name__)

INTERNAL = "INTERNAL_SERVER_ERROR"
INVALID_REQUEST = "GRAPHQL_VALIDATION_FAILED"


def _with_code(
    error: GraphQLError, message: str, code: str, details: dict[str, Any] | None = None
) -> GraphQLError:
    extensions = {**(error.extensions or {}), **(details or {})}
    extensions["code"] = code
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def classify(error: GraphQLError) -> GraphQLError:
    """Return the error as the client should see it."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        code = (error.extensions or {}).get("code", INVALID_REQUEST)
        return _with_code(error, error.message, str(code))
    if isinstance(original, DatabaseUnavailable):
        log.warning("database_unavailable", extra={"reason": original.message})
        return _with_code(error, "The database is unavailable; retry shortly.", original.code)
    if isinstance(original, HubError):
        return _with_code(
            error, original.message, original.code, getattr(original, "details", None)
        )
    log.error("unexpected_error", exc_info=original, extra={"path": error.path})
    return _with_code(error, "Internal server error.", INTERNAL)


class ErrorCodes(SchemaExtension):
    """Gives every error a stable ``extensions.code`` and masks unexpected ones."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [classify(error) for error in errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        # Each result of a subscription is sent as it comes, before the operation ends.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [classify(error) for error in errors]
        yield

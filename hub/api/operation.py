"""Names the GraphQL operation of a request, for metrics and the request log."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

_VALID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")

ANONYMOUS = "anonymous"
UNNAMED = "invalid_name"


@functools.lru_cache(maxsize=1024)
def label_for(name: str | None) -> str:
    """A metrics-safe label: the operation name when it is a short identifier."""
    if not name:
        return ANONYMOUS
    return name if _VALID_NAME.match(name) else UNNAMED


class OperationName(SchemaExtension):
    """Records the operation's name and type on the request state."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        request = getattr(context, "request", None)
        if request is None:
            return
        request.state.graphql_operation = label_for(self.execution_context.operation_name)
        operation_type = getattr(self.execution_context, "operation_type", None)
        if operation_type is not None:
            request.state.graphql_operation_type = operation_type.value

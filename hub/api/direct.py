"""Known queries answered the short way: from the HTTP body straight to the executor.

strawberry's HTTP view and schema take every request through content negotiation, request
parsing, sub-responses and a dozen extension hooks. Most requests are a POST with a JSON
body whose query the hub has seen before; for those, :class:`DirectQueries` does what those
steps would do and nothing else:

- the document is parsed once per text, shared with the schema's own extension;
- it is taken only when it validated without errors and the operation is a query the
  executor plans (no directives);
- it is executed by the schema's executor with the hub's context;
- errors get their codes (:func:`hub.api.errors.classify`), the operation its name for the
  metrics and the log (:func:`hub.api.operation.label_for`);
- the answer is the JSON strawberry would write.

Everything else (GET, uploads, mutations, documents with errors or directives, unusual
bodies) goes strawberry's way, unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
    specified_rules,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.execution.is_awaitable import optimized_is_awaitable

from hub import encoding
from hub.api.context import Context
from hub.api.errors import classify
from hub.api.identity import ByIdentity
from hub.api.operation import label_for

if TYPE_CHECKING:
    from hub.api.schema import HubSchema

# The rules strawberry validates with when no extension adds any.
_RULES = tuple(specified_rules)


class DirectQueries:
    """Answers known, valid, planned queries; see the module docstring."""

    def __init__(
        self, schema: HubSchema, context_for: Callable[[Request], Awaitable[Context]]
    ) -> None:
        self._schema = schema
        self._context_for = context_for
        self._direct = ByIdentity[bool](schema.documents.maxsize)
        self.answered = 0

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """Answer the request and return None, or return the ``receive`` to answer it the
        general way with (it hands out the body read here first)."""
        if not _is_json(scope):
            return receive
        body, more = await _body(receive)
        if more is not None:  # the client went away
            return None
        replay = _replaying(body, receive)
        request = _request_of(body)
        if request is None:
            return replay
        query, variables, name = request
        document = self._schema.documents.parsed_or_none(query)
        if document is None or not self._direct.kept(
            lambda: self._takes(document, name), name, document
        ):
            return replay
        operation = get_operation_ast(document, name)
        assert operation is not None
        http_request = Request(scope, replay)
        result = execute(
            self._schema._schema,
            document,
            None,
            await self._context_for(http_request),
            variables,
            name,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            executor_class=self._schema.execution_context_class,
        )
        if optimized_is_awaitable(result):
            result = await result  # type: ignore[misc]
        assert isinstance(result, ExecutionResult)
        state = http_request.state
        named = name if name is not None else operation.name.value if operation.name else None
        state.graphql_operation = label_for(named)
        state.graphql_operation_type = operation.operation.value
        response = Response(_encoded(result), media_type="application/json")
        # Counted before it is sent: a client that got its answer sees it counted.
        self.answered += 1
        await response(scope, replay, send)
        return None

    def _takes(self, document: DocumentNode, name: str | None) -> bool:
        """Whether the operation ``name`` of a valid document can be answered here."""
        if self._schema.documents.errors(self._schema._schema, document, _RULES):
            return False
        operation = get_operation_ast(document, name)
        if operation is None or operation.operation is not OperationType.QUERY:
            return False
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        return self._schema.plans.plan_for(operation, fragments) is not None


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bool(value.split(b";", 1)[0].strip().lower() == b"application/json")
    return False


async def _body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole request body, or what arrived and the message that cut it short."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _replaying(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _request_of(body: bytes) -> tuple[str, dict[str, Any] | None, str | None] | None:
    """Query, variables and operation name of a plain GraphQL-over-HTTP body, or None."""
    try:
        data = encoding.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or not data.keys() <= {"query", "variables", "operationName"}:
        return None
    query, variables, name = data.get("query"), data.get("variables"), data.get("operationName")
    if (
        not isinstance(query, str)
        or not (variables is None or isinstance(variables, dict))
        or not (name is None or isinstance(name, str))
    ):
        return None
    return query, variables, name


def _encoded(result: ExecutionResult) -> bytes:
    """The response body as strawberry writes it."""
    errors: list[GraphQLError] | None = result.errors
    payload: dict[str, Any] = {"data": result.data}
    if errors:
        payload["errors"] = [classify(error).formatted for error in errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return encoding.dumps(payload)

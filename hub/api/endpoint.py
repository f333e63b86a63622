"""GraphQL over HTTP: every request to ``/graphql`` takes one way through here.

1. A browser asking for HTML gets GraphiQL.
2. A POST a browser sends from a page on an origin not allowed is refused
   (:mod:`hub.api.origins`): 403 ``FORBIDDEN``. The caller is authenticated
   (:mod:`hub.auth`): 401 ``UNAUTHENTICATED`` otherwise.
3. The body is read strictly (:mod:`hub.api.requests`): 400 ``BAD_REQUEST``, 413
   ``TOO_LARGE`` or 415 for what is not a GraphQL request.
4. The document is parsed (once per text) and its operation chosen: ``GRAPHQL_PARSE_FAILED``,
   ``GRAPHQL_VALIDATION_FAILED``.
5. The guard (:mod:`hub.api.guard`) checks its shape before it is validated, then the
   caller's scopes (403 ``FORBIDDEN``), its estimated cost (``QUERY_TOO_COMPLEX``) and the
   caller's budget (429 ``RATE_LIMITED``).
6. It runs with the schema's planned executor, on the caller's lane of database sessions and
   within ``HUB_REQUEST_TIMEOUT`` (504 ``TIMEOUT``, which also ends its transaction).
7. The answer is JSON with every error's ``extensions.code`` (:func:`classify`) and the
   estimated cost in ``extensions.cost``.

Errors of the GraphQL request itself (parse, validation, complexity) answer 200 with
``application/json`` and 400 with ``application/graphql-response+json``, as the
GraphQL-over-HTTP specification has it; the other refusals have their own status whichever
is asked for. An answer whose errors say the database is busy or away is 503 with
``Retry-After``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
)
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.execution.is_awaitable import optimized_is_awaitable

from hub import encoding
from hub.actor import Actor
from hub.api import ide
from hub.api.context import Context, actor_of
from hub.api.errors import INTERNAL, classify
from hub.api.guard import QUERY_TOO_COMPLEX, Guard
from hub.api.literals import RULES
from hub.api.operation import label_for
from hub.api.origins import Origins
from hub.api.persisted import PersistedQueries
from hub.api.requests import BodyLimits, GraphQLRequest, HttpProblem, read_request
from hub.auth.errors import Unauthenticated
from hub.auth.principal import Principal
from hub.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from hub.api.schema import HubSchema
    from hub.app import Services

log = logging.getLogger(__name__)

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
# Errors of the request's document rather than of the caller or the server.
_REQUEST_ERRORS = frozenset({PARSE_FAILED, VALIDATION_FAILED, QUERY_TOO_COMPLEX})
# Errors a client gets past by asking again a moment later, and how long to wait.
_TRANSIENT = {"RETRY_LATER": 1, "DATABASE_UNAVAILABLE": 5}
_STATUS = {"FORBIDDEN": 403, "BAD_USER_INPUT": 200, "TIMEOUT": 504}


class GraphQLEndpoint:
    """The ASGI app at ``/graphql``; see the module docstring."""

    def __init__(self, services: Services, schema: HubSchema) -> None:
        self._services = services
        self._settings = services.settings
        self.schema = schema
        self.guard = Guard(schema, services.settings)
        self._limits = BodyLimits(
            body_bytes=services.settings.max_body_kb * 1024,
            upload_bytes=services.settings.max_upload_mb * 1024 * 1024,
            read_seconds=services.settings.request_timeout,
        )
        self._ide = ide.page()
        self._persisted = PersistedQueries()
        self._origins = Origins(services.settings.cors_origin_list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # HEAD is GET without the body, which the server leaves out.
        asked = {**scope, "method": "GET"} if scope["method"] == "HEAD" else scope
        response = await self._respond(Request(asked, receive))
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> Response:
        # The few headers the way through reads, decoded once.
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in request.scope["headers"]}
        if request.method == "GET" and _wants_page(request, headers):
            return HTMLResponse(self._ide)
        media_type = _media_type(headers.get("accept"))
        graphql_request: GraphQLRequest | None = None
        try:
            if request.method == "OPTIONS" and "access-control-request-method" in headers:
                # A browser's preflight from a page elsewhere (HUB_CORS_ORIGINS answers the
                # allowed ones before the request gets here): refused as its POST would be.
                self._check_origin(headers)
            if request.method not in ("GET", "POST"):
                raise HttpProblem(
                    405,
                    "BAD_REQUEST",
                    f"a GraphQL request is sent with GET or POST, not {request.method}",
                    {"Allow": "GET, POST"},
                )
            if request.method == "POST":
                self._check_origin(headers)
            store = self._services.require_store()
            client = request.scope.get("client")
            principal = await self._services.auth.principal(
                store, headers, client[0] if client else None
            )
            graphql_request = await read_request(request, headers, self._limits)
            graphql_request = self._persisted.resolve(graphql_request)
            return await self._answer(request, headers, principal, graphql_request, media_type)
        except Unauthenticated as exc:
            challenge = 'Bearer realm="hub"'
            if "authorization" in headers:
                challenge += ', error="invalid_token"'
            problem = HttpProblem(401, exc.code, exc.message, {"WWW-Authenticate": challenge})
            return _refusal(problem, media_type)
        except DatabaseUnavailable as exc:
            problem = HttpProblem(503, exc.code, exc.message, {"Retry-After": "5"})
            return _refusal(problem, media_type)
        except HttpProblem as problem:
            return _refusal(problem, media_type)
        except Exception:
            log.exception("unexpected_error", extra={"path": request.url.path})
            return _refusal(HttpProblem(500, INTERNAL, "Internal server error."), media_type)
        finally:
            if graphql_request is not None and graphql_request.form is not None:
                await graphql_request.form.close()

    def _check_origin(self, headers: Mapping[str, str]) -> None:
        foreign = self._origins.foreign(headers)
        if foreign is not None:
            raise HttpProblem(
                403,
                "FORBIDDEN",
                f"a page on {foreign} may not send requests to this hub; to let it, add the "
                "origin to HUB_CORS_ORIGINS",
            )

    async def _answer(
        self,
        request: Request,
        headers: Mapping[str, str],
        principal: Principal,
        graphql_request: GraphQLRequest,
        media_type: str,
    ) -> Response:
        documents = self.schema.documents
        try:
            document = documents.document(graphql_request.query)
        except GraphQLError as error:
            return _errors([_with_code(error, PARSE_FAILED)], media_type)
        operation, fragments = operation_of(document, graphql_request.operation_name)
        _label(request, operation)
        if operation.operation is OperationType.SUBSCRIPTION:
            raise HttpProblem(
                400,
                "BAD_REQUEST",
                "a subscription is served over a WebSocket at /graphql (protocol "
                "graphql-transport-ws), not over HTTP",
            )
        if request.method == "GET" and operation.operation is not OperationType.QUERY:
            raise HttpProblem(
                405,
                "BAD_REQUEST",
                f"a {operation.operation.value} is sent with POST, not GET",
                {"Allow": "POST"},
            )
        admission = self.guard.check_shape(operation, fragments, graphql_request.variables)
        errors = documents.errors(self.schema._schema, document, RULES)
        if errors:
            return _errors(errors, media_type)
        cost = self.guard.admit(admission, principal, graphql_request.variables)
        # Only writes record who made them.
        writes = operation.operation is OperationType.MUTATION
        actor = actor_of(principal, headers) if writes else None
        result = await self._executed(request, principal, actor, document, graphql_request)
        return _result_response(result, cost, media_type)

    async def _executed(
        self,
        request: Request,
        principal: Principal,
        actor: Actor | None,
        document: DocumentNode,
        graphql_request: GraphQLRequest,
    ) -> ExecutionResult:
        services = self._services
        timeout = self._settings.request_timeout
        deadline = time.monotonic() + timeout
        store = services.require_store().for_caller(principal.lane, deadline, actor)
        context = Context(
            request,
            None,
            store,
            self._settings,
            services.files,
            services.require_cursors(),
            principal,
            matcher=services.matcher,
        )
        alarm = _Alarm(timeout)
        try:
            result = execute(
                self.schema._schema,
                document,
                None,
                context,
                graphql_request.variables,
                graphql_request.operation_name,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                executor_class=self.schema.execution_context_class,
            )
            if optimized_is_awaitable(result):
                result = await result  # type: ignore[misc]
        except asyncio.CancelledError:
            if not alarm.rang:
                raise
            raise HttpProblem(
                504,
                "TIMEOUT",
                f"the request ran longer than {timeout:g} s and was stopped, with its "
                "database transaction; a write it made may or may not have been committed, "
                "and repeating an upsert is safe",
            ) from None
        finally:
            alarm.stop()
        assert isinstance(result, ExecutionResult)
        return result


class _Alarm:
    """Cancels the running task after ``seconds``: ``asyncio.timeout`` with less bookkeeping,
    as it runs for every request."""

    __slots__ = ("_handle", "_task", "rang")

    def __init__(self, seconds: float) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._task = task
        self.rang = False
        self._handle = asyncio.get_running_loop().call_later(seconds, self._ring)

    def _ring(self) -> None:
        self.rang = True
        self._task.cancel()

    def stop(self) -> None:
        self._handle.cancel()
        if self.rang:
            self._task.uncancel()


def _wants_page(request: Request, headers: Mapping[str, str]) -> bool:
    return "text/html" in headers.get("accept", "") and "query" not in request.query_params


def _media_type(accept: str | None) -> str:
    """``application/graphql-response+json`` when the client asks for it at least as much
    as for JSON (by the ``q`` of each), else JSON."""
    if not accept or GRAPHQL_RESPONSE not in accept:
        return JSON
    if "q=" not in accept:
        return GRAPHQL_RESPONSE
    wanted = _preferences(accept)
    mine = wanted.get(GRAPHQL_RESPONSE, 0.0)
    legacy = max(wanted.get(JSON, 0.0), wanted.get("application/*", 0.0), wanted.get("*/*", 0.0))
    return GRAPHQL_RESPONSE if mine > 0 and mine >= legacy else JSON


def _preferences(accept: str) -> dict[str, float]:
    """The quality of each media range an Accept header names (1 unless it says ``q=``)."""
    found: dict[str, float] = {}
    for part in accept.split(","):
        media, *parameters = (p.strip() for p in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        found[media.lower()] = quality
    return found


def operation_of(
    document: DocumentNode, name: str | None
) -> tuple[OperationDefinitionNode, dict[str, FragmentDefinitionNode]]:
    operations: list[OperationDefinitionNode] = []
    fragments: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            operations.append(definition)
        elif isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = definition
    if name is not None:
        named = [op for op in operations if op.name is not None and op.name.value == name]
        if not named:
            raise HttpProblem(400, VALIDATION_FAILED, f"the document has no operation {name!r}")
        return named[0], fragments
    if len(operations) != 1:
        raise HttpProblem(
            400,
            VALIDATION_FAILED,
            "the document has several operations: name the one to run in operationName"
            if operations
            else "the document has no operation to run",
        )
    return operations[0], fragments


def _label(request: Request, operation: OperationDefinitionNode) -> None:
    """Name the operation for the metrics and the request log (which read the scope's state)."""
    state = request.scope.setdefault("state", {})
    state["graphql_operation"] = label_for(operation.name.value if operation.name else None)
    state["graphql_operation_type"] = operation.operation.value


def _result_response(result: ExecutionResult, cost: int, media_type: str) -> Response:
    # Execution that never began (a variable's value refused) answers without ``data``, as
    # the GraphQL specification has it; every error of an execution has a path.
    began = result.data is not None or any(e.path for e in result.errors or ())
    payload: dict[str, Any] = {"data": result.data} if began else {}
    status, headers = 200, dict[str, str]()
    if result.errors:
        errors = [classify(error) for error in result.errors]
        payload["errors"] = [error.formatted for error in errors]
        codes = [str((error.extensions or {})["code"]) for error in errors]
        status, headers = _status_of(codes, result.data, media_type)
    payload["extensions"] = {"cost": cost}
    return _response(payload, status, media_type, headers)


def _status_of(codes: list[str], data: Any, media_type: str) -> tuple[int, dict[str, str]]:
    """The status of an answer with errors: 503 when retrying a moment later helps; when
    nothing was answered, the first error's own status; else 200."""
    waits = [_TRANSIENT[code] for code in codes if code in _TRANSIENT]
    if waits:
        return 503, {"Retry-After": str(max(waits))}
    if data is None and codes[0] in _STATUS:
        return _STATUS[codes[0]], {}
    if data is None and codes[0] in _REQUEST_ERRORS and media_type == GRAPHQL_RESPONSE:
        return 400, {}
    return 200, {}


def _with_code(error: GraphQLError, code: str) -> GraphQLError:
    error.extensions = {**(error.extensions or {}), "code": code}
    return error


def _errors(errors: list[GraphQLError], media_type: str) -> Response:
    """The answer to a document that cannot run: its parse or validation errors."""
    status = 400 if media_type == GRAPHQL_RESPONSE else 200
    return _response(
        {"errors": [classify(error).formatted for error in errors]}, status, media_type
    )


def _refusal(problem: HttpProblem, media_type: str) -> Response:
    status = problem.status
    if problem.code in _REQUEST_ERRORS and media_type == JSON:
        status = 200
    error = {"message": problem.message, "extensions": {"code": problem.code, **problem.extensions}}
    return _response({"errors": [error]}, status, media_type, problem.headers)


def _response(
    payload: dict[str, Any], status: int, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    return Response(encoding.dumps(payload), status, headers, media_type)

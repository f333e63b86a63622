"""GraphQL over WebSocket at ``/graphql``: subscriptions, with the ``graphql-transport-ws``
protocol strawberry serves.

The caller is authenticated when it sends ``connection_init``: its payload carries the token
as ``{"Authorization": "Bearer TOKEN"}`` (browsers cannot set headers on a WebSocket), or the
handshake's own ``Authorization`` header does; without either, the local-developer rule of
``HUB_AUTH=auto`` applies as it does over HTTP. A refused connection is closed with 4403.
Only subscriptions run here; queries and mutations are sent over HTTP. A subscription passes
the checks an HTTP request does before it runs (:class:`_Guarded`): a document that does not
parse or validate, an operation that is no subscription, one too deep, too large or too
costly, or beyond the caller's budget is answered with an ``error`` message carrying the
code HTTP would give.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, OperationType
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.execution import PreExecutionError
from strawberry.types.unset import UnsetType

from hub.api.context import Context
from hub.api.endpoint import PARSE_FAILED, VALIDATION_FAILED, operation_of
from hub.api.guard import Guard
from hub.api.literals import RULES
from hub.api.requests import MAX_VALUE_DEPTH, HttpProblem, too_deep
from hub.auth.errors import Unauthenticated
from hub.auth.principal import Principal, Scope

if TYPE_CHECKING:
    from hub.api.schema import HubSchema
    from hub.app import Services

# Who a connection is until its connection_init said otherwise: allowed nothing.
_NOBODY = Principal("websocket", None, frozenset(), "anonymous")
KEEP_ALIVE_SECONDS = 15.0


class _Guarded:
    """The schema as the socket runs it: each operation checked as an HTTP request is, before
    the schema's own ``stream`` runs it."""

    def __init__(self, schema: HubSchema, guard: Guard) -> None:
        self._schema = schema
        self._guard = guard

    def __getattr__(self, name: str) -> Any:
        return getattr(self._schema, name)

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Context | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        **more: Any,
    ) -> Any:
        errors = _malformed(query, variable_values) or self._refusal(
            query or "", variable_values, context_value, operation_name
        )
        if errors:
            return _refused(errors)
        return await self._schema.stream(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            **more,
        )

    def _refusal(
        self,
        query: str,
        variables: dict[str, Any] | None,
        context: Context | None,
        operation_name: str | None,
    ) -> list[GraphQLError]:
        documents = self._schema.documents
        try:
            document = documents.document(query)
        except GraphQLError as error:
            return [GraphQLError(error.message, extensions={"code": PARSE_FAILED})]
        try:
            operation, fragments = operation_of(document, operation_name)
            if operation.operation is not OperationType.SUBSCRIPTION:
                raise HttpProblem(
                    400,
                    "BAD_REQUEST",
                    f"a {operation.operation.value} is sent over HTTP (POST /graphql); only "
                    "subscriptions run over the socket",
                )
            admission = self._guard.check_shape(operation, fragments, variables)
            invalid = documents.errors(self._schema._schema, document, RULES)
            if invalid:
                return [
                    GraphQLError(
                        e.message, extensions={**(e.extensions or {}), "code": VALIDATION_FAILED}
                    )
                    for e in invalid
                ]
            assert context is not None, "the socket's handler passes its context"
            self._guard.admit(admission, context.principal, variables)
        except HttpProblem as problem:
            return [
                GraphQLError(
                    problem.message, extensions={"code": problem.code, **problem.extensions}
                )
            ]
        return []


def _malformed(query: object, variables: object) -> list[GraphQLError]:
    """What HTTP refuses in a request's body before reading its document, refused here too."""
    if not isinstance(query, str):
        problem = "query must be text: the GraphQL document"
    elif variables is not None and not isinstance(variables, dict):
        problem = "variables must be a JSON object"
    elif too_deep(variables):
        problem = f"variables nest values deeper than {MAX_VALUE_DEPTH} levels"
    else:
        return []
    return [GraphQLError(problem, extensions={"code": "BAD_REQUEST"})]


async def _refused(errors: list[GraphQLError]) -> AsyncGenerator[PreExecutionError, None]:
    yield PreExecutionError(data=None, errors=errors)


class SubscriptionEndpoint(GraphQL[Context, None]):
    def __init__(self, services: Services, schema: HubSchema, guard: Guard) -> None:
        super().__init__(
            _Guarded(schema, guard),  # type: ignore[arg-type]
            graphql_ide=None,
            allow_queries_via_get=False,
            keep_alive=True,
            keep_alive_interval=KEEP_ALIVE_SECONDS,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=services.settings.cors_origin_list,
        )
        self._services = services

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        services = self._services
        return Context(
            request,
            None,
            services.require_store().for_caller(_NOBODY.lane),
            services.settings,
            services.files,
            services.require_cursors(),
            _NOBODY,
            feed=services.feed,
            matcher=services.matcher,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        headers = dict(context.request.headers)
        token = params.get("Authorization") or params.get("authorization")
        if isinstance(token, str):
            headers["authorization"] = token
        client = context.request.client
        store = self._services.require_store()
        auth = self._services.auth

        async def authenticate() -> Principal:
            return await auth.principal(store, headers, client.host if client else None)

        try:
            principal = await authenticate()
        except Unauthenticated as exc:
            raise ConnectionRejectionError(
                {"code": "UNAUTHENTICATED", "message": exc.message}
            ) from None
        if not principal.allows(Scope.READ):
            raise ConnectionRejectionError(
                {"code": "FORBIDDEN", "message": f"{principal.name} lacks the read scope"}
            )
        context.act_as(principal, store.for_caller(principal.lane))
        context.authenticate = authenticate
        return {"client": principal.name}

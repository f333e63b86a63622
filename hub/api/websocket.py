"""GraphQL over WebSocket at ``/graphql``: subscriptions, with the ``graphql-transport-ws``
protocol strawberry serves.

The caller is authenticated when it sends ``connection_init``: its payload carries the token
as ``{"Authorization": "Bearer TOKEN"}`` (browsers cannot set headers on a WebSocket), or the
handshake's own ``Authorization`` header does; without either, the local-developer rule of
``HUB_AUTH=auto`` applies as it does over HTTP. A refused connection is closed with 4403.
Only subscriptions run here (:meth:`hub.api.schema.HubSchema.stream`); queries and mutations
are sent over HTTP, where the guard measures them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from hub.api.context import Context
from hub.auth.errors import Unauthenticated
from hub.auth.principal import Principal, Scope

if TYPE_CHECKING:
    from hub.api.schema import HubSchema
    from hub.app import Services

# Who a connection is until its connection_init said otherwise: allowed nothing.
_NOBODY = Principal("websocket", None, frozenset(), "anonymous")
KEEP_ALIVE_SECONDS = 15.0


class SubscriptionEndpoint(GraphQL[Context, None]):
    def __init__(self, services: Services, schema: HubSchema) -> None:
        super().__init__(
            schema,
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

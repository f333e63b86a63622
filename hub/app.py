"""The app factory: wires settings, the store, the GraphQL endpoint and the probes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from hub import console
from hub.api import build_schema, ide
from hub.api.endpoint import GraphQLEndpoint
from hub.api.websocket import SubscriptionEndpoint
from hub.auth import Authenticator, Scope, Unauthenticated
from hub.domain.feed import ChangeFeed
from hub.domain.files import FileStore
from hub.domain.webhooks import Delivery, Dispatcher
from hub.errors import DatabaseUnavailable
from hub.forwarded import ForwardedOrigin
from hub.instrumentation import RequestInstrumentation
from hub.mastering.matcher import GraphMatcher
from hub.mastering.tally import TermTally
from hub.metrics import CONTENT_TYPE, Metrics
from hub.read import lookups
from hub.read.cursors import Cursors, hub_cursors
from hub.settings import Settings
from hub.store import Store
from hub.stores import file_store, open_store

log = logging.getLogger(__name__)

# How long a stopping hub waits for its last term counts to be written.
_COUNTS_AT_STOP = 10.0


@dataclass
class Services:
    """What the app holds while it runs; the store arrives when the lifespan opens it."""

    settings: Settings
    store: Store | None = None
    cursors: Cursors | None = None
    feed: ChangeFeed | None = None
    files: FileStore = field(init=False)
    auth: Authenticator = field(init=False)
    # Partner matching of the API's writes: its recent profiles and the term counts it has
    # not written yet outlive a request.
    matcher: GraphMatcher = field(init=False)

    def __post_init__(self) -> None:
        self.files = file_store(self.settings)
        self.auth = Authenticator(self.settings)
        self.matcher = GraphMatcher(tally=TermTally())

    def require_store(self) -> Store:
        if self.store is None:
            raise DatabaseUnavailable("the hub is still starting")
        return self.store

    def require_cursors(self) -> Cursors:
        if self.cursors is None:
            raise DatabaseUnavailable("the hub is still starting")
        return self.cursors


class RefusingInJson(CORSMiddleware):
    """CORS whose refused preflight says why in JSON with a code, as every error does, and
    with the status that code has everywhere else (403, where Starlette answers 400)."""

    def preflight_response(self, request_headers: Headers) -> Response:
        answer = super().preflight_response(request_headers)
        if answer.status_code < 400:
            return answer
        error = {"message": bytes(answer.body).decode(), "extensions": {"code": "FORBIDDEN"}}
        kept = ("content-length", "content-type")
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in kept}
        return JSONResponse({"errors": [error]}, 403, headers)


def _cors(settings: Settings) -> list[Middleware]:
    """Cross-origin access for the configured origins' browser pages: preflights answered,
    the headers a client sends and the ones it must read allowed."""
    if not settings.cors_origin_list:
        return []
    return [
        Middleware(
            RefusingInJson,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST"],
            # Apollo Client's headers besides the hub's own: its preflight must not fail.
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Accept",
                "X-Hub-User",
                "Apollo-Require-Preflight",
                "X-Apollo-Operation-Name",
                "Apollographql-Client-Name",
                "Apollographql-Client-Version",
            ],
            expose_headers=["Retry-After", "WWW-Authenticate"],
            max_age=600,
        )
    ]


def _forwarded(settings: Settings) -> list[Middleware]:
    proxies = settings.trusted_proxy_set
    return [Middleware(ForwardedOrigin, proxies=proxies)] if proxies else []


@contextlib.asynccontextmanager
async def _running(services: Services) -> AsyncIterator[None]:
    """While the app runs: the store (opened here unless given), the cursors' key and the
    change feed."""
    settings = services.settings
    owned = services.store is None
    if services.store is None:
        services.store = await open_store(settings)
    store = services.store
    feeding: asyncio.Task[None] | None = None
    delivering: asyncio.Task[None] | None = None
    counting: asyncio.Task[None] | None = None
    dispatcher: Dispatcher | None = None
    try:
        services.cursors = await hub_cursors(store, settings.cursor_secret)
        services.feed = ChangeFeed(
            store, settings.change_poll_seconds, settings.change_retention_days
        )
        feeding = asyncio.create_task(services.feed.run(), name="change-feed")
        if services.matcher.tally is not None:
            counting = asyncio.create_task(services.matcher.tally.run(store), name="term-counts")
        if settings.deliver_webhooks:
            dispatcher = Dispatcher(
                store,
                services.cursors.bound("changes"),
                Delivery(
                    settings.webhook_timeout,
                    settings.webhook_max_failures,
                    settings.webhook_retry_seconds,
                ),
                settings.change_poll_seconds,
            )
            delivering = asyncio.create_task(dispatcher.run(), name="webhooks")
        if await services.auth.open_locally(store):
            log.warning(
                "open_to_this_machine",
                extra={
                    "detail": "HUB_AUTH=auto and no client is registered: requests from "
                    "this machine act as a local developer with every scope, others are "
                    "refused; register a client (hub clients add) to require tokens"
                },
            )
        yield
    finally:
        for task in (feeding, delivering):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if counting is not None:
            await _counted(services.matcher, counting)
        if dispatcher is not None:
            dispatcher.close()
        if services.feed is not None:
            services.feed.close()
            services.feed = None
        await services.auth.clients.settle()
        if owned:
            await store.close()
            services.store = None


async def _counted(matcher: GraphMatcher, counting: asyncio.Task[None]) -> None:
    """Let the term counts' writer write what waits and end (it needs the store open), for
    at most ``_COUNTS_AT_STOP`` seconds."""
    if matcher.tally is not None:
        matcher.tally.close()
    try:
        await asyncio.wait_for(counting, _COUNTS_AT_STOP)
    except TimeoutError:
        log.warning("term_counts_lost", extra={"detail": "the database did not take them"})


NOT_FOUND = "NOT_FOUND"
# The codes of what the HTTP layer refuses before a request reaches an endpoint.
_HTTP_CODES = {404: NOT_FOUND, 405: "METHOD_NOT_ALLOWED"}


def _problem(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """An error outside GraphQL, shaped as GraphQL's: ``errors`` with a message and a code."""
    error = {"message": message, "extensions": {"code": code}}
    return JSONResponse({"errors": [error]}, status_code=status, headers=headers)


async def _http_exception(_: Request, exc: Exception) -> Response:
    """An unknown path or a method a route does not take, answered in JSON with a code."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code < 200 or exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    code = _HTTP_CODES.get(exc.status_code, "BAD_REQUEST")
    return _problem(exc.status_code, code, exc.detail, headers)


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    """Build the hub's ASGI app.

    With ``store`` given, the app uses it and leaves closing it to the caller; without, the
    app's lifespan opens a store from ``settings`` and closes it on shutdown.
    """
    services = Services(settings=settings, store=store)
    metrics = Metrics(lambda: services.store.queries_sent if services.store else 0)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            db = services.require_store()
            await db.ping()
        except DatabaseUnavailable as exc:
            return JSONResponse({"status": "unavailable", "reason": exc.message}, status_code=503)
        return JSONResponse({"status": "ready", "database": db.dialect.describe()})

    async def file(request: Request) -> Response:
        try:
            principal = await services.auth.principal(
                services.require_store(),
                request.headers,
                request.client.host if request.client else None,
            )
        except Unauthenticated as exc:
            return _problem(401, exc.code, exc.message, {"WWW-Authenticate": "Bearer"})
        if not principal.allows(Scope.READ):
            return _problem(403, "FORBIDDEN", "files need the read scope")
        sha256 = request.path_params["sha256"]
        path = services.files.path(sha256)
        named_by = request.query_params.get("document")
        found = await lookups.document_file(services.require_store(), sha256, named_by)
        if found is None:
            return _problem(404, NOT_FOUND, "no document has this file")
        if path is None:
            # A document has it, so another hub stored it where this one does not look.
            log.error(
                "file_missing",
                extra={
                    "sha256": sha256,
                    "files_dir": str(services.files.root),
                    "detail": "a document refers to a file this hub's HUB_FILES_DIR does not "
                    "hold; every replica must use one shared folder",
                },
            )
            return _problem(404, NOT_FOUND, "the file is not available")
        return FileResponse(
            path,
            media_type=found["mediaType"] or "application/octet-stream",
            filename=found["name"] or sha256,
            headers={
                "Cache-Control": "private, max-age=31536000, immutable",
                # Uploaded bytes are whatever a source sent: a browser neither guesses
                # another type for them nor runs what they hold.
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "sandbox",
            },
        )

    async def metrics_endpoint(_: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    schema = build_schema(planned=settings.read_engine)
    graphql = GraphQLEndpoint(services, schema)
    app = Starlette(
        routes=[
            # Every method: the endpoint answers the ones it does not take in JSON, with a code.
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", SubscriptionEndpoint(services, schema, graphql.guard)),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Route("/files/{sha256}", file, name="file"),
            Mount(ide.PATH, app=StaticFiles(directory=ide.ASSETS), name="graphiql"),
            *console.routes(),
        ],
        middleware=[
            *_cors(settings),
            *_forwarded(settings),
            Middleware(RequestInstrumentation, metrics=metrics),
        ],
        lifespan=lambda _: _running(services),
        exception_handlers={HTTPException: _http_exception},
    )
    app.state.services = services
    return app

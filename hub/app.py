"""The app factory: wires settings, the store, the GraphQL endpoint and the probes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from hub import encoding
from hub.api import build_schema
from hub.api.context import Context
from hub.api.direct import DirectQueries
from hub.domain.files import FileStore
from hub.errors import DatabaseUnavailable
from hub.instrumentation import RequestInstrumentation
from hub.metrics import CONTENT_TYPE, Metrics
from hub.settings import Settings
from hub.store import Store, migrations

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What the app holds while it runs; the store arrives when the lifespan opens it."""

    settings: Settings
    store: Store | None = None
    files: FileStore = field(init=False)

    def __post_init__(self) -> None:
        self.files = file_store(self.settings)

    def require_store(self) -> Store:
        if self.store is None:
            raise DatabaseUnavailable("the hub is still starting")
        return self.store


def file_store(settings: Settings) -> FileStore:
    """Where document files live: under the data dir, by content."""
    return FileStore(settings.data_dir / "files", settings.max_upload_mb * 1024 * 1024)


class GraphQLEndpoint(GraphQL[Context, None]):
    """strawberry's GraphQL app, with known queries answered the short way
    (:mod:`hub.api.direct`)."""

    def __init__(self, services: Services) -> None:
        schema = build_schema()
        super().__init__(schema, graphql_ide="graphiql", multipart_uploads_enabled=True)
        self._services = services
        self.direct = DirectQueries(schema, self._context_for)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            rest = await self.direct.answer(scope, receive, send)
            if rest is None:
                return
            receive = rest
        await super().__call__(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        return encoding.loads(data)

    def encode_json(self, data: object) -> str:
        # Text, not bytes: strawberry sends bytes over a websocket as binary frames, which
        # GraphQL-over-WebSocket clients do not read.
        return encoding.dumps(data).decode()

    async def _context_for(self, request: Request) -> Context:
        return await self.get_context(request, None)

    async def get_context(self, request: object, response: object) -> Context:
        return Context(
            request=request,  # type: ignore[arg-type]
            response=response,  # type: ignore[arg-type]
            store=self._services.require_store(),
            settings=self._services.settings,
            files=self._services.files,
        )


async def open_store(settings: Settings, *, attach: bool = False) -> Store:
    """Open the store and bring its schema up to date when the settings ask for it.

    With ``attach``, share the store of a hub already running on the same data dir.
    """
    store = await Store.open(settings, attach=attach)
    try:
        if settings.migrate_on_start:
            report = await migrations.apply(store)
            log.info(
                "schema_applied",
                extra={
                    "schema_created": len(report.created),
                    "schema_present": len(report.existing),
                },
            )
    except BaseException:
        await store.close()
        raise
    return store


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    """Build the hub's ASGI app.

    With ``store`` given, the app uses it and leaves closing it to the caller; without, the
    app's lifespan opens a store from ``settings`` and closes it on shutdown.
    """
    services = Services(settings=settings, store=store)
    metrics = Metrics(lambda: services.store.queries_sent if services.store else 0)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        owned = services.store is None
        if owned:
            services.store = await open_store(settings)
        try:
            yield
        finally:
            if owned and services.store is not None:
                await services.store.close()
                services.store = None

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
        sha256 = request.path_params["sha256"]
        path = services.files.path(sha256)
        if path is None:
            return JSONResponse({"error": "no such file"}, status_code=404)
        rows = await services.require_store().query(
            "MATCH (d:Document {fileSha256: $sha}) "
            "RETURN d.fileMediaType AS mediaType, d.fileName AS name LIMIT 1",
            {"sha": sha256},
        )
        if not rows:
            return JSONResponse({"error": "no document has this file"}, status_code=404)
        return FileResponse(
            path,
            media_type=rows[0]["mediaType"] or "application/octet-stream",
            filename=rows[0]["name"] or sha256,
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

    async def metrics_endpoint(_: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    graphql = GraphQLEndpoint(services)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Route("/files/{sha256}", file, name="file"),
        ],
        middleware=[Middleware(RequestInstrumentation, metrics=metrics)],
        lifespan=lifespan,
    )
    app.state.services = services
    return app

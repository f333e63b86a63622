"""Running the hub's HTTP server: the listening socket, uvicorn, and the event loop.

``hub serve`` answers requests in one process, or with ``HUB_WORKERS`` above one in several
worker processes, each listening on the port (see :mod:`hub.workers`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import logging
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, TypeVar

import uvicorn

from hub.errors import StartupError
from hub.settings import Settings
from hub.store import Store
from hub.stores import open_store

T = TypeVar("T")

log = logging.getLogger("hub")


def bind_socket(host: str, port: int, workers: int = 1) -> socket.socket:
    """Claim the listening port before anything else starts, so a clash is reported first.

    For several workers, where the platform can (``SO_REUSEPORT``), the port is only claimed
    here: each worker listens on a socket of its own on it (:func:`worker_socket`) and the
    kernel spreads new connections evenly over them. On one shared socket, the worker that
    happens to be awake takes a whole burst of connections, and a client's keep-alive pool
    can end up on one worker while the others idle.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # uvicorn sets TCP_NODELAY on each connection only when it created the listening socket
    # itself; with a socket handed over, a response is sent in two writes unless the
    # listening socket says so, and without it keep-alive clients wait 40 ms for delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    spread = workers > 1 and hasattr(socket, "SO_REUSEPORT")
    if spread:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(
                f"port {port} on {host} is already in use: stop the program using it, or "
                "choose another with --port or HUB_PORT"
            ) from exc
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    if not spread:
        sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def worker_socket(claimed: socket.socket) -> socket.socket:
    """The socket a worker accepts on: its own on the claimed port when the kernel spreads
    connections over the workers (see :func:`bind_socket`), else the claimed one, shared."""
    if not hasattr(socket, "SO_REUSEPORT") or not claimed.getsockopt(
        socket.SOL_SOCKET, socket.SO_REUSEPORT
    ):
        return claimed
    own = socket.socket(claimed.family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    own.bind(claimed.getsockname())
    own.listen(2048)
    return own


class _Server(uvicorn.Server):
    """Uvicorn without its own signal capture, which re-raises the signal on the way out and
    would end the process before the store is closed; the caller installs its handlers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def request_exit(self) -> None:
        if self.should_exit:
            self.force_exit = True
        self.should_exit = True


def http_server(settings: Settings, store: Store, signals: tuple[int, ...]) -> _Server:
    """A uvicorn server for the hub's app on ``store``; ``signals`` ask it to stop."""
    from hub.app import create_app  # noqa: PLC0415 - the API loads only where it serves

    config = uvicorn.Config(
        create_app(settings, store),
        log_config=None,
        access_log=False,
        lifespan="on",
        proxy_headers=False,
    )
    server = _Server(config)
    loop = asyncio.get_running_loop()
    for signum in signals:
        loop.add_signal_handler(signum, server.request_exit)
    return server


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}/graphql"


async def serve_alone(
    settings: Settings,
    sock: socket.socket,
    started: float,
    prepare: Callable[[Store], Coroutine[Any, Any, None]],
) -> None:
    """Hold the store and answer requests in this process until SIGINT or SIGTERM."""
    async with prepared_store(settings, prepare) as store:
        server = http_server(settings, store, (signal.SIGINT, signal.SIGTERM))
        log_ready(settings, store, sock, started, workers=1)
        settle_heap()
        await server.serve(sockets=[sock])


@contextlib.asynccontextmanager
async def prepared_store(
    settings: Settings, prepare: Callable[[Store], Coroutine[Any, Any, None]]
) -> AsyncIterator[Store]:
    """The store the hub serves from, opened and prepared (the demo world loaded); closed
    on the way out."""
    store = await open_store(settings)
    try:
        await prepare(store)
        yield store
    finally:
        await store.close()


def log_ready(
    settings: Settings, store: Store, sock: socket.socket, started: float, workers: int
) -> None:
    """The ``hub_ready`` line: where the hub answers, on what, and how long it took."""
    log.info(
        "hub_ready",
        extra={
            "url": url_of(sock),
            "database": store.dialect.describe(),
            "embedded": settings.embedded,
            "workers": workers,
            "startup_seconds": round(time.perf_counter() - started, 2),
        },
    )


def settle_heap() -> None:
    """Keep the garbage collector off what lives as long as the process.

    The schema, the model and the imported modules are built once; frozen, they are not
    traversed again by every full collection. A request or a batch allocates many
    short-lived objects (a request one per field it resolves), so collections start later
    than after the default 700 allocations.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed: the same asyncio API with a faster event loop."""
    try:
        import uvloop  # noqa: PLC0415 - optional accelerator
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine on the fastest event loop available."""
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(work)

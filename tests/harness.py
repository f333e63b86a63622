"""Runs a real hub (real embedded store, real uvicorn, real HTTP) in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from starlette.applications import Starlette

from hub.app import Services, create_app
from hub.serving import bind_socket
from hub.settings import Settings
from hub.store import Store

T = TypeVar("T")

START_TIMEOUT = 120.0


@dataclass
class RunningHub:
    """A hub served on a loopback port, with its event loop reachable from the test thread."""

    url: str
    app: Starlette
    loop: asyncio.AbstractEventLoop

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    @property
    def store(self) -> Store:
        return self.services.require_store()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run a coroutine on the hub's loop (where its driver lives) and return the result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout)

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client of the hub; with ``token``, it sends it as a bearer token."""
        headers = {"Authorization": f"Bearer {token}"} if token else None
        return httpx.Client(base_url=self.url, timeout=30.0, headers=headers)

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation: str | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
    ) -> httpx.Response:
        with self.client(token) as client:
            return client.post(
                "/graphql",
                json={"query": query, "variables": variables or {}, "operationName": operation},
                headers=headers,
            )

    def graphql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation: str | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = self.post(query, variables, operation, headers, token).json()
        return body


def _config(app: Any) -> uvicorn.Config:
    """As ``hub serve`` runs it: uvicorn believes no forwarded headers (the hub decides)."""
    return uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="on", proxy_headers=False
    )


@contextlib.contextmanager
def serve(settings: Settings, store: Store | None = None) -> Iterator[RunningHub]:
    """Start ``create_app(settings, store)`` under uvicorn on a free port; stop it on exit.

    Without ``store`` the app opens its own; with it, it serves that (still open) store.
    """
    app = create_app(settings, store)
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(_config(app))
    loop = asyncio.new_event_loop()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.serve(sockets=[sock]))
        except BaseException as exc:  # reported to the test thread below
            failure.append(exc)
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="hub-under-test", daemon=True)
    thread.start()
    deadline = START_TIMEOUT
    while not server.started and thread.is_alive() and deadline > 0:
        thread.join(0.05)
        deadline -= 0.05
    if not server.started:
        server.should_exit = True
        thread.join(30)
        raise RuntimeError(f"the hub under test did not start: {failure or 'timeout'}")
    try:
        yield RunningHub(url=f"http://127.0.0.1:{port}", app=app, loop=loop)
    finally:
        server.should_exit = True
        thread.join(60)
        sock.close()


@contextlib.contextmanager
def serve_beside(base: RunningHub, settings: Settings) -> Iterator[RunningHub]:
    """A second app on ``base``'s store and event loop (where its driver lives), with other
    settings: limits, authentication, identity provider."""
    app = create_app(settings, base.store)
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(_config(app))
    served = asyncio.run_coroutine_threadsafe(server.serve(sockets=[sock]), base.loop)
    deadline = START_TIMEOUT
    while not server.started and not served.done() and deadline > 0:
        time.sleep(0.02)
        deadline -= 0.02
    if not server.started:
        server.should_exit = True
        raise RuntimeError(f"the app beside the hub did not start: {served}")
    try:
        yield RunningHub(url=f"http://127.0.0.1:{port}", app=app, loop=base.loop)
    finally:
        server.should_exit = True
        served.result(60)
        sock.close()


def hub_command(*args: str, env: dict[str, str], cwd: Path, timeout: float = 120.0) -> Any:
    """Run the real ``hub`` CLI in a child process with a clean ``HUB_*`` environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


def vin_for(token: str, n: int = 0) -> str:
    """A valid VIN unique to a test's token and a sequence number."""
    digest = hashlib.sha256(token.encode()).digest()
    prefix = "".join(VIN_ALPHABET[b % len(VIN_ALPHABET)] for b in digest[:11])
    return f"{prefix}{n:06d}"


def ok(hub: RunningHub, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Data of a GraphQL request that must succeed without errors."""
    body = hub.graphql(query, variables)
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data

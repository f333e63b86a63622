"""ASGI middleware: one log line and one metrics sample per HTTP request."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.metrics import Metrics

log = logging.getLogger("hub.request")

KNOWN_PATHS = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})
# Paths under which the hub serves many: counted under one label each, as a metric's labels
# must stay few.
_TREES = ("/files", "/console", "/graphiql")


def path_label(path: str) -> str:
    """The ``path`` label of a request: a known path, the tree it lies in, or ``other``."""
    if path in KNOWN_PATHS:
        return path
    for tree in _TREES:
        if path == tree or path.startswith(tree + "/"):
            return tree
    return "other"


class RequestInstrumentation:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        status = 500
        started = time.perf_counter()

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            seconds = time.perf_counter() - started
            path = path_label(scope["path"])
            operation = str(state.get("graphql_operation", "-"))
            self.metrics.observe(scope["method"], path, operation, status, seconds)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "operation": operation,
                        "operation_type": state.get("graphql_operation_type"),
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                    },
                )

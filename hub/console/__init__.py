"""The stewards' console: a page and its scripts, served by the hub at ``/console``, that
work through the hub's own GraphQL API (no second back end, nothing loaded from elsewhere)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

ASSETS = Path(__file__).with_name("assets")
PATH = "/console"

# The page may run only its own scripts and talk only to its own hub.
_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


async def _page(_: Request) -> Response:
    return FileResponse(
        ASSETS / "index.html",
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": _POLICY, "Cache-Control": "no-cache"},
    )


async def _slash(_: Request) -> Response:
    return RedirectResponse(PATH, status_code=308)


def routes() -> list[BaseRoute]:
    """``/console`` (the page) and ``/console/assets/...`` (its scripts and styles)."""
    return [
        Route(PATH, _page),
        Route(f"{PATH}/", _slash),
        Mount(f"{PATH}/assets", app=StaticFiles(directory=ASSETS), name="console"),
    ]

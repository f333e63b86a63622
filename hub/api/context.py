"""What every resolver can reach: the request, the store and the settings."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from hub.settings import Settings
from hub.store import Store


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | None
    store: Store
    settings: Settings


Info = strawberry.Info[Context, None]

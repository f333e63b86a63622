"""What every resolver can reach: the request, the store, loaders and the settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from hub.api.loaders import Loaders
from hub.domain.files import FileStore
from hub.settings import Settings
from hub.store import Store


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | None
    store: Store
    settings: Settings
    files: FileStore
    loaders: Loaders = field(init=False)
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.store)

    @property
    def user(self) -> str:
        """Who is asking, for the audit trail of stewards' decisions (the ``X-Hub-User``
        header a front end or gateway sets)."""
        return self.request.headers.get("x-hub-user") or "anonymous"

    def file_url(self, sha256: str) -> str:
        return str(self.request.url_for("file", sha256=sha256))


Info = strawberry.Info[Context, None]

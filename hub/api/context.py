"""What every resolver can reach: the request, its caller, the store, loaders and settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from hub.actor import Actor
from hub.api.loaders import Loaders
from hub.auth.errors import Forbidden
from hub.auth.principal import LOCAL_DEVELOPER, Principal, Scope
from hub.domain.files import FileStore
from hub.read.cursors import Cursors
from hub.settings import Settings

if TYPE_CHECKING:  # the store is handed through to read and domain, never used here
    from hub.domain.feed import ChangeFeed
    from hub.domain.upsert import PartnerMatcher
    from hub.store import Store

# A front end or gateway names the person it acts for; it is recorded, never trusted.
ON_BEHALF_OF = "x-hub-user"
_MAX_ON_BEHALF_OF = 200


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | None
    store: Store
    settings: Settings
    files: FileStore
    cursors: Cursors
    principal: Principal = LOCAL_DEVELOPER
    feed: ChangeFeed | None = None
    # What a WebSocket client sent with connection_init (its token), and how to ask again
    # who it is: a subscription lives longer than its credentials may.
    connection_params: dict[str, object] | None = None
    authenticate: Callable[[], Awaitable[Principal]] | None = None
    # Partner matching for writes (see hub.mastering.matcher); None: a matcher per write.
    matcher: PartnerMatcher | None = None
    loaders: Loaders = field(init=False)
    # What the request works out once for every parent of a field (a nested list's query).
    memo: dict[Hashable, Any] = field(init=False)
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.store)
        self.memo = {}
        self.sees_personal = self.principal.allows(Scope.READ_PERSONAL)

    def act_as(self, principal: Principal, store: Store) -> None:
        """Answer for ``principal`` from now on (a WebSocket learns it after connecting)."""
        self.principal = principal
        self.store = store
        self.loaders = Loaders(store)
        self.memo = {}
        self.sees_personal = principal.allows(Scope.READ_PERSONAL)

    @property
    def actor(self) -> Actor:
        return actor_of(self.principal, self.request.headers)

    def require(self, scope: Scope, what: str) -> None:
        """Raise :class:`Forbidden` unless the caller holds ``scope``."""
        if not self.principal.allows(scope):
            raise Forbidden(f"{what} needs the {scope.value} scope")

    def file_url(self, sha256: str, document: str | None = None) -> str:
        """Where to download a stored file; with the ``document`` (hub id) that names it,
        the download carries that document's media type and file name (two documents may
        hold the same bytes under other names)."""
        url = str(self.request.url_for("file", sha256=sha256))
        return url if document is None else f"{url}?document={document}"


def actor_of(principal: Principal, headers: Mapping[str, str]) -> Actor:
    """Who the audit trail names: the authenticated caller, and the person a front end says
    it acts for (the ``X-Hub-User`` header), which is recorded but never the actor."""
    named = _utf8(headers.get(ON_BEHALF_OF) or "")
    on_behalf_of = "".join(c for c in named if c.isprintable())[:_MAX_ON_BEHALF_OF]
    return Actor(principal.name, principal.system, on_behalf_of or None)


def _utf8(header: str) -> str:
    """A header's text: HTTP hands its bytes over as Latin-1, and clients send names such as
    Zoë in UTF-8; bytes that are no UTF-8 stay as Latin-1 read them."""
    try:
        return header.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return header


Info = strawberry.Info[Context, None]

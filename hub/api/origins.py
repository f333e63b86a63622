"""Which browser pages may send the hub a request that changes something.

A page on any origin can make the browser POST a ``multipart/form-data`` body (a plain HTML
form does) without asking first: CORS lets such a "simple" request through and only hides
the answer. The hub reads a GraphQL multipart request from that body, so a page elsewhere
could run a mutation with whatever the browser carries for the hub, or, on a hub whose
``HUB_AUTH`` lets local callers in, as the developer. A request a browser marks with
another origin is therefore refused unless that origin is one of ``HUB_CORS_ORIGINS``, as
the WebSocket handshake is. Clients that are not browsers send no ``Origin`` and are not
affected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from strawberry.http.websocket_origin import (
    is_same_origin,
    normalize_allowed_origins,
    normalize_origin,
)


class Origins:
    """The configured origins, normalised once."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self._allowed = normalize_allowed_origins(list(allowed))

    def foreign(self, headers: Mapping[str, str]) -> str | None:
        """The origin of a browser page elsewhere that is not allowed, or None."""
        origin = headers.get("origin")
        if origin is None or headers.get("sec-fetch-site") == "same-origin":
            return None
        if is_same_origin(origin, headers.get("host")) or "*" in self._allowed:
            return None
        return None if normalize_origin(origin) in self._allowed else origin

"""Why a request is not let in."""

from __future__ import annotations

from hub.errors import HubError


class Unauthenticated(HubError):
    """No valid credentials: the request is answered with HTTP 401."""

    code = "UNAUTHENTICATED"


class Forbidden(HubError):
    """The caller is known but lacks the scope: HTTP 403."""

    code = "FORBIDDEN"

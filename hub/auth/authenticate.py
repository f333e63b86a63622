"""Who a request comes from, before anything of it runs.

``Authorization: Bearer TOKEN`` carries a registered client's token or, when
``HUB_JWT_JWKS`` is set, a JWT of the identity provider. Without the header a request is
refused, except in ``HUB_AUTH=auto`` while no client was ever registered and no JWKS is
configured: then a request from this machine acts as the local developer with every scope,
so that ``make serve`` works without a token. From this machine means: from a loopback
address, without a proxy's forwarding header, addressed to this machine by name (``Host``)
and, when a browser sends it, from a page of this machine (``Origin``). A page elsewhere
that a browser lets reach the hub (a DNS name rebound to 127.0.0.1, an origin allowed by
``HUB_CORS_ORIGINS=*``) does not act as the developer.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

from hub.auth.clients import ClientDirectory
from hub.auth.errors import Unauthenticated
from hub.auth.identity_provider import IdentityProvider, looks_like_jwt
from hub.auth.principal import LOCAL_DEVELOPER, Principal
from hub.settings import Settings
from hub.store import Store

log = logging.getLogger(__name__)

# A proxy on this machine forwards others' requests: those are not the local developer's.
_FORWARDING = ("forwarded", "x-forwarded-for", "x-real-ip")


class Authenticator:
    def __init__(self, settings: Settings) -> None:
        self._auto = settings.auth == "auto"
        self.clients = ClientDirectory(settings.data_dir, settings.auth_refresh_seconds)
        self._provider = IdentityProvider(settings) if settings.jwt_jwks else None
        # A proxy the hub trusts gives it the Host its client asked for (hub.forwarded).
        self._proxies = settings.trusted_proxy_set

    async def principal(
        self, store: Store, headers: Mapping[str, str], peer: str | None
    ) -> Principal:
        """The caller, or :class:`Unauthenticated` saying what is missing or wrong."""
        authorization = headers.get("authorization")
        if authorization is None:
            proxied = peer in self._proxies
            if _from_this_machine(peer, headers, proxied) and await self.open_locally(store):
                return LOCAL_DEVELOPER
            raise Unauthenticated(
                "this request needs a token: send Authorization: Bearer TOKEN with a client "
                "token (hub clients add)"
                + (" or a JWT of the identity provider" if self._provider else "")
            )
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("the Authorization header must read 'Bearer TOKEN'")
        if looks_like_jwt(token):
            if self._provider is None:
                raise Unauthenticated("this hub accepts no JWTs: HUB_JWT_JWKS is not set")
            return await self._provider.principal(token)
        client = await self.clients.find(store, token)
        if client is None:
            raise Unauthenticated("the token is not known, or its client was revoked")
        self.clients.used(store, client)
        return client.principal

    async def open_locally(self, store: Store) -> bool:
        """Whether requests from this machine need no token now (see the module docstring)."""
        return (
            self._auto and self._provider is None and not await self.clients.any_registered(store)
        )


def _from_this_machine(peer: str | None, headers: Mapping[str, str], proxied: bool = False) -> bool:
    if peer is None or any(name in headers for name in _FORWARDING):
        return False
    origin = headers.get("origin")
    if origin is not None and not _is_this_machine(urlsplit(origin).hostname):
        return False
    host = headers.get("host")  # none from HTTP/1.0 tools, never none from a browser
    if host is not None and not proxied and not _is_this_machine(_host_name(host)):
        return False
    return _is_this_machine(peer)


def _host_name(host: str | None) -> str | None:
    """The name in a Host header, without its port."""
    if not host:
        return None
    try:
        return urlsplit(f"//{host.strip()}").hostname
    except ValueError:
        return None


def _is_this_machine(name: str | None) -> bool:
    if not name:
        return False
    if name.lower() == "localhost" or name.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False

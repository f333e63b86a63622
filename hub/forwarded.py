"""Behind a reverse proxy that ends TLS, the hub is called over plain HTTP and would build
``http://`` links to files. The proxy says what the client used (``X-Forwarded-Proto``,
``X-Forwarded-Host``); the hub believes it only from the proxies ``HUB_TRUSTED_PROXIES``
names. The client's address stays the proxy's: the local-developer rule reads it, and a
forwarded request is never the local developer's."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send


class TrustedProxies:
    """The proxies ``HUB_TRUSTED_PROXIES`` names: addresses, or networks (``10.0.0.0/8``)
    for proxies whose address changes, as a container's does when it is made again."""

    def __init__(self, listed: Iterable[str]) -> None:
        self._networks = tuple(ipaddress.ip_network(entry) for entry in listed)

    def __bool__(self) -> bool:
        return bool(self._networks)

    def __contains__(self, peer: object) -> bool:
        if not self._networks or not isinstance(peer, str):
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:  # a peer that is no IP address (a Unix socket's path)
            return False
        return any(address in network for network in self._networks)


class ForwardedOrigin:
    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and client and client[0] in self.proxies:
            scope = _as_forwarded(scope)
        await self.app(scope, receive, send)


def _as_forwarded(scope: Scope) -> Scope:
    headers = dict(scope["headers"])
    forwarded = {**scope}
    proto = _first(headers.get(b"x-forwarded-proto")).lower()
    if proto in ("http", "https"):
        forwarded["scheme"] = proto
    host = _first(headers.get(b"x-forwarded-host"))
    if host and all(ch.isalnum() or ch in ".-:[]" for ch in host):
        forwarded["headers"] = [
            (name, value) for name, value in scope["headers"] if name != b"host"
        ] + [(b"host", host.encode("latin-1"))]
    return forwarded


def _first(value: bytes | None) -> str:
    """The first of a list a chain of proxies appended to: the one nearest the client."""
    return value.decode("latin-1").split(",", 1)[0].strip() if value else ""

"""JWTs of the company's identity provider (Keycloak, Entra ID, ...), verified with PyJWT.

A token is accepted when its signature verifies against a key of ``HUB_JWT_JWKS`` (a URL,
fetched and cached by PyJWT's client, or a file, read again when it changes), with one of the
configured asymmetric algorithms, and its ``iss``, ``aud`` and ``exp`` are right. The caller is
named by ``client_id``, ``azp`` or ``sub`` (in that order), writes for the system in the claim
``hub_system`` and holds the hub's scopes listed in ``scope`` (or ``scp``).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import jwt

from hub.auth.errors import Unauthenticated
from hub.auth.principal import Principal, Scope
from hub.domain.validation import system_name
from hub.settings import Settings

_LEEWAY_SECONDS = 30
_KEPT = 4096


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


class IdentityProvider:
    """Verifies JWTs; a verified token is remembered until it expires."""

    def __init__(self, settings: Settings) -> None:
        assert settings.jwt_jwks and settings.jwt_issuer and settings.jwt_audience
        self._source = settings.jwt_jwks
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._algorithms = settings.jwt_algorithm_list
        self._remote = (
            jwt.PyJWKClient(self._source, cache_keys=True, lifespan=300, timeout=10)
            if self._source.startswith(("https://", "http://"))
            else None
        )
        self._file_keys: jwt.PyJWKSet | None = None
        self._file_state: tuple[int, int] | None = None
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    async def principal(self, token: str) -> Principal:
        kept = self._verified.get(token)
        if kept is not None and kept[1] > time.time():
            self._verified.move_to_end(token)
            return kept[0]
        claims = await self._claims(token)
        principal = _principal_of(claims)
        self._verified[token] = (principal, float(claims["exp"]))
        if len(self._verified) > _KEPT:
            self._verified.popitem(last=False)
        return principal

    async def _claims(self, token: str) -> dict[str, Any]:
        try:
            key = await self._signing_key(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                leeway=_LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWKClientError as exc:
            raise Unauthenticated(f"the token's signing key is not available: {exc}") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"the token is not valid: {exc}") from exc
        return claims

    async def _signing_key(self, token: str) -> jwt.PyJWK:
        if self._remote is not None:
            # PyJWT fetches the key set with blocking I/O (and caches it).
            return await asyncio.to_thread(self._remote.get_signing_key_from_jwt, token)
        keys = self._keys_from_file()
        kid = jwt.get_unverified_header(token).get("kid")
        if kid is None and len(keys.keys) == 1:
            return keys.keys[0]
        try:
            return keys[str(kid)]
        except KeyError as exc:
            raise Unauthenticated(f"no key with id {kid!r} in HUB_JWT_JWKS") from exc

    def _keys_from_file(self) -> jwt.PyJWKSet:
        path = Path(self._source)
        try:
            found = os.stat(path)
        except OSError as exc:
            raise Unauthenticated(f"HUB_JWT_JWKS cannot be read: {exc.strerror}") from exc
        state = (found.st_ino, found.st_mtime_ns)
        if self._file_keys is None or state != self._file_state:
            try:
                self._file_keys = jwt.PyJWKSet.from_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, jwt.PyJWKSetError) as exc:
                raise Unauthenticated(f"HUB_JWT_JWKS holds no usable key set: {exc}") from exc
            self._file_state = state
        return self._file_keys


def _principal_of(claims: dict[str, Any]) -> Principal:
    name = claims.get("client_id") or claims.get("azp") or claims.get("sub")
    if not isinstance(name, str) or not name:
        raise Unauthenticated("the token names no caller (client_id, azp or sub)")
    system = claims.get("hub_system")
    if system is not None and (not isinstance(system, str) or not system_name(system)):
        raise Unauthenticated(f"the token's hub_system {system!r} is not a system name")
    scopes = Scope.parse(claims.get("scope") or claims.get("scp"))
    if not system:
        # Writes name the system they write for; a token that names none cannot write.
        scopes -= {Scope.WRITE}
    return Principal(name, system.strip().upper() if system else None, scopes, "jwt")

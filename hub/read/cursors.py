"""Opaque cursors: a position in an ordered list, bound to that list, signed.

A cursor carries the sort values and the id of the row it stands for (a keyset position, not
an offset), so rows inserted or deleted between two page fetches neither repeat nor vanish.
It also carries a digest of the list it came from (the kind, the order, the filter): used
with another ``orderBy`` or ``where`` it is refused instead of paging a different list from
a position that means nothing there. An HMAC makes it tamper-evident: a forged or edited
cursor is refused. The key is the hub's, shared by every replica through the store (or set
with ``HUB_CURSOR_SECRET``), so a cursor stays valid across restarts and replicas.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from hub.errors import BadRequest
from hub.store import Store

_TAG_BYTES = 12
_SHOWN = 60  # of a cursor refused, as its message quotes it


class CursorError(BadRequest):
    """A cursor that this list did not hand out; the message says which argument."""


def scope(*parts: Any) -> str:
    """A short digest of what a list is: its kind, order and filter."""
    return _digest(_text(parts))


def scopes(*parts: Any) -> Callable[[Any], str]:
    """``scope(*parts, last)`` for any ``last``: the list under each parent of a nested one,
    with what they share written out once."""
    shared = _text(parts)[:-1]  # without its closing bracket
    return lambda last: _digest(f"{shared}, {_text(last)}]" if parts else f"[{_text(last)}]")


def _text(value: Any) -> str:
    return json.dumps(_as_sets(value), sort_keys=True, default=str, ensure_ascii=False)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# Filter operators whose values are a set: their order does not change what a list holds.
_SETS = frozenset({"in", "notIn", "includesAny", "includesAll"})


def _as_sets(value: Any, key: str = "") -> Any:
    """``value`` with the values of set operators in one order, so that a cursor taken with
    ``in: ["BMW", "Audi"]`` goes on with ``in: ["Audi", "BMW"]``."""
    if isinstance(value, dict):
        return {k: _as_sets(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [_as_sets(v) for v in value]
        if key in _SETS:
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
        return items
    return value


def _plain(value: Any) -> Any:
    """A sort value as JSON: dates and times tagged, so they compare as dates again."""
    to_native = getattr(value, "to_native", None)
    if to_native is not None:  # the driver's own date and time types
        value = to_native()
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    return value


def _restored(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return dt.datetime.fromisoformat(value["t"])
        return dt.date.fromisoformat(value["d"])
    return value


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Cursors:
    """Encodes and checks cursors with the hub's key."""

    key: bytes

    @classmethod
    def fresh_secret(cls) -> str:
        return secrets.token_urlsafe(32)

    def bound(self, list_scope: str) -> BoundCursors:
        return BoundCursors(self, list_scope)

    def _tag(self, payload: bytes) -> bytes:
        return hmac.new(self.key, payload, hashlib.sha256).digest()[:_TAG_BYTES]

    def encode(self, list_scope: str, position: Sequence[Any]) -> str:
        payload = json.dumps(
            [list_scope, [_plain(v) for v in position]], separators=(",", ":"), ensure_ascii=False
        ).encode()
        return f"{_b64(payload)}.{_b64(self._tag(payload))}"

    def decode(self, cursor: str, list_scope: str, argument: str) -> list[Any]:
        """The position a cursor stands for; :class:`CursorError` when it was forged or
        belongs to another list."""
        try:
            body, _, tag = cursor.partition(".")
            payload = _unb64(body)
            if not hmac.compare_digest(self._tag(payload), _unb64(tag)):
                raise ValueError("signature")
            taken_from, position = json.loads(payload)
            values = [_restored(v) for v in position]
        except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError):
            shown = cursor if len(cursor) <= _SHOWN else f"{cursor[:_SHOWN]}..."
            raise CursorError(f"{argument}: {shown!r} is not a cursor this API returned") from None
        if taken_from != list_scope:
            raise CursorError(
                f"{argument}: the cursor was taken from another list (another orderBy, where "
                "or field); cursors are valid only for the list they came from, so start again "
                "from the first page"
            )
        return values


@dataclass(frozen=True)
class BoundCursors:
    """The cursors of one list."""

    cursors: Cursors
    scope: str

    def encode(self, position: Sequence[Any]) -> str:
        return self.cursors.encode(self.scope, position)

    def decode(self, cursor: str, argument: str) -> list[Any]:
        return self.cursors.decode(cursor, self.scope, argument)


async def hub_cursors(store: Store, configured: SecretStr | None) -> Cursors:
    """The hub's cursors: signed with the configured key, else with the one the store keeps
    (created by the first hub that needs it, then shared by all)."""
    if configured is not None:
        return Cursors(configured.get_secret_value().encode())
    await store.query(
        "MERGE (k:HubSetting {name: 'cursors'}) ON CREATE SET k.value = $fresh",
        {"fresh": Cursors.fresh_secret()},
    )
    # Without the uniqueness constraint (a store whose schema is applied later), two hubs
    # starting at once may both have created one; all settle on the same.
    rows = await store.query(
        "MATCH (k:HubSetting {name: 'cursors'}) RETURN k.value AS value ORDER BY value LIMIT 1"
    )
    return Cursors(str(rows[0]["value"]).encode())

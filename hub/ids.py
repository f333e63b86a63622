"""Hub identifiers: a UUID stored on the node, shown to clients as an opaque global ID.

The global ID carries the node's label so that ``node(id:)`` can find any record; clients
must treat it as opaque.
"""

from __future__ import annotations

import base64
import binascii
import os


def new_id() -> str:
    """A random UUID (version 4) as 32 hex digits, as ``uuid.uuid4().hex`` writes it.

    Built from the random bytes directly: a bulk load makes several ids a row, and the
    ``uuid`` module's way takes three times as long.
    """
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    return raw.hex()


def to_global(label: str, hub_id: str) -> str:
    raw = f"{label}:{hub_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def from_global(global_id: str) -> tuple[str, str] | None:
    """``(label, hub id)``, or None when the text is not an ID the hub issued."""
    padded = global_id + "=" * (-len(global_id) % 4)
    try:
        label, _, hub_id = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not label.isidentifier() or not hub_id:
        return None
    return label, hub_id

"""Date-times in the store: UTC, without an offset.

ArcadeDB keeps a date-time property without its offset, and a stored value then no longer
equals a parameter that has one. Writing every date-time as UTC without offset makes the same
statements compare equal on Neo4j and ArcadeDB; readers attach UTC again.
"""

from __future__ import annotations

import datetime as dt


def to_store(value: dt.datetime) -> dt.datetime:
    """UTC without offset; a value without offset is taken to be UTC already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def from_store(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def utc_now() -> dt.datetime:
    """Now, as the store keeps it."""
    return to_store(dt.datetime.now(dt.UTC))

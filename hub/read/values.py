"""Stored values as the API shows them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.store.temporal import from_store


def native(value: Any) -> Any:
    """neo4j temporal values to Python ones.

    Stored date-times are UTC without offset (see :mod:`hub.store.temporal`).
    """
    to_native = getattr(value, "to_native", None)
    value = to_native() if to_native else value
    return from_store(value) if isinstance(value, dt.datetime) else value

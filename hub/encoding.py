"""JSON in and out, through orjson.

The hot paths' JSON goes through here: GraphQL request and response bodies, extract rows,
stored states and payload digests. The standard library's encoder was a tenth of a bulk
load's Python time.

:func:`canonical` writes what ``json.dumps(value, sort_keys=True, separators=(",", ":"),
ensure_ascii=False, default=default)`` writes, so digests of deliveries stored before stay
valid; it falls back to that call for the values orjson refuses (integers beyond 64 bits,
lone surrogates, values ``default`` refuses). One spelling differs: floats below 1e-4 that
the standard library writes with an exponent (``1e-05``) are written out (``0.00001``). The
model's delivered kinds have no float property, and the value reads back the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

# Dataclasses and date-times go to ``default`` as they did with the standard library, which
# would otherwise encode them itself (and differently).
_CANONICAL = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
)


# orjson reads an integer beyond 64 bits as a float, without an error: a text with a run of
# 19 digits (where such integers start) is read by the standard library instead.
_LONG_DIGITS = re.compile(r"[0-9]{19}")
_LONG_DIGITS_BYTES = re.compile(rb"[0-9]{19}")


def loads(data: bytes | str) -> Any:
    """The value, as the standard library reads it: what orjson refuses or would read
    otherwise (NaN, integers beyond 64 bits) is read by the standard library, whose error
    names what is wrong otherwise."""
    long_digits = (
        _LONG_DIGITS_BYTES.search(data) if isinstance(data, bytes) else _LONG_DIGITS.search(data)
    )
    if long_digits is None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)


def dumps(value: Any) -> bytes:
    """Compact JSON, UTF-8."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def canonical(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """Keys sorted, no spaces, text as it is: one spelling for one value."""
    try:
        return orjson.dumps(value, default=default, option=_CANONICAL).decode()
    except orjson.JSONEncodeError:
        # Also when ``default`` refuses a value: the standard library then raises its error.
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default
        )

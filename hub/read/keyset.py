"""Keyset paging in Cypher: an order with nulls last in both directions, and the condition
that keeps the rows after (or before) a position in it.

Both stores sort the same way only when told how to treat nulls, so a key that may be null
sorts by ``key IS NULL`` first: nulls come last whatever the direction, as Python's
:func:`hub.read.pagination.page_of_rows` expects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub.read.filters import Compiler


@dataclass(frozen=True)
class SortKey:
    expression: str  # e.g. x.name
    descending: bool = False
    nullable: bool = True


def ordering(keys: Sequence[SortKey], reverse: bool = False) -> str:
    """The ORDER BY items of the keys (read from the end when ``reverse``)."""
    items: list[str] = []
    for key in keys:
        descending = key.descending != reverse
        if key.nullable:
            items.append(f"{key.expression} IS NULL{' DESC' if reverse else ''}")
        items.append(f"{key.expression}{' DESC' if descending else ''}")
    return ", ".join(items)


def _later(key: SortKey, value: Any, c: Compiler) -> str | None:
    """Rows that sort after ``value`` at this key; None when none can (null is last)."""
    if value is None:
        return None
    compared = f"{key.expression} {'<' if key.descending else '>'} {c.param(value)}"
    return f"({key.expression} IS NULL OR {compared})" if key.nullable else compared


def _earlier(key: SortKey, value: Any, c: Compiler) -> str:
    if value is None:
        return f"{key.expression} IS NOT NULL"
    return f"{key.expression} {'>' if key.descending else '<'} {c.param(value)}"


def _equal(key: SortKey, value: Any, c: Compiler) -> str:
    return f"{key.expression} IS NULL" if value is None else f"{key.expression} = {c.param(value)}"


def beyond(keys: Sequence[SortKey], position: Sequence[Any], later: bool, c: Compiler) -> str:
    """The rows strictly after (``later``) or before ``position`` in the order of ``keys``."""
    if len(position) != len(keys):
        raise ValueError("a position has one value per sort key")
    options: list[str] = []
    for i, (key, value) in enumerate(zip(keys, position, strict=True)):
        step = _later(key, value, c) if later else _earlier(key, value, c)
        if step is None:
            continue
        same = [_equal(keys[j], position[j], c) for j in range(i)]
        options.append("(" + " AND ".join([*same, step]) + ")")
    return "(" + " OR ".join(options) + ")" if options else "false"


def position_of(keys: Sequence[SortKey]) -> str:
    """The list of a row's sort values, as its cursor records them."""
    return "[" + ", ".join(key.expression for key in keys) + "]"

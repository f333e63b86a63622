"""Reading the rows loads refused: newest first, under a filter, in keyset pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub.store import Store

Row = dict[str, Any]
Position = tuple[dt.datetime, str]

# Rows refused after a position come before it: the list is newest first.
_AFTER = "(r.rejectedAt < $afterAt OR (r.rejectedAt = $afterAt AND r.id < $afterId))"


@dataclass(frozen=True)
class RowFilter:
    """Which rows: of this status, kind (label), system and file; None does not filter."""

    status: str | None = "OPEN"
    kind: str | None = None
    system: str | None = None
    file: str | None = None

    def condition(self) -> tuple[list[str], dict[str, Any]]:
        tests, params = [], {}
        for name in ("status", "kind", "system", "file"):
            value = getattr(self, name)
            if value is not None:
                tests.append(f"r.{name} = ${name}")
                params[name] = value
        return tests, params


def position_of(row: Row) -> Position:
    return (row["rejectedAt"], row["id"])


async def page(
    store: Store, only: RowFilter, after: Position | None, first: int
) -> tuple[list[Row], bool]:
    """Up to ``first`` rows after ``after``, and whether more follow."""
    tests, params = only.condition()
    if after is not None:
        tests.append(_AFTER)
        params.update(afterAt=after[0], afterId=after[1])
    rows = await store.query(
        f"MATCH (r:RejectedRow) {'WHERE ' + ' AND '.join(tests) if tests else ''} "
        "RETURN r {.*} AS row ORDER BY r.rejectedAt DESC, r.id DESC LIMIT $n",
        {**params, "n": first + 1},
    )
    return [row["row"] for row in rows[:first]], len(rows) > first


async def count(store: Store, only: RowFilter) -> int:
    tests, params = only.condition()
    (row,) = await store.query(
        f"MATCH (r:RejectedRow) {'WHERE ' + ' AND '.join(tests) if tests else ''} "
        "RETURN count(r) AS n",
        params,
    )
    return int(row["n"])


async def by_id(store: Store, row_id: str) -> Row | None:
    found = await store.query(
        "MATCH (r:RejectedRow {id: $id}) RETURN r {.*} AS row", {"id": row_id}
    )
    return found[0]["row"] if found else None

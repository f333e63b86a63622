"""Top-level lists: filter, order, one window of rows, and the total when asked for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub.read.filters import Compiler, Filter
from hub.read.projection import projection
from hub.store import Store

Order = list[tuple[str, str]]  # (property, "ASC" | "DESC")

# Records merged into another stay resolvable by id but are no longer listed.
LIVE = {"BusinessPartner": "x.mergedInto IS NULL"}


@dataclass(frozen=True)
class ListQuery:
    label: str
    where: Filter | None
    order: Order
    today: dt.date
    shown: str = ""  # the projection of x; the label's properties when empty

    def _match(self) -> tuple[str, dict[str, Any]]:
        compiler = Compiler()
        predicate = compiler.compile(self.label, self.where, "x")
        params = {**compiler.params, "today": self.today}
        live = LIVE.get(self.label)
        if live:
            predicate = f"{live} AND ({predicate})"
        return f"MATCH (x:{self.label}) WHERE {predicate}", params

    def page_statement(self) -> tuple[str, dict[str, Any]]:
        match, params = self._match()
        keys = [f"x.{prop} {direction}" for prop, direction in self.order]
        keys.append("x.id ASC")
        return (
            f"{match} WITH x ORDER BY {', '.join(keys)} SKIP $skip LIMIT $limit "
            f"RETURN {self.shown or projection(self.label)} AS row",
            params,
        )

    def count_statement(self) -> tuple[str, dict[str, Any]]:
        match, params = self._match()
        return f"{match} RETURN count(x) AS total", params


async def rows(store: Store, query: ListQuery, offset: int, limit: int) -> list[dict[str, Any]]:
    statement, params = query.page_statement()
    found = await store.query(statement, {**params, "skip": offset, "limit": limit})
    return [row["row"] for row in found]


async def count(store: Store, query: ListQuery) -> int:
    statement, params = query.count_statement()
    (row,) = await store.query(statement, params)
    return int(row["total"])

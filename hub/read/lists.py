"""Top-level lists: filter, order, one window of rows, and the total when asked for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.read.filters import Compiler, Filter
from hub.read.prefetch import Compiled
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
    shown: Compiled | None = None  # the projection of x; the label's properties when None
    variables: Mapping[str, Any] = field(default_factory=dict)  # the request's, for its caps

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
        shown = self.shown.text if self.shown else projection(self.label)
        if self.shown:
            params.update(self.shown.params(self.variables))
        return (
            f"{match} WITH x ORDER BY {', '.join(keys)} SKIP $skip LIMIT $limit "
            f"RETURN {shown} AS row",
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

"""Per-request batching: every load of one kind issued in the same tick becomes one query."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from hub.domain.upsert import lineage_origins, partner_origins
from hub.read import invoice_lines, lists, lookups, relations
from hub.read.pagination import PageRequest
from hub.read.quotas import CallOff
from hub.read.relations import Related, Relation

if TYPE_CHECKING:  # the store is handed through, never used here but by read and domain
    from hub.store import Store

Row = dict[str, Any]
Listed = tuple[lists.Paged, int]


class Loaders:
    """DataLoaders of one request, created on first use."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._loaders: dict[Hashable, DataLoader[Any, Any]] = {}

    def node(self, label: str) -> DataLoader[str, Row | None]:
        key = ("node", label)
        if key not in self._loaders:

            async def load(ids: list[str]) -> Sequence[Row | None]:
                return await lookups.by_ids(self._store, label, ids)

            self._loaders[key] = DataLoader(load)
        return self._loaders[key]

    def origins(self) -> DataLoader[str, Any]:
        """A partner's sources and overrides, for lineage."""
        key = ("origins",)
        if key not in self._loaders:

            async def load(ids: list[str]) -> Sequence[Any]:
                found = await partner_origins(self._store, ids)
                return [found.get(i, ({}, {})) for i in ids]

            self._loaders[key] = DataLoader(load)
        return self._loaders[key]

    def lineage(self, label: str) -> DataLoader[str, Any]:
        """A record's sources, overrides and golden state, for lineage."""
        key = ("lineage", label)
        if key not in self._loaders:

            async def load(ids: list[str]) -> Sequence[Any]:
                found = await lineage_origins(self._store, label, ids)
                return [found.get(i, ([], {}, {})) for i in ids]

            self._loaders[key] = DataLoader(load)
        return self._loaders[key]

    def related(
        self, relation: Relation, window: tuple[int, int] | None = None
    ) -> DataLoader[str, Related]:
        key = ("related", relation, window)
        if key not in self._loaders:

            async def load(keys: list[str]) -> Sequence[Related]:
                found = await relations.fetch(self._store, relation, keys, window)
                return [found[k] for k in keys]

            self._loaders[key] = DataLoader(load)
        return self._loaders[key]

    def listed(self, query: lists.ListQuery, request: PageRequest) -> DataLoader[str, Listed]:
        """First pages of one filtered or ordered nested list, for each parent: the
        query's anchor names only the first parent asked for."""
        key = ("listed", query.siblings, request.size, request.backwards)
        if key not in self._loaders:

            async def load(parents: list[str]) -> Sequence[Listed]:
                return await lists.pages(self._store, query, parents, request)

            self._loaders[key] = DataLoader(load)
        return self._loaders[key]

    def invoice_totals(self) -> DataLoader[str, list[invoice_lines.MonthTotal]]:
        """A contract's checked invoice lines summed per month."""
        key = ("invoice_totals",)
        if key not in self._loaders:

            async def load(ids: list[str]) -> Sequence[list[invoice_lines.MonthTotal]]:
                found = await invoice_lines.monthly_totals(self._store, ids)
                return [found[i] for i in ids]

            self._loaders[key] = DataLoader(load)
        return self._loaders[key]

    def call_offs(self) -> DataLoader[str, list[CallOff]]:
        """The quantities a contract's checked lines counted against caps."""
        key = ("call_offs",)
        if key not in self._loaders:

            async def load(ids: list[str]) -> Sequence[list[CallOff]]:
                found = await invoice_lines.call_offs(self._store, ids)
                return [found[i] for i in ids]

            self._loaders[key] = DataLoader(load)
        return self._loaders[key]

    def forget(self) -> None:
        """Drop cached rows, e.g. after a mutation wrote new values."""
        self._loaders.clear()

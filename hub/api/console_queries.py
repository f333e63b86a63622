"""What the stewards' console asks besides the queue: one search box over every kind, and an
overview of the queue and of decisions over time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from hub.api.access import needs
from hub.api.context import Info
from hub.api.types import BusinessPartner, Contract, Document, IdentificationObject, Vehicle
from hub.auth.principal import Scope
from hub.errors import BadRequest
from hub.read import overview as overviews
from hub.read import search as searching

MAX_FOUND = 50
MAX_DAYS = 366


@strawberry.type(description="What a search found, by kind; each list at most `first` long.")
class SearchResults:
    found: strawberry.Private[searching.Found]

    async def _rows(self, info: Info, label: str) -> list[dict[str, object]]:
        ids = self.found.ids.get(label, [])
        rows = await info.context.loaders.node(label).load_many(ids)
        return [row for row in rows if row is not None]

    @strawberry.field(description="Partners by name (as a list filter's `contains`) or key.")
    async def business_partners(self, info: Info) -> list[BusinessPartner]:
        return [BusinessPartner.from_row(r) for r in await self._rows(info, "BusinessPartner")]

    @strawberry.field(description="Vehicles by VIN or a source system's key.")
    async def vehicles(self, info: Info) -> list[Vehicle]:
        return [Vehicle.from_row(r) for r in await self._rows(info, "Vehicle")]

    @strawberry.field(description="Contracts by number or a source system's key.")
    async def contracts(self, info: Info) -> list[Contract]:
        return [Contract.from_row(r) for r in await self._rows(info, "Contract")]

    @strawberry.field(description="Cards and plates by number (separators ignored) or key.")
    async def identification_objects(self, info: Info) -> list[IdentificationObject]:
        rows = await self._rows(info, "IdentificationObject")
        return [IdentificationObject.from_row(r) for r in rows]

    @strawberry.field(description="Documents by number (every revision) or key.")
    async def documents(self, info: Info) -> list[Document]:
        return [Document.from_row(r) for r in await self._rows(info, "Document")]


@strawberry.type(description="One day of the stewards' overview.")
class OverviewDay:
    day: dt.date = strawberry.field(description="The day (UTC).")
    open_at_end: int = strawberry.field(description="Candidates open at the end of the day.")
    proposed: int = strawberry.field(description="Candidates proposed that day.")
    merged: int = strawberry.field(
        description="Partners merged into another that day, automatically or by a steward."
    )
    unmerged: int = strawberry.field(description="Sources split out of their partner.")
    not_a_match: int = strawberry.field(description="Candidates a steward rejected.")
    rows_rejected: int = strawberry.field(description="Rows loads refused.")


@strawberry.type(description="How many candidates of one outcome scored in each band.")
class ScoreDistribution:
    status: str = strawberry.field(description="OPEN, MERGED or REJECTED.")
    counts: list[int] = strawberry.field(
        description="Candidates per band of 0.05: the first from 0 to 0.05, the last from "
        "0.95 to 1."
    )


@strawberry.type(description="The match queue and the stewards' work over time.")
class StewardshipOverview:
    open_now: int = strawberry.field(description="Candidates open now.")
    days: list[OverviewDay] = strawberry.field(description="Oldest first, today last.")
    scores: list[ScoreDistribution] = strawberry.field(description="Per outcome.")


@strawberry.type(description="The stewards' console's queries.")
class ConsoleQuery:
    @strawberry.field(
        metadata=needs(Scope.READ),
        description="Records a text names: partners by name, partners, vehicles, contracts, cards "
        "and documents by a source system's key, a vehicle by VIN, a card or plate by number, "
        "a document by number.",
    )
    async def search(
        self,
        info: Info,
        text: str,
        first: Annotated[
            int, strawberry.argument(description=f"At most this many per kind (<= {MAX_FOUND}).")
        ] = 10,
    ) -> SearchResults:
        if not 1 <= first <= MAX_FOUND:
            raise BadRequest(f"first: must be between 1 and {MAX_FOUND}")
        if len(text) > 200:
            raise BadRequest("text: at most 200 characters")
        return SearchResults(found=await searching.search(info.context.store, text, first))

    @strawberry.field(
        metadata=needs(Scope.STEWARD),
        description="The match queue's size at the end of each day, merges, un-merges and "
        "rejections per day, and the distribution of scores per outcome.",
    )
    async def stewardship_overview(self, info: Info, days: int = 30) -> StewardshipOverview:
        if not 1 <= days <= MAX_DAYS:
            raise BadRequest(f"days: must be between 1 and {MAX_DAYS}")
        today = dt.datetime.now(dt.UTC).date()
        found = await overviews.overview(info.context.store, days, today)
        return StewardshipOverview(
            open_now=found.open_now,
            days=[OverviewDay(**vars(day)) for day in found.days],
            scores=[
                ScoreDistribution(status=status, counts=counts)
                for status, counts in sorted(found.scores.items())
            ],
        )

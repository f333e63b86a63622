"""Quantity caps of single services: how much of a service (tyres, washes) an item covers per
contract year or per contract, and how much of it invoice lines have called off."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from graph_schema.enums import QuotaPeriod, ServiceInclusion

Period = tuple[dt.date, dt.date | None]  # first day, first day after (None: open)


@dataclass(frozen=True)
class Terms:
    """A single service's inclusion and cap."""

    inclusion: str = ServiceInclusion.DEFAULT.value
    cap: float | None = None
    period: str = QuotaPeriod.CONTRACT_YEAR.value


def service_terms(service: dict[str, Any]) -> dict[str, Any]:
    """The terms of a delivered single service as the item stores them."""
    return {
        "inclusion": service.get("inclusion") or ServiceInclusion.DEFAULT.value,
        "quantityCap": service.get("quantityCap"),
        "capPeriod": service.get("capPeriod") or QuotaPeriod.CONTRACT_YEAR.value,
    }


def terms_of(stored: str | None, count: int) -> list[Terms]:
    """The terms of an item's ``count`` services from its stored JSON (items stored before
    services had terms: the defaults)."""
    found = json.loads(stored) if stored else []
    out = [
        Terms(
            t.get("inclusion") or ServiceInclusion.DEFAULT.value,
            t.get("quantityCap"),
            t.get("capPeriod") or QuotaPeriod.CONTRACT_YEAR.value,
        )
        for t in found
    ]
    return (out + [Terms()] * count)[:count]


def _anniversary(start: dt.date, years: int) -> dt.date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year without one
        return start.replace(year=start.year + years, day=28)


def period_of(period: str, start: dt.date | None, day: dt.date) -> Period:
    """The period of a cap that ``day`` falls in: the contract year (from the anniversary of
    ``start`` on or before it; calendar years without a start), or the whole contract."""
    if period == QuotaPeriod.CONTRACT.value:
        return (start or dt.date.min, None)
    if start is None:
        return (dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1))
    years = day.year - start.year
    if _anniversary(start, years) > day:
        years -= 1
    return (_anniversary(start, years), _anniversary(start, years + 1))


def within(period: Period, day: dt.date) -> bool:
    first, after = period
    return first <= day and (after is None or day < after)


@dataclass(frozen=True)
class CallOff:
    """Quantity an invoice line counted against a cap."""

    contract: str
    item: str
    service: str
    day: dt.date
    quantity: float


def used(call_offs: list[CallOff], contract: str, item: str, service: str, period: Period) -> float:
    return sum(
        c.quantity
        for c in call_offs
        if (c.contract, c.item, c.service) == (contract, item, service) and within(period, c.day)
    )

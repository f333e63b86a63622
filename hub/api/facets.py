"""Facets of a list: how many of its records have each value of a property, under the list's
filter. The properties follow from the model (``facet=True``); each kind's facets type is
built from them, so declaring a facet there is the only edit.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import strawberry

from graph_schema import MODEL, Property
from hub.api.context import Info
from hub.api.where import PLURALS
from hub.errors import BadRequest
from hub.read import lists

_DEFAULT_TOP = 20
_MAX_TOP = 100


@strawberry.type(description="One value of a property and how many records of the list have it.")
class FacetValue:
    value: str | None = strawberry.field(
        description="The value as text (a number in digits); null: the records without one."
    )
    count: int = strawberry.field(description="How many records of the list have it.")


@strawberry.type(description="Counts per value, under the list's filter.")
class Facets:
    query: strawberry.Private[lists.ListQuery]

    @strawberry.field(description="How many records the filter lets through.")
    async def total(self, info: Info) -> int:
        return await lists.count(info.context.store, self.query)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def _counter(prop: Property) -> Any:
    async def count(self: Facets, info: Info, top: int = _DEFAULT_TOP) -> list[FacetValue]:
        if not 1 <= top <= _MAX_TOP:
            raise BadRequest(f"top must be between 1 and {_MAX_TOP}; got {top}")
        found = await lists.facet(info.context.store, self.query, prop.name, top)
        return [FacetValue(value=_text(value), count=n) for value, n in found]

    return count


def _facets(label: str) -> Any:
    """The facets type of a kind: one field per property declared ``facet``."""
    namespace: dict[str, Any] = {"__module__": __name__}
    for prop in MODEL.node(label).properties:
        if prop.facet:
            namespace[prop.name] = strawberry.field(
                resolver=_counter(prop),
                description=f"{prop.description} The most frequent values first, `top` of them "
                f"(at most {_MAX_TOP}).",
            )
    name = f"{label}Facets"
    return strawberry.type(
        type(name, (Facets,), namespace),
        name=name,
        description=f"Counts per value of a list of {PLURALS[label]}.",
    )


if TYPE_CHECKING:
    BusinessPartnerFacets = Facets
    VehicleFacets = Facets
    ContractFacets = Facets
    IdentificationObjectFacets = Facets
    DocumentFacets = Facets
    MaterialFacets = Facets
    ProjectFacets = Facets
else:
    for _label in MODEL.golden_labels:
        globals()[f"{_label}Facets"] = _facets(_label)

"""GraphQL input types: the upsert inputs and references, made from the delivery shapes
(:mod:`hub.domain.shapes`), and the inputs of processes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.types.base import has_object_definition
from strawberry.utils.str_converters import to_camel_case

from hub.api.enums import ContractChangeProcess, VehicleEventType
from hub.api.made import InputField, make_input
from hub.domain.shapes import SHAPES, Field, Shape
from hub.domain.validation import composed


def to_data(value: Any) -> Any:
    """A GraphQL input as plain data with the API's field names; unset fields are dropped."""
    if has_object_definition(value):
        data = {}
        for definition in value.__strawberry_definition__.fields:
            item = getattr(value, definition.python_name)
            if item is None or item is strawberry.UNSET:
                continue
            name = definition.graphql_name or to_camel_case(definition.python_name)
            data[name] = to_data(item)
        return data
    if isinstance(value, list):
        return [to_data(v) for v in value]
    if isinstance(value, Enum) and not dataclasses.is_dataclass(value):
        return value.value
    return value


def sets_any(value: Any) -> bool:
    """Whether an input gives any field (``to_data(value)`` would not be empty), without
    converting it."""
    return any(
        getattr(value, definition.python_name) not in (None, strawberry.UNSET)
        for definition in value.__strawberry_definition__.fields
    )


def cleared_of(value: Any) -> frozenset[str]:
    """The fields of an input given as null or as blank text, by their API names: a source
    system clears its value so (an unset field keeps it)."""
    names = set()
    for definition in value.__strawberry_definition__.fields:
        item = getattr(value, definition.python_name)
        if item is None or (isinstance(item, str) and not composed(item).strip()):
            names.add(definition.graphql_name or to_camel_case(definition.python_name))
    return frozenset(names)


# ---- upsert inputs, made from the delivery shapes ---------------------------------------------

_ANNOTATIONS = {
    "String": "str",
    "Int": "int",
    "Float": "float",
    "Boolean": "bool",
    "Date": "dt.date",
    "DateTime": "dt.datetime",
    "ID": "strawberry.ID",
}


def _annotation(item: Field) -> str:
    if item.values is not None:
        globals()[item.type] = item.values  # a GraphQL enum already (hub.api.enums)
    named = _ANNOTATIONS.get(item.type, item.type)
    return f"list[{named}]" if item.many else named


def _input(shape: Shape) -> Any:
    fields = [
        InputField(item.name, _annotation(item), item.description, item.required)
        for item in shape.fields
    ]
    # A field left out is unset, one given as null is None: a delivery clears a value so.
    return make_input(__name__, shape.name, shape.description, fields, strawberry.UNSET)


if TYPE_CHECKING:
    SourceRefInput = Any
    PartnerRefInput = Any
    VehicleRefInput = Any
    ContractRefInput = Any
    ContractItemRefInput = Any
    EntityRefInput = Any
    AddressInput = Any
    BusinessPartnerInput = Any
    VehicleInput = Any
    SingleServiceInput = Any
    ContractPartyInput = Any
    ContractItemInput = Any
    ContractInput = Any
    IdentificationObjectInput = Any
    DocumentInput = Any
    MaterialRefInput = Any
    MaterialDescriptionInput = Any
    MaterialPriceInput = Any
    MaterialInput = Any
    DocumentRefInput = Any
    ProjectPartyInput = Any
    ProjectInput = Any
else:
    for _shape in SHAPES.values():  # in order: a shape names only those made before it
        _input(_shape)

# Filters are in hub.api.where and orderBy in hub.api.ordering, both derived from the model.


# ---- process inputs ---------------------------------------------------------------------------


@strawberry.input(description="What a CHOA changes on one item.")
class ContractItemChangeInput:
    product: str | None = strawberry.field(default=None, description="Its new product code.")
    single_services: list[SingleServiceInput] | None = strawberry.field(
        default=None,
        description="Its services from now on, replacing the list; a MANDATORY service "
        "cannot be left out.",
    )
    end_date: dt.date | None = strawberry.field(
        default=None,
        description="Its last day from now on, within its contract's period (an item may end "
        "before its contract).",
    )


@strawberry.input(description="An entry for a vehicle's history.")
class VehicleEventInput:
    vehicle: VehicleRefInput = strawberry.field(description="The vehicle.")
    type: VehicleEventType = strawberry.field(description="What happened.")
    occurred_at: dt.datetime = strawberry.field(description="When it happened (with offset).")
    mileage_km: int | None = strawberry.field(default=None, description="Odometer reading.")
    description: str | None = strawberry.field(default=None, description="Free text.")


@strawberry.input(description="A change process to apply to a contract.")
class ContractChangeInput:
    contract: ContractRefInput = strawberry.field(description="The contract.")
    process: ContractChangeProcess = strawberry.field(description="The process.")
    effective_date: dt.date = strawberry.field(description="Date the change takes effect.")
    new_lessee: PartnerRefInput | None = strawberry.field(
        default=None, description="New lessee (LCOO)."
    )
    new_end_date: dt.date | None = strawberry.field(default=None, description="New end (BLEX).")
    item: ContractItemRefInput | None = strawberry.field(
        default=None,
        description="The one item the change addresses: ETER and TERM end it, BLEX "
        "extends it (within the contract), CHOA changes its attributes; its cards and plates "
        "follow. None: the whole contract (LCOO and LCOP always address the contract).",
    )
    attributes: ContractItemChangeInput | None = strawberry.field(
        default=None, description="CHOA of an item: what changes on it."
    )
    party: ContractPartyInput | None = strawberry.field(
        default=None,
        description="LCOP: the role (not LESSEE) and the partner who takes it from the "
        "effective date; who held it stays listed until the day before.",
    )
    keep_card_holders: bool | None = strawberry.field(
        default=False,
        description="LCOO: leave the contract's cards and plates with the holders they have; "
        "by default those the previous lessee held pass to the new one.",
    )
    change_id: str | None = strawberry.field(
        default=None,
        description="Your id for this change (at most 128 characters): sent again, a change "
        "the contract applied already is not applied twice (changed: false); an id given to "
        "another process or day of the contract is a CONFLICT.",
    )

"""GraphQL input types: references, filters, ordering and the upsert inputs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import Enum
from typing import Any

import strawberry
from strawberry.types.base import has_object_definition
from strawberry.utils.str_converters import to_camel_case

from hub.api.enums import (
    ContractChangeProcess,
    ContractItemKind,
    ContractPartyRole,
    ContractStatus,
    ContractType,
    DocumentType,
    IdentificationKind,
    PartnerKind,
    PartnerRole,
    ReleaseStatus,
    VehicleEventType,
)


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


# ---- references -------------------------------------------------------------------------------


@strawberry.input(description="A source system's own key, e.g. ERP / 0000100234.")
class SourceRefInput:
    system: str = strawberry.field(description="Source system, e.g. CRM, ERP, VMS, PDM.")
    key: str = strawberry.field(description="The record's key in that system.")


@strawberry.input(description="Refers to a business partner: give id or source.")
class PartnerRefInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Hub ID.")
    source: SourceRefInput | None = strawberry.field(default=None, description="Source key.")


@strawberry.input(description="Refers to a vehicle: give id, vin or source.")
class VehicleRefInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Hub ID.")
    vin: str | None = strawberry.field(default=None, description="VIN.")
    source: SourceRefInput | None = strawberry.field(default=None, description="Source key.")


@strawberry.input(description="Refers to a contract: give id, number or source.")
class ContractRefInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Hub ID.")
    number: str | None = strawberry.field(default=None, description="Contract number.")
    source: SourceRefInput | None = strawberry.field(default=None, description="Source key.")


@strawberry.input(description="Refers to a record of any kind: give id or source.")
class EntityRefInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Hub ID.")
    source: SourceRefInput | None = strawberry.field(default=None, description="Source key.")


# Filters are in hub.api.where and orderBy in hub.api.ordering, both derived from the model.


# ---- upsert inputs ----------------------------------------------------------------------------


@strawberry.input(description="A postal address.")
class AddressInput:
    street: str | None = strawberry.field(default=None, description="Street name.")
    house_number: str | None = strawberry.field(default=None, description="House number.")
    postal_code: str | None = strawberry.field(default=None, description="Postal code.")
    city: str | None = strawberry.field(default=None, description="City.")
    country: str | None = strawberry.field(default=None, description="ISO 3166-1 alpha-2 code.")


_SOURCE = "The sending system and its own key for this record."
_KEEP = "Values left out (null) keep what the hub has; lists given replace the stored list."


@strawberry.input(description=f"A business partner as a source system sees it. {_KEEP}")
class BusinessPartnerInput:
    source: SourceRefInput = strawberry.field(description=_SOURCE)
    kind: PartnerKind = strawberry.field(description="Person, organisation or group.")
    first_name: str | None = strawberry.field(default=None, description="Given name.")
    last_name: str | None = strawberry.field(default=None, description="Family name (persons).")
    organization_name: str | None = strawberry.field(
        default=None, description="Name (organisations and groups)."
    )
    birth_date: dt.date | None = strawberry.field(default=None, description="Date of birth.")
    tax_number: str | None = strawberry.field(default=None, description="Tax or VAT number.")
    email: str | None = strawberry.field(default=None, description="E-mail address.")
    phone: str | None = strawberry.field(default=None, description="Phone number.")
    roles: list[PartnerRole] | None = strawberry.field(default=None, description="Roles.")
    addresses: list[AddressInput] | None = strawberry.field(default=None, description="Addresses.")


@strawberry.input(description=f"A vehicle as a source system sees it. {_KEEP}")
class VehicleInput:
    source: SourceRefInput = strawberry.field(description=_SOURCE)
    vin: str = strawberry.field(description="VIN; identifies the vehicle across systems.")
    make: str | None = strawberry.field(default=None, description="Make.")
    model: str | None = strawberry.field(default=None, description="Model.")
    model_year: int | None = strawberry.field(default=None, description="Model year.")
    configuration: list[str] | None = strawberry.field(default=None, description="Option codes.")
    owner: PartnerRefInput | None = strawberry.field(default=None, description="Owner.")
    dealer: PartnerRefInput | None = strawberry.field(default=None, description="Dealer.")


@strawberry.input(description="An entry for a vehicle's history.")
class VehicleEventInput:
    vehicle: VehicleRefInput = strawberry.field(description="The vehicle.")
    type: VehicleEventType = strawberry.field(description="What happened.")
    occurred_at: dt.datetime = strawberry.field(description="When it happened (with offset).")
    mileage_km: int | None = strawberry.field(default=None, description="Odometer reading.")
    description: str | None = strawberry.field(default=None, description="Free text.")


@strawberry.input(description="A single service with its coverage.")
class SingleServiceInput:
    code: str = strawberry.field(description="Service code.")
    coverage_percent: int = strawberry.field(description="0 or 100.")


@strawberry.input(description="A party to a contract.")
class ContractPartyInput:
    role: ContractPartyRole = strawberry.field(description="Role in the contract.")
    partner: PartnerRefInput = strawberry.field(description="The partner.")


@strawberry.input(description="An item of a contract.")
class ContractItemInput:
    uiid: str = strawberry.field(description="Unique item identifier; never changes.")
    kind: ContractItemKind = strawberry.field(description="Financing or service item.")
    product: str | None = strawberry.field(default=None, description="Product code.")
    single_services: list[SingleServiceInput] | None = strawberry.field(
        default=None, description="Single services (service items)."
    )
    covered_vehicles: list[VehicleRefInput] | None = strawberry.field(
        default=None, description="Vehicles the item covers."
    )


@strawberry.input(description=f"A contract as a source system sees it. {_KEEP}")
class ContractInput:
    source: SourceRefInput = strawberry.field(description=_SOURCE)
    number: str = strawberry.field(description="Contract number; identifies the contract.")
    type: ContractType = strawberry.field(description="Leasing, service or financing.")
    status: ContractStatus | None = strawberry.field(
        default=None, description="Status; DRAFT when new and not given."
    )
    start_date: dt.date | None = strawberry.field(default=None, description="Start date.")
    end_date: dt.date | None = strawberry.field(default=None, description="End date.")
    parties: list[ContractPartyInput] | None = strawberry.field(
        default=None, description="Parties."
    )
    items: list[ContractItemInput] | None = strawberry.field(default=None, description="Items.")


@strawberry.input(description="A change process to apply to a contract.")
class ContractChangeInput:
    contract: ContractRefInput = strawberry.field(description="The contract.")
    process: ContractChangeProcess = strawberry.field(description="The process.")
    effective_date: dt.date = strawberry.field(description="Date the change takes effect.")
    new_lessee: PartnerRefInput | None = strawberry.field(
        default=None, description="New lessee (LCOO)."
    )
    new_end_date: dt.date | None = strawberry.field(default=None, description="New end (BLEX).")


@strawberry.input(description=f"An identification object as a source sees it. {_KEEP}")
class IdentificationObjectInput:
    source: SourceRefInput = strawberry.field(description=_SOURCE)
    kind: IdentificationKind = strawberry.field(description="Kind; with number identifies it.")
    number: str = strawberry.field(description="Card or plate number.")
    valid_from: dt.date | None = strawberry.field(default=None, description="First valid day.")
    valid_to: dt.date | None = strawberry.field(default=None, description="Last valid day.")
    vehicle: VehicleRefInput | None = strawberry.field(default=None, description="Bound vehicle.")
    holder: PartnerRefInput | None = strawberry.field(default=None, description="Holder.")
    contract: ContractRefInput | None = strawberry.field(
        default=None, description="Contract it is issued under."
    )


@strawberry.input(description=f"A document revision as a source sees it. {_KEEP}")
class DocumentInput:
    source: SourceRefInput = strawberry.field(description=_SOURCE)
    number: str = strawberry.field(description="Document number.")
    revision: str = strawberry.field(description="Revision; with number identifies it.")
    type: DocumentType = strawberry.field(description="Document type.")
    title: str | None = strawberry.field(default=None, description="Title.")
    release_status: ReleaseStatus | None = strawberry.field(
        default=None, description="Release status; IN_WORK when new and not given."
    )
    about: list[EntityRefInput] | None = strawberry.field(
        default=None, description="Partners, vehicles and contracts it concerns."
    )

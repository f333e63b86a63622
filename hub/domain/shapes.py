"""What a delivery of each kind may hold: its fields, their types, which are required.

A record's own values come from the model (the properties a delivery sets, see
:attr:`graph_schema.Property.delivered`); a shape adds what is not one of its values: the
sending source, references to other records, and lists of child inputs. The GraphQL upsert
inputs, the loaders' columns, their casts and their check for unknown fields are all made
from these shapes, so a property declared in the model is an input field with no other edit.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graph_schema import MODEL, Property, PropertyType
from graph_schema.enums import (
    ContractPartyRole,
    PartnerRelationshipType,
    ProjectPartnerRole,
    QuotaPeriod,
    ServiceInclusion,
)
from hub.domain import problems as codes
from hub.domain.kinds import slots_of
from hub.domain.problems import Path, Problem

Vocabulary = type[Enum]

_TYPES = {
    PropertyType.STRING: "String",
    PropertyType.STRING_LIST: "String",
    PropertyType.INTEGER: "Int",
    PropertyType.INTEGER_LIST: "Int",
    PropertyType.FLOAT: "Float",
    PropertyType.BOOLEAN: "Boolean",
    PropertyType.DATE: "Date",
    PropertyType.DATETIME: "DateTime",
}
_LISTS = frozenset({PropertyType.STRING_LIST, PropertyType.INTEGER_LIST})


@dataclass(frozen=True)
class Field:
    """One field of an input. ``type`` names a GraphQL scalar (String, Int, Float, Boolean,
    Date, DateTime, ID), a vocabulary (then ``values`` is its enum) or another shape;
    ``many`` makes it a list of them."""

    name: str
    type: str
    description: str
    required: bool = False
    many: bool = False
    values: Vocabulary | None = None

    @property
    def nested(self) -> bool:
        """Its values are inputs of another shape."""
        return self.type in SHAPES


@dataclass(frozen=True)
class Shape:
    name: str
    description: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _of(prop: Property, key: tuple[str, ...]) -> Field:
    """The input field of a property a delivery sets; ``key`` is its record's natural key."""
    about = prop.description
    if prop.name in key:
        others = " and ".join(name for name in key if name != prop.name)
        about = f"{about} {'With ' + others + ' i' if others else 'I'}dentifies the record."
    if prop.default is not None:
        about = f"{about} {prop.default} when new and not given."
    return Field(
        prop.name,
        prop.values.__name__ if prop.values is not None else _TYPES[prop.type],
        about,
        required=prop.demanded,
        many=prop.type in _LISTS,
        values=prop.values,
    )


def values_of(label: str) -> tuple[Field, ...]:
    """The fields of the values a delivery of ``label`` sets, as the model declares them."""
    node = MODEL.node(label)
    return tuple(_of(prop, node.natural_key) for prop in node.delivered_properties)


# The input that refers to a record of each kind (None: of any kind).
_REFERS_TO = {
    "BusinessPartner": "PartnerRefInput",
    "Vehicle": "VehicleRefInput",
    "Contract": "ContractRefInput",
    "Material": "MaterialRefInput",
    "Document": "DocumentRefInput",
    None: "EntityRefInput",
}


def references_of(label: str) -> tuple[Field, ...]:
    """The input fields of a kind's plain references, as the model's relationships declare
    them (an owner, a project's documents)."""
    return tuple(
        Field(slot.name, _REFERS_TO[slot.label], slot.description, many=slot.many)
        for slot in slots_of(label)
        if slot.plain
    )


_KEEP = "Values left out (null) keep what the hub has; lists given replace the stored list."
_SOURCE = Field(
    "source", "SourceRefInput", "The sending system and its own key for this record.", True
)
_ID = Field("id", "ID", "Hub ID.")
_BY_SOURCE = Field("source", "SourceRefInput", "Source key.")


_SHAPES = (
    Shape(
        "SourceRefInput",
        "A source system's own key, e.g. ERP / 0000100234.",
        (
            Field("system", "String", "Source system, e.g. CRM, ERP, VMS, PDM.", True),
            Field("key", "String", "The record's key in that system.", True),
        ),
    ),
    Shape("PartnerRefInput", "Refers to a business partner: give id or source.", (_ID, _BY_SOURCE)),
    Shape(
        "VehicleRefInput",
        "Refers to a vehicle: give id, vin or source.",
        (_ID, Field("vin", "String", "VIN."), _BY_SOURCE),
    ),
    Shape(
        "ContractRefInput",
        "Refers to a contract: give id, number or source.",
        (_ID, Field("number", "String", "Contract number."), _BY_SOURCE),
    ),
    Shape(
        "ContractItemRefInput",
        "One item of a contract, by its UIID.",
        (Field("uiid", "String", "The item's unique identifier.", True),),
    ),
    Shape(
        "MaterialRefInput",
        "Refers to a material: give id, number or source.",
        (_ID, Field("number", "String", "Material number."), _BY_SOURCE),
    ),
    Shape(
        "DocumentRefInput",
        "Refers to a document revision: give id, number and revision, or source.",
        (
            _ID,
            Field("number", "String", "Document number (with revision)."),
            Field("revision", "String", "Revision (with number)."),
            _BY_SOURCE,
        ),
    ),
    Shape(
        "EntityRefInput", "Refers to a record of any kind: give id or source.", (_ID, _BY_SOURCE)
    ),
    Shape("AddressInput", "A postal address.", values_of("Address")),
    Shape(
        "PartnerRelationshipInput",
        "How the partner relates to another one, from when to when.",
        (
            Field(
                "type",
                "PartnerRelationshipType",
                "How it relates: it is CONTACT_PERSON_OF, SUBSIDIARY_OF or DEALER_OF the "
                "partner; the partner is its SOLD_TO, SHIP_TO, BILL_TO or PAYER party.",
                True,
                values=PartnerRelationshipType,
            ),
            Field("partner", "PartnerRefInput", "The other partner.", True),
            Field("validFrom", "Date", "First day it holds."),
            Field("validTo", "Date", "Last day it holds."),
        ),
    ),
    Shape(
        "BusinessPartnerInput",
        f"A business partner as a source system sees it. {_KEEP}",
        (
            _SOURCE,
            *values_of("BusinessPartner"),
            Field("addresses", "AddressInput", "Addresses.", many=True),
            Field(
                "relationships",
                "PartnerRelationshipInput",
                "Its relationships to other partners; what every source says holds.",
                many=True,
            ),
        ),
    ),
    Shape(
        "MaterialDescriptionInput",
        "A material's description in one language.",
        values_of("MaterialDescription"),
    ),
    Shape(
        "MaterialPriceInput",
        "A price of a material, of one type, for one base unit.",
        values_of("MaterialPrice"),
    ),
    Shape(
        "MaterialInput",
        f"A material as a source system (the ERP) sees it. {_KEEP}",
        (
            _SOURCE,
            *values_of("Material"),
            Field(
                "descriptions",
                "MaterialDescriptionInput",
                "Descriptions, one per language; the first is the material's description.",
                many=True,
            ),
            Field("prices", "MaterialPriceInput", "Prices.", many=True),
        ),
    ),
    Shape(
        "VehicleInput",
        f"A vehicle as a source system sees it. {_KEEP}",
        (
            _SOURCE,
            *values_of("Vehicle"),
            *references_of("Vehicle"),
        ),
    ),
    Shape(
        "SingleServiceInput",
        "A single service with its coverage.",
        (
            Field("code", "String", "Service code.", True),
            Field("coveragePercent", "Int", "0 or 100.", True),
            Field(
                "inclusion",
                "ServiceInclusion",
                "How it belongs to the item (DEFAULT when not given).",
                values=ServiceInclusion,
            ),
            Field(
                "quantityCap",
                "Float",
                "Most quantity covered per capPeriod (e.g. 8 tyres); none: no cap. Invoice "
                "lines above it are QUOTA_EXCEEDED for the part above.",
            ),
            Field(
                "capPeriod",
                "QuotaPeriod",
                "What the cap counts over (CONTRACT_YEAR when not given).",
                values=QuotaPeriod,
            ),
        ),
    ),
    Shape(
        "ContractPartyInput",
        "A party to a contract.",
        (
            Field(
                "role", "ContractPartyRole", "Role in the contract.", True, values=ContractPartyRole
            ),
            Field("partner", "PartnerRefInput", "The partner.", True),
        ),
    ),
    Shape(
        "ContractItemInput",
        "An item of a contract.",
        (
            *values_of("ContractItem"),
            Field(
                "singleServices",
                "SingleServiceInput",
                "Single services (service items).",
                many=True,
            ),
            Field("coveredVehicles", "VehicleRefInput", "Vehicles the item covers.", many=True),
        ),
    ),
    Shape(
        "ContractInput",
        f"A contract as a source system sees it. {_KEEP}",
        (
            _SOURCE,
            *values_of("Contract"),
            Field("parties", "ContractPartyInput", "Parties.", many=True),
            Field("items", "ContractItemInput", "Items.", many=True),
        ),
    ),
    Shape(
        "IdentificationObjectInput",
        f"An identification object as a source sees it. {_KEEP}",
        (
            _SOURCE,
            *values_of("IdentificationObject"),
            *references_of("IdentificationObject"),
            Field(
                "item",
                "ContractItemRefInput",
                "The contract item it is issued under; its contract is then the object's.",
            ),
        ),
    ),
    Shape(
        "DocumentInput",
        f"A document revision as a source sees it. {_KEEP}",
        (
            _SOURCE,
            *values_of("Document"),
            *references_of("Document"),
        ),
    ),
    Shape(
        "ProjectPartyInput",
        "A partner taking part in a project.",
        (
            Field(
                "role",
                "ProjectPartnerRole",
                "Its part in the project.",
                True,
                values=ProjectPartnerRole,
            ),
            Field("partner", "PartnerRefInput", "The partner.", True),
        ),
    ),
    Shape(
        "ProjectInput",
        f"A project as a source system (CRM or PDM) sees it. {_KEEP}",
        (
            _SOURCE,
            *values_of("Project"),
            Field("partners", "ProjectPartyInput", "Partners taking part.", many=True),
            *references_of("Project"),
        ),
    ),
)

SHAPES: dict[str, Shape] = {shape.name: shape for shape in _SHAPES}

# The input of each kind of golden record a delivery writes.
INPUTS: dict[str, Shape] = {label: SHAPES[f"{label}Input"] for label in MODEL.golden_labels}


def unknown_in(shape: Shape, row: Any, at: Path = ()) -> Iterator[Problem]:
    """``UNKNOWN_FIELD`` for every field of the nested ``row`` that ``shape`` does not know:
    such a field is refused, never dropped in silence."""
    if not isinstance(row, dict):
        return
    for name, value in row.items():
        found = shape.field(str(name))
        if found is None:
            yield unknown_field((*at, name), shape)
            continue
        inner = SHAPES.get(found.type)
        if inner is None:
            continue
        if found.many and isinstance(value, list):
            for i, item in enumerate(value):
                yield from unknown_in(inner, item, (*at, name, i))
        else:
            yield from unknown_in(inner, value, (*at, name))


def unknown_field(path: Path, shape: Shape) -> Problem:
    """``UNKNOWN_FIELD`` for the last part of ``path``, naming the closest field ``shape``
    knows, else the fields it has."""
    name = str(path[-1])
    known = [f.name for f in shape.fields]
    # Only a near spelling is worth naming (modelyear, firstname): else the fields there are.
    lowered = {k.lower(): k for k in known}
    closest = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    dotted = ".".join(str(p) for p in path)
    hint = (
        f"; did you mean {lowered[closest[0]]}?" if closest else f"; known here: {', '.join(known)}"
    )
    return Problem(path, codes.UNKNOWN_FIELD, f"unknown field {dotted}{hint}")

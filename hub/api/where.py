"""The GraphQL ``where`` inputs, built from :data:`hub.read.filters.WHERE`, which the model
drives: a property declared filterable is a field here with no further edit.

Each input type is made as a class in this module's namespace, so that the type names its
fields mention (``VehicleWhere`` inside ``BusinessPartnerWhere``) resolve as they would for a
class written out.
"""

from __future__ import annotations

import datetime as dt  # noqa: F401 - the date filters' annotations name dt.date
from typing import TYPE_CHECKING, Any

from graph_schema import MODEL, PropertyType
from graph_schema import enums as e
from hub.api import enums as _registered  # noqa: F401 - the enums are GraphQL enums first
from hub.api.made import InputField, make_input
from hub.read.filters import CHOICE, LIST, ORDERED, TEXT, WHERE, WHERE_LABELS, operator_type

_OPERATORS = {
    "eq": "Equal to.",
    "neq": "Not equal to, or without a value.",
    "in": "One of.",
    "notIn": "None of, or without a value.",
    "isNull": "true: without a value; false: with one.",
    "gt": "Greater (later) than.",
    "gte": "Greater (later) than or equal to.",
    "lt": "Less (earlier) than.",
    "lte": "Less (earlier) than or equal to.",
    "contains": "Contains, ignoring case, accents and umlaut spelling (Müller finds "
    "MUELLER); Chinese characters and pinyin find each other where the record has both.",
    "startsWith": "Starts with, ignoring case and accents as contains does.",
    "containsExact": "Contains, exactly as given (case and accents count).",
    "startsWithExact": "Starts with, exactly as given.",
    "includes": "The list includes this value.",
    "includesAny": "The list includes at least one of these values.",
    "includesAll": "The list includes every one of these values.",
    "isEmpty": "true: the list is empty (or missing); false: it has a value.",
}

_LIST_OPERATORS = frozenset({"in", "notIn", "includesAny", "includesAll"})


def _make_input(name: str, description: str, fields: dict[str, tuple[str, str]]) -> Any:
    """A filter input named ``name`` with ``fields``: GraphQL name -> (annotation,
    description); every field is optional."""
    listed = [InputField(n, annotation, about) for n, (annotation, about) in fields.items()]
    return make_input(__name__, name, description, listed)


def _operator_input(name: str, value: str, ops: tuple[str, ...], what: str) -> Any:
    fields = {}
    for op in ops:
        if op in ("isNull", "isEmpty"):
            annotation = "bool"
        else:
            annotation = f"list[{value}]" if op in _LIST_OPERATORS else value
        fields[op] = (annotation, _OPERATORS[op])
    return _make_input(name, f"Conditions on {what}; all given conditions must hold.", fields)


StringFilter = _operator_input("StringFilter", "str", TEXT, "a text")
IntFilter = _operator_input("IntFilter", "int", ORDERED, "a whole number")
FloatFilter = _operator_input("FloatFilter", "float", ORDERED, "a number")
DateFilter = _operator_input("DateFilter", "dt.date", ORDERED, "a date")
DateTimeFilter = _operator_input("DateTimeFilter", "dt.datetime", ORDERED, "a point in time")

# Every closed vocabulary a filterable property holds, in the model's order: the operators
# of a value of it, or of a list of them.
_FILTERABLE = [
    prop
    for label in WHERE_LABELS
    for prop in MODEL.node(label).properties
    if prop.filterable and prop.values is not None
]
for _prop in _FILTERABLE:
    assert _prop.values is not None
    _name = _prop.values.__name__
    globals()[_name] = _prop.values
    _filter = operator_type(_prop)
    if _filter not in globals():
        many = _prop.type is PropertyType.STRING_LIST
        _operator_input(
            _filter, _name, LIST if many else CHOICE, "a list of values" if many else "a value"
        )

globals()["PartnerRelationshipType"] = e.PartnerRelationshipType
globals()["RelationshipDirection"] = e.RelationshipDirection
PartnerRelationshipWhere = _make_input(
    "PartnerRelationshipWhere",
    "Conditions on a relationship between partners; all given conditions must hold.",
    {
        "type": ("PartnerRelationshipType", "It is of this type."),
        "direction": (
            "RelationshipDirection",
            "The filtered partner is its subject "
            "(OUTGOING) or the other end (INCOMING); either when not given.",
        ),
        "partner": ("BusinessPartnerWhere", "The partner at the other end matches."),
    },
)

_SCALARS = {"String": "str", "Int": "int", "Float": "float"}
# How the API's descriptions name the records of each kind.
PLURALS = {
    "BusinessPartner": "business partners",
    "Vehicle": "vehicles",
    "Contract": "contracts",
    "IdentificationObject": "identification objects",
    "Document": "documents",
    "Material": "materials",
    "Project": "projects",
}


def _where(label: str) -> Any:
    name = f"{label}Where"
    fields = {
        "AND": (f"list[{name}]", "All of these filters hold."),
        "OR": (f"list[{name}]", "At least one of these filters holds."),
        "NOT": (name, "This filter does not hold."),
    }
    for field_name, spec in WHERE[label].items():
        fields[field_name] = (_SCALARS.get(spec.input_type, spec.input_type), spec.description)
    return _make_input(name, f"Filter for {PLURALS[label]}.", fields)


if TYPE_CHECKING:
    BusinessPartnerWhere = Any
    VehicleWhere = Any
    ContractWhere = Any
    IdentificationObjectWhere = Any
    DocumentWhere = Any
    MaterialWhere = Any
    ProjectWhere = Any
else:
    for _label in WHERE_LABELS:
        _where(_label)  # made in this module's namespace, by its name

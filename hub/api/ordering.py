"""The lists' ``orderBy`` inputs, derived from the model: every property declared
``sortable`` is a value of its kind's sort-field enum (``MODEL_YEAR`` sorts by
``modelYear``)."""

from __future__ import annotations

import re
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from graph_schema import MODEL
from hub.api.where import PLURALS
from hub.read.filters import WHERE_LABELS

_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")


@strawberry.enum(description="Sort order.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


def _order_by(label: str) -> Any:
    plural = PLURALS[label]
    fields = Enum(  # type: ignore[misc]  # a functional Enum with members from the model
        f"{label}SortField",
        {
            _WORD_START.sub("_", prop.name).upper(): prop.name
            for prop in MODEL.node(label).properties
            if prop.sortable
        },
    )
    strawberry.enum(fields, description=f"Fields {plural} can be sorted by.")
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": {"field": fields, "direction": SortDirection},
        "field": strawberry.field(description="Field to sort by."),
        "direction": strawberry.field(default=SortDirection.ASC, description="Order."),
    }
    name = f"{label}OrderBy"
    return strawberry.input(
        type(name, (), namespace), name=name, description=f"One sort key for {plural}."
    )


if TYPE_CHECKING:
    BusinessPartnerOrderBy = Any
    VehicleOrderBy = Any
    ContractOrderBy = Any
    IdentificationObjectOrderBy = Any
    DocumentOrderBy = Any
    MaterialOrderBy = Any
    ProjectOrderBy = Any
else:
    for _label in WHERE_LABELS:
        globals()[f"{_label}OrderBy"] = _order_by(_label)

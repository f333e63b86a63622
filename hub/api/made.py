"""GraphQL input types made at import from declarations (the model's filters, the delivery
shapes), instead of written out as classes.

Each made type is put in the namespace of the module that makes it, so that the type names
its fields mention resolve as they would for a class written out there.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.utils.str_converters import to_snake_case


@dataclass(frozen=True)
class InputField:
    """A field of a made input: its GraphQL name, its type as the making module names it
    (``str``, ``list[AddressInput]``), and whether a value must be given."""

    name: str
    annotation: str
    description: str
    required: bool = False


def _python_name(graphql_name: str) -> str:
    if graphql_name in ("in", "AND", "OR", "NOT"):
        return graphql_name.lower() + "_"  # not a keyword, not a builtin
    return to_snake_case(graphql_name)


def make_input(
    module: str, name: str, description: str, fields: list[InputField], left_out: Any = None
) -> Any:
    """The strawberry input ``name`` with ``fields``, made in ``module``; an optional field
    left out reads as ``left_out`` (``strawberry.UNSET`` tells it from one given as null)."""
    annotations: dict[str, str] = {}
    namespace: dict[str, Any] = {"__module__": module, "__annotations__": annotations}
    for item in fields:
        python_name = _python_name(item.name)
        if item.required:
            annotations[python_name] = item.annotation
            namespace[python_name] = strawberry.field(name=item.name, description=item.description)
        else:
            annotations[python_name] = f"{item.annotation} | None"
            namespace[python_name] = strawberry.field(
                default=left_out, name=item.name, description=item.description
            )
    made = strawberry.input(type(name, (), namespace), name=name, description=description)
    vars(sys.modules[module])[name] = made
    return made

"""The planned executor's argument converters build what strawberry's conversion builds, for
every argument of every field of the schema."""

import base64
import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from strawberry.relay import GlobalID
from strawberry.scalars import JSON
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from hub.api import build_schema
from hub.engine.arguments import arguments_converter

_SCALARS: dict[str, Any] = {
    "String": "Müller",
    "Int": 3,
    "Float": 1.5,
    "Boolean": True,
    # A relay global ID is parsed from its text; a plain ID is kept as it is.
    "ID": base64.b64encode(b"BusinessPartner:p-1").decode(),
    "Date": dt.date(2026, 1, 2),
    "DateTime": dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC),
    "Decimal": Decimal("71.40"),
    "JSON": {"a": [1, 2]},
}


def _sample(type_: GraphQLInputType, depth: int, sparse: bool) -> Any:
    """A value of ``type_`` as graphql-core hands it to a resolver."""
    if isinstance(type_, GraphQLNonNull):
        return _sample(type_.of_type, depth, sparse)
    if isinstance(type_, GraphQLList):
        return [_sample(type_.of_type, depth, sparse) for _ in range(2)]
    if isinstance(type_, GraphQLScalarType):
        return _SCALARS.get(type_.name, "x")
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values.values())).value
    assert isinstance(type_, GraphQLInputObjectType)
    value: dict[str, Any] = {}
    for i, (name, input_field) in enumerate(type_.fields.items()):
        required = isinstance(input_field.type, GraphQLNonNull)
        if depth == 0 and not required:
            continue  # a filter's AND of filters' AND ...: two levels are enough
        if sparse and not required and i % 2:
            continue
        value[name] = (
            None if i % 3 == 2 and not required else _sample(input_field.type, depth - 1, sparse)
        )
    return value


def test_every_fields_arguments_convert_as_strawberry_converts_them() -> None:
    schema = build_schema()
    config, scalars = schema.config, schema.schema_converter.scalar_registry
    compared = 0
    for type_ in schema._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            definition = field.extensions.get("strawberry-definition")
            if not field.args or not isinstance(definition, StrawberryField):
                continue
            convert = arguments_converter(definition.arguments, config, scalars)
            if convert is None:
                continue
            for sparse in (False, True):
                given = {n: _sample(a.type, 2, sparse) for n, a in field.args.items()}
                expected = convert_arguments(
                    given, definition.arguments, scalar_registry=scalars, config=config
                )
                assert convert(given) == expected, f"{type_.name}.{name}"
                compared += 1
    assert compared > 100, compared


def test_global_ids_json_and_maybe_are_left_to_strawberry() -> None:
    @strawberry.enum
    class Make(enum.Enum):
        BMW = "BMW"
        VW = "VW"

    @strawberry.type
    class Query:
        @strawberry.field
        def makes(self, makes: list[Make], first: int | None = None) -> int:
            return 0

        @strawberry.field
        def named(self, id: GlobalID) -> int:
            return 0

        @strawberry.field
        def values(self, given: JSON) -> int:
            return 0

        @strawberry.field
        def maybe(self, given: strawberry.Maybe[str | None] = None) -> int:
            return 0

    schema = strawberry.Schema(query=Query)
    config, scalars = schema.config, schema.schema_converter.scalar_registry
    fields = {f.python_name: f for f in get_object_definition(Query, strict=True).fields}
    convert = arguments_converter(fields["makes"].arguments, config, scalars)
    assert convert is not None
    given = {"makes": [Make.BMW, Make.VW], "first": 2}
    assert convert(given) == {"makes": [Make.BMW, Make.VW], "first": 2}
    assert convert(given)["makes"] is not given["makes"], "a list is copied"
    for name in ("named", "values", "maybe"):
        assert arguments_converter(fields[name].arguments, config, scalars) is None, name

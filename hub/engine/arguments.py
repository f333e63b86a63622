"""Arguments converted as strawberry converts them, by converters made once per type.

strawberry's ``convert_arguments`` works out anew for every value what its type is and how to
build it (it resolves the type of each field of each input object), which for a list's
filter of some twenty fields with a list of twenty names cost about 0.3 ms a request. The
converters here make the same values (input objects built with the same implicit nulls, lists
copied, leaves as graphql-core coerced them) from a plan made when a field is first planned.
A type they do not build the same way gives no converter, and strawberry converts the
field's arguments itself:

- ``Maybe``, which strawberry wraps, and an input that builds itself (``from_input``);
- a relay ``GlobalID``, whose conversion can fail: strawberry raises that error when an
  ``async`` resolver is awaited, not when it is called, which decides the errors' order;
- ``JSON``, a mutable value that a plan would share with every later request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

from strawberry.relay.types import GlobalID
from strawberry.scalars import JSON, is_scalar
from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

Convert = Callable[[Any], Any]
Arguments = Callable[[Mapping[str, Any]], dict[str, Any]]


def arguments_converter(
    arguments: list[StrawberryArgument], config: StrawberryConfig, scalars: Mapping[object, Any]
) -> Arguments | None:
    """The field's arguments by the resolver's parameter names, converted; None when
    strawberry must convert them itself."""
    plan = _Plan(config, scalars)
    parts: list[tuple[str, str, Convert]] = []
    for argument in arguments:
        convert = plan.of(argument.type)
        if convert is None:
            return None
        parts.append((config.name_converter.from_argument(argument), argument.python_name, convert))

    def converted(values: Mapping[str, Any]) -> dict[str, Any]:
        return {
            python_name: convert(values[graphql_name])
            for graphql_name, python_name, convert in parts
            if graphql_name in values
        }

    return converted


def _same(value: Any) -> Any:
    return value


def _copied(value: Any) -> Any:
    # graphql-core gives every request that omits a list the same default: a copy keeps a
    # change to it from reaching the next request.
    return value if value is None or value is UNSET else list(value)


class _Plan:
    def __init__(self, config: StrawberryConfig, scalars: Mapping[object, Any]) -> None:
        self._config = config
        self._scalars = scalars
        # Input types by identity, while made: a filter names its own type (AND, OR, NOT).
        self._made: dict[int, Convert] = {}

    def _leaf(self, type_: Any) -> bool:
        if isinstance(type_, LazyType):
            type_ = type_.resolve_type()
        return is_scalar(type_, self._scalars) or isinstance(type_, StrawberryEnumDefinition)

    def of(self, type_: Any) -> Convert | None:  # noqa: PLR0911 - one way per kind of type
        """How a value of ``type_`` is converted; None when this plan cannot say."""
        if isinstance(type_, StrawberryMaybe):
            return None  # strawberry wraps its value, and refuses some nulls
        if isinstance(type_, StrawberryOptional):
            return self.of(type_.of_type)
        if isinstance(type_, StrawberryList):
            return self._list(type_.of_type)
        if type_ is GlobalID or type_ is JSON:
            return None
        if isinstance(type_, LazyType):
            return self.of(type_.resolve_type())
        if self._leaf(type_) or has_enum_definition(type_):
            return _same  # as graphql-core coerced it
        if has_object_definition(type_):
            return self._input(type_)
        return None

    def _list(self, item: Any) -> Convert | None:
        inner = item.of_type if isinstance(item, StrawberryOptional) else item
        if inner is not GlobalID and inner is not JSON and self._leaf(inner):
            return _copied
        convert = self.of(item)
        if convert is None:
            return None

        def each(value: Any) -> Any:
            if value is None or value is UNSET:
                return value
            return [convert(x) for x in value]

        return each

    def _input(self, type_: Any) -> Convert | None:
        definition = type_.__strawberry_definition__
        made = self._made.get(id(definition))
        if made is not None:
            return made
        if definition.from_input is not None:
            return None  # it builds itself, and is handed the resolve info
        # Fields without a default are null unless given, as strawberry builds inputs.
        implicit: dict[str, Any] = (
            {
                f.python_name: None
                for f in definition.fields
                if f.default_value is MISSING and f.default_factory is MISSING
            }
            if definition.is_input
            else {}
        )
        fields: list[tuple[str, str, Convert]] = []

        def build(value: Any) -> Any:
            if value is None or value is UNSET:
                return value
            given = dict(implicit)
            for graphql_name, python_name, convert in fields:
                if graphql_name in value:
                    given[python_name] = convert(value[graphql_name])
            return type_(**given)

        self._made[id(definition)] = build
        for f in definition.fields:
            convert = self.of(f.resolve_type(type_definition=definition))
            if convert is None:
                return None
            fields.append((self._config.name_converter.from_field(f), f.python_name, convert))
        return build

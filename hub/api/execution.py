"""A GraphQL executor that remembers how each known query is shaped.

Clients send the same few documents again and again, and graphql-core works out for every
request, object and field what the parser cache already fixed: which fields a selection
collects, which resolver a field has, how its arguments and its value convert. For a document
without directives none of that depends on the variables, so :class:`PlannedExecutor` keeps
it per operation and, per field, takes the short way where the answer is known:

- a field with no resolver of its own is read from its object's attribute; a scalar or an
  enum is coerced at once, without a resolve-info object, a path or argument coercion;
- ``__typename`` on an object type is the type's name;
- a resolver whose arguments are plain scalars is called directly with them, as strawberry
  would call it but without its conversion layers; arguments the query spells out without
  variables are coerced once;
- an object of an object type goes straight to the plan of its fields, and the fields a
  selection collects on a type are collected once, not once per object;
- below an object, values that resolve at once and as expected (no awaitable, no error, no
  null where none may be, plain object types) are shaped into the response directly, without
  graphql-core's per-value completion; at the first surprise the request goes on field by
  field, which reports what stopped it.

Everything else, and any value the short way does not expect (a null in a non-null field, a
value the scalar refuses), goes through graphql-core's own code, so results and errors are the
same as without the plan. Resolvers can keep values their place in the query fixes with
:func:`remembered`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from types import FunctionType
from typing import Any, ClassVar, TypeVar

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from strawberry import Info
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField

from hub.api.identity import ByIdentity

OPERATIONS_KEPT = 512

T = TypeVar("T")

# How a field is executed: see the module docstring.
_GENERAL, _LEAF, _TYPENAME, _DIRECT, _ATTRIBUTE = range(5)
_MISSING = object()
_PLAIN_SCALARS = frozenset({"Int", "Float", "String", "Boolean", "ID"})


@dataclass(frozen=True, slots=True)
class _Call:
    """How to call a resolver whose arguments need no conversion, as strawberry would."""

    function: Callable[..., Any]
    field: StrawberryField
    python_names: dict[str, str]
    source_as_self: bool
    source_keywords: tuple[str, ...]
    info_keyword: str | None


@dataclass(frozen=True, slots=True)
class _FieldPlan:
    response_name: str
    details: FieldDetailsList
    how: int
    attribute: str = ""
    coerce: Callable[[Any], Any] | None = None
    nullable: bool = True
    field_def: GraphQLField | None = None
    call: _Call | None = None
    arguments: dict[str, Any] | None = None
    # The plans of the fields selected below this one, by the type of its objects.
    below: dict[str, list[_FieldPlan]] = field(default_factory=dict)


@dataclass(slots=True)
class _OperationPlan:
    """What one operation's execution fixed, kept for its next requests."""

    operation: OperationDefinitionNode
    usable: bool
    roots: dict[str, GroupedFieldSet] = field(default_factory=dict)
    subfields: ByIdentity[CollectedFields] = field(default_factory=ByIdentity)
    fields: ByIdentity[list[_FieldPlan]] = field(default_factory=ByIdentity)
    derived: ByIdentity[Any] = field(default_factory=ByIdentity)


class PlanCache:
    """Plans of the most recently executed operations, least recently used dropped first."""

    def __init__(self, maxsize: int = OPERATIONS_KEPT) -> None:
        self._plans = ByIdentity[_OperationPlan](maxsize)

    def plan_for(
        self,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
    ) -> _OperationPlan | None:
        """The operation's plan, or None when its shape depends on the variables."""
        plan = self._plans.find(None, operation)
        if plan is None:
            shaped_by_variables = bool(operation.directives) or _has_directives(
                operation.selection_set, fragments, set()
            )
            plan = _OperationPlan(operation, usable=not shaped_by_variables)
            self._plans.keep(plan, None, operation)
        return plan if plan.usable else None

    def __len__(self) -> int:
        """How many operations have a plan."""
        return sum(plan.usable for plan in self._plans.values())

    def remembered(
        self, info: GraphQLResolveInfo[Any], purpose: Hashable, compute: Callable[[], T]
    ) -> T:
        """``compute()`` once per place in a planned operation, for values its text fixes.

        ``purpose`` tells apart values computed at the same place; ``compute`` may depend on
        nothing but the selection below the field (not on arguments or variables).
        """
        plan = self._plans.find(None, info.operation)
        if plan is None or not plan.usable:
            return compute()
        return plan.derived.kept(compute, purpose, *info.field_nodes)  # type: ignore[no-any-return]


def _has_directives(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> bool:
    """Whether @skip, @include, @defer or any other directive appears below the selection."""
    if selection_set is None:
        return False
    for selection in selection_set.selections:
        if selection.directives:
            return True
        if isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen:
                continue
            seen.add(name)
            fragment = fragments.get(name)
            if fragment is None or fragment.directives:
                return True
            below = fragment.selection_set
        else:
            assert isinstance(selection, FieldNode | InlineFragmentNode)
            below = selection.selection_set  # type: ignore[assignment]
        if _has_directives(below, fragments, seen):
            return True
    return False


class PlannedExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with per-operation plans; see the module docstring.

    Use :func:`executor_for` to get a subclass bound to one schema's cache.
    """

    plans: ClassVar[PlanCache]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config = self.schema._strawberry_schema.config  # type: ignore[attr-defined]
        self._argument_name = config.name_converter.from_argument
        self._info_class = config.info_class
        middleware = self.middleware_manager
        self._plan = (
            None
            if middleware is not None and middleware.middlewares
            else self.plans.plan_for(self.operation, self.fragment_definitions)
        )
        self._shaping = True

    def execute_collected_root_fields(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: GroupedFieldSet,
        serially: bool,
        new_defer_usages: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plan = self._plan
        if plan is not None:
            # The same collected fields as last time: their identity keys the field plans.
            grouped_field_set = plan.roots.setdefault(root_type.name, grouped_field_set)
        return super().execute_collected_root_fields(
            root_type, root_value, grouped_field_set, serially, new_defer_usages
        )

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        plan = self._plan
        if plan is None:
            return super().collect_subfields(return_type, field_details_list)
        collected = plan.subfields.find(return_type.name, field_details_list)
        if collected is None:
            collected = plan.subfields.keep(
                super().collect_subfields(return_type, field_details_list),
                return_type.name,
                field_details_list,
            )
        return collected

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plan = self._plan
        if plan is None or position_context is not None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        field_plans = self._field_plans(plan, parent_type, grouped_field_set)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for field_plan in field_plans:
                name = field_plan.response_name
                how = field_plan.how
                if how == _LEAF:
                    value = _leaf_value(field_plan, source_value)
                    if value is not _MISSING:
                        results[name] = value
                        continue
                elif how == _TYPENAME:
                    results[name] = parent_type.name
                    continue
                field_path = Path(path, name, parent_type.name)
                result = self._execute_planned(parent_type, source_value, field_plan, field_path)
                if result is not Undefined:
                    results[name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return _gathered(results, awaitable_fields)

    def _field_plans(
        self, plan: _OperationPlan, parent_type: GraphQLObjectType, grouped: GroupedFieldSet
    ) -> list[_FieldPlan]:
        field_plans = plan.fields.find(parent_type.name, grouped)
        if field_plans is None:
            field_plans = plan.fields.keep(
                [self._field_plan(parent_type, name, details) for name, details in grouped.items()],
                parent_type.name,
                grouped,
            )
        return field_plans

    def _field_plan(
        self, parent_type: GraphQLObjectType, response_name: str, details: FieldDetailsList
    ) -> _FieldPlan:
        field_name = details[0].node.name.value
        if field_name == "__typename":
            return _FieldPlan(response_name, details, _TYPENAME)
        field_def = self.schema.get_field(parent_type, field_name)
        if field_def is None:
            return _FieldPlan(response_name, details, _GENERAL)
        definition = field_def.extensions.get("strawberry-definition")
        if not isinstance(definition, StrawberryField):
            return _FieldPlan(response_name, details, _GENERAL)
        if getattr(field_def.resolve, "_is_default", False):
            return _attribute_plan(response_name, details, field_def, definition)
        call = _direct_call(definition, field_def, self._argument_name)
        if call is None:
            return _FieldPlan(response_name, details, _GENERAL)
        return _FieldPlan(
            response_name,
            details,
            _DIRECT,
            field_def=field_def,
            call=call,
            arguments=self._constant_arguments(field_def, details),
        )

    def _constant_arguments(
        self, field_def: GraphQLField, details: FieldDetailsList
    ) -> dict[str, Any] | None:
        """The field's arguments when the query spells them out without variables."""
        node = details[0]
        if node.fragment_variable_values is not None or any(
            isinstance(argument.value, VariableNode) for argument in node.node.arguments or ()
        ):
            return None
        try:
            return get_argument_values(
                field_def, node.node, self.variable_values, None, self.hide_suggestions
            )
        except Exception:
            # Reported, with the query's location, when a request executes the field.
            return None

    def _execute_planned(
        self, parent_type: GraphQLObjectType, source: Any, field_plan: _FieldPlan, path: Path
    ) -> AwaitableOrValue[Any]:
        how = field_plan.how
        if how == _DIRECT:
            return self._execute_direct(parent_type, source, field_plan, path)
        if how == _ATTRIBUTE:
            return self._execute_attribute(parent_type, source, field_plan, path)
        # Also reports whatever the short ways did not expect.
        return self.execute_field(parent_type, source, field_plan.details, path, None)

    def _execute_direct(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_plan: _FieldPlan,
        path: Path,
    ) -> AwaitableOrValue[Any]:
        """graphql-core's ``execute_field`` around a direct call of the resolver."""
        field_def, details = field_plan.field_def, field_plan.details
        assert field_def is not None
        info = self.build_resolve_info(field_def, to_nodes(details), parent_type, path)
        try:
            result = self._called(source, field_plan, info)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_def.type, details, path)
            return None
        return self._completed(field_def.type, details, info, path, result)

    def _called(self, source: Any, field_plan: _FieldPlan, info: GraphQLResolveInfo[Any]) -> Any:
        """The resolver's result, called as strawberry would call it."""
        field_def, call, details = field_plan.field_def, field_plan.call, field_plan.details
        assert field_def is not None and call is not None
        arguments = field_plan.arguments
        if arguments is None:
            first = details[0]
            arguments = get_argument_values(
                field_def,
                first.node,
                self.variable_values,
                first.fragment_variable_values,
                self.hide_suggestions,
            )
        names = call.python_names
        keywords = {names[name]: value for name, value in arguments.items()}
        for keyword in call.source_keywords:
            keywords[keyword] = source
        if call.info_keyword is not None:
            keywords[call.info_keyword] = self._info_class(_raw_info=info, _field=call.field)
        function = call.function
        return function(source, **keywords) if call.source_as_self else function(**keywords)

    def _execute_attribute(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_plan: _FieldPlan,
        path: Path,
    ) -> AwaitableOrValue[Any]:
        """An object or list read from the source's attribute, without a resolver call."""
        field_def, details = field_plan.field_def, field_plan.details
        assert field_def is not None
        result = getattr(source, field_plan.attribute, _MISSING)
        if result is _MISSING:
            return self.execute_field(parent_type, source, details, path, None)
        info = self.build_resolve_info(field_def, to_nodes(details), parent_type, path)
        return self._completed(field_def.type, details, info, path, result)

    def _completed(
        self,
        return_type: GraphQLOutputType,
        details: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
    ) -> AwaitableOrValue[Any]:
        """The resolved ``result`` completed, as the end of graphql-core's ``execute_field``."""
        try:
            if self.is_awaitable(result):
                return self.complete_awaitable_value(return_type, details, info, path, result, None)
            completed = self.complete_value(return_type, details, info, path, result, None)
            if self.is_awaitable(completed):
                return self._completed_later(completed, return_type, details, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None
        return completed

    async def _completed_later(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        details: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """An object of a plain object type goes straight to its planned fields."""
        if (
            self._plan is not None
            and position_context is None
            and type(return_type) is GraphQLObjectType
            and result is not None
            and not isinstance(result, Exception)
            and (return_type.is_type_of is None or return_type.is_type_of(result, info) is True)
        ):
            grouped = self.collect_subfields(return_type, field_details_list).grouped_field_set
            if self._shaping:
                try:
                    plans = self._field_plans(self._plan, return_type, grouped)
                    return self._shaped_object(return_type, plans, result, path)
                except _Unshaped:
                    # Values the short way left behind are dropped; the rest of the request
                    # goes field by field, which reports whatever stopped it.
                    self._shaping = False
            return self.execute_fields(return_type, result, path, grouped, None)
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _plans_below(self, field_plan: _FieldPlan, type_: GraphQLObjectType) -> list[_FieldPlan]:
        below = field_plan.below.get(type_.name)
        if below is None:
            assert self._plan is not None
            grouped = self.collect_subfields(type_, field_plan.details).grouped_field_set
            below = field_plan.below[type_.name] = self._field_plans(self._plan, type_, grouped)
        return below

    def _shaped_object(
        self, type_: GraphQLObjectType, plans: list[_FieldPlan], source: Any, path: Path | None
    ) -> dict[str, Any]:
        """An object's response, every value below it resolved at once and as expected."""
        shaped: dict[str, Any] = {}
        for field_plan in plans:
            name = field_plan.response_name
            how = field_plan.how
            if how == _LEAF:
                value = _leaf_value(field_plan, source)
                if value is _MISSING:
                    raise _Unshaped
                shaped[name] = value
                continue
            if how == _TYPENAME:
                shaped[name] = type_.name
                continue
            field_def = field_plan.field_def
            if field_def is None:
                raise _Unshaped
            field_path = Path(path, name, type_.name)
            if how == _ATTRIBUTE:
                value = getattr(source, field_plan.attribute, _MISSING)
                if value is _MISSING:
                    raise _Unshaped
            elif how == _DIRECT:
                info = self.build_resolve_info(
                    field_def, to_nodes(field_plan.details), type_, field_path
                )
                try:
                    value = self._called(source, field_plan, info)
                except Exception as error:
                    raise _Unshaped from error
                if self.is_awaitable(value):
                    _abandon(value)
                    raise _Unshaped
            else:
                raise _Unshaped
            shaped[name] = self._shaped(field_plan, field_def.type, value, field_path)
        return shaped

    def _shaped(
        self, field_plan: _FieldPlan, type_: GraphQLOutputType, value: Any, path: Path
    ) -> Any:
        """A resolved value's response: null, a leaf, a list or a plain object."""
        if type(type_) is GraphQLNonNull:
            if value is None:
                raise _Unshaped
            type_ = type_.of_type
        elif value is None:
            return None
        kind = type(type_)
        if kind is GraphQLObjectType:
            assert isinstance(type_, GraphQLObjectType)
            _check_type_of(type_, value)
            return self._shaped_object(type_, self._plans_below(field_plan, type_), value, path)
        if kind is GraphQLList:
            assert isinstance(type_, GraphQLList)
            if not isinstance(value, list):
                raise _Unshaped
            return self._shaped_list(field_plan, type_.of_type, value, path)
        if is_leaf_type(type_):
            try:
                coerced = type_.coerce_output_value(value)
            except Exception as error:
                raise _Unshaped from error
            if coerced is None or coerced is Undefined:
                raise _Unshaped
            return coerced
        raise _Unshaped  # an interface or a union: graphql-core resolves the type

    def _shaped_list(
        self, field_plan: _FieldPlan, item_type: GraphQLOutputType, items: list[Any], path: Path
    ) -> list[Any]:
        """A list's response."""
        named = item_type.of_type if type(item_type) is GraphQLNonNull else item_type
        if type(named) is not GraphQLObjectType:
            return [
                self._shaped(field_plan, item_type, item, Path(path, i, None))
                for i, item in enumerate(items)
            ]
        assert isinstance(named, GraphQLObjectType)
        plans = self._plans_below(field_plan, named)
        shaped: list[Any] = []
        for i, item in enumerate(items):
            if item is None:
                if named is not item_type:
                    raise _Unshaped
                shaped.append(None)
                continue
            _check_type_of(named, item)
            shaped.append(self._shaped_object(named, plans, item, Path(path, i, None)))
        return shaped


class _Unshaped(Exception):
    """The short way met what it does not expect; the general way answers instead."""


def _check_type_of(type_: GraphQLObjectType, value: Any) -> None:
    # strawberry's is_type_of looks at the value alone.
    if type_.is_type_of is not None and type_.is_type_of(value, None) is not True:  # type: ignore[arg-type]
        raise _Unshaped


def _abandon(awaitable: Any) -> None:
    """A coroutine the short way will not await is closed, so it never warns."""
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()


def _attribute_plan(
    response_name: str, details: FieldDetailsList, field_def: GraphQLField, field: StrawberryField
) -> _FieldPlan:
    """A field read from its object's attribute: a scalar or an enum directly."""
    if not field.python_name:
        return _FieldPlan(response_name, details, _GENERAL)
    named = get_named_type(field_def.type)
    nullable = not is_non_null_type(field_def.type)
    unwrapped = field_def.type if nullable else field_def.type.of_type  # type: ignore[union-attr]
    if unwrapped is not named or not is_leaf_type(named):
        return _FieldPlan(
            response_name, details, _ATTRIBUTE, attribute=field.python_name, field_def=field_def
        )
    return _FieldPlan(
        response_name,
        details,
        _LEAF,
        attribute=field.python_name,
        coerce=named.coerce_output_value,
        nullable=nullable,
    )


def _direct_call(
    field: StrawberryField,
    field_def: GraphQLField,
    graphql_name_of: Callable[[StrawberryArgument], str],
) -> _Call | None:
    """How to call the field's resolver directly, or None when strawberry must convert its
    arguments (input objects, enums, lists, custom scalars) or wraps it in extensions."""
    resolver = field.base_resolver
    if resolver is None or field.extensions or field.is_subscription:
        return None
    for argument in field_def.args.values():
        if get_named_type(argument.type).name not in _PLAIN_SCALARS or not is_plain(argument.type):
            return None
    python_names = {}
    for strawberry_argument in field.arguments:
        graphql_name = graphql_name_of(strawberry_argument)
        # A Maybe argument tells "not given" from null: strawberry wraps its value.
        if graphql_name not in field_def.args or strawberry_argument.is_maybe:
            return None
        python_names[graphql_name] = strawberry_argument.python_name
    function = resolver.wrapped_func
    if not isinstance(function, FunctionType):
        return None
    source_keywords = tuple(
        parameter.name
        for parameter in (resolver.parent_parameter, resolver.root_parameter)
        if parameter is not None
    )
    info_parameter = resolver.info_parameter
    return _Call(
        function=function,
        field=field,
        python_names=python_names,
        source_as_self=resolver.self_parameter is not None,
        source_keywords=source_keywords,
        info_keyword=info_parameter.name if info_parameter is not None else None,
    )


def is_plain(type_: GraphQLInputType) -> bool:
    """A named type, or a named type that may not be null: no list."""
    return type_ is get_named_type(type_) or (
        is_non_null_type(type_) and type_.of_type is get_named_type(type_)
    )


def _leaf_value(field_plan: _FieldPlan, source: Any) -> Any:
    """The field's value as its scalar puts it out, or ``_MISSING`` when the general way must
    report why there is none."""
    value = getattr(source, field_plan.attribute, _MISSING)
    if value is None:
        return None if field_plan.nullable else _MISSING
    if value is _MISSING:
        return value
    assert field_plan.coerce is not None
    try:
        coerced = field_plan.coerce(value)
    except Exception:
        return _MISSING
    return _MISSING if coerced is None or coerced is Undefined else coerced


async def _gathered(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
    if len(awaitable_fields) == 1:
        name = awaitable_fields[0]
        results[name] = await results[name]
        return results
    awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
    results.update(zip(awaitable_fields, awaited, strict=True))
    return results


def remembered(info: Info, purpose: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept with the schema's plan of the operation when there is one."""
    plans = getattr(info.schema, "plans", None)
    if not isinstance(plans, PlanCache):
        return compute()
    return plans.remembered(info._raw_info, purpose, compute)


def executor_for(cache: PlanCache) -> type[PlannedExecutor]:
    """A :class:`PlannedExecutor` class whose plans live in ``cache`` (one per schema)."""
    return type("PlannedExecutor", (PlannedExecutor,), {"plans": cache})

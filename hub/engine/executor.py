"""A GraphQL executor that remembers how each known query is shaped.

Clients send the same few documents again and again, and graphql-core works out for every
request, object and field what the parser cache already fixed: which fields a selection
collects, which resolver a field has, how its arguments and its value convert. For a document
without directives none of that depends on the variables, so :class:`PlannedExecutor` keeps
it per operation and, per field, takes the short way where the answer is known:

- a field with no resolver of its own is read from its object's attribute; a scalar or an
  enum is coerced at once, without a resolve-info object, a path or argument coercion;
- ``__typename`` on an object type is the type's name;
- a resolver whose arguments are scalars, or input objects of scalars, is called
  directly with them, as strawberry would call it but without its conversion layers;
  arguments the query spells out without variables are coerced once;
- a resolver with other arguments (filters with lists and enums) is called directly with
  them as strawberry converts them (:mod:`hub.engine.arguments`), once per request and field,
  not once per parent;
- an object of an object type goes straight to the plan of its fields, and the fields a
  selection collects on a type are collected once, not once per object;
- below an object, values that resolve at once and as expected (no awaitable, no error, no
  null where none may be, plain object types) are shaped into the response directly, without
  graphql-core's per-value completion; at the first surprise the objects of that selection
  go on field by field, which reports what stopped it, while the values later awaits bring
  (a page read for many parents) are shaped again;
- a connection whose rows its parent already holds (:func:`pages_prefetched`) is shaped
  straight from its page, without connection, edge and page-info objects.

Everything else, and any value the short way does not expect (a null in a non-null field, a
value the scalar refuses), goes through graphql-core's own code, so results and errors are the
same as without the plan. Resolvers can keep values their place in the query fixes with
:func:`remembered`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import MISSING, dataclass, field
from types import FunctionType
from typing import Any, ClassVar, TypeVar

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLString,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    ValueNode,
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
from strawberry.relay import GlobalID
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from strawberry.types.base import (
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
)
from strawberry.types.field import StrawberryField

from hub.engine.arguments import Arguments, arguments_converter
from hub.identity import ByIdentity
from hub.read.pagination import Page

OPERATIONS_KEPT = 512

T = TypeVar("T")

# How a field is executed: see the module docstring.
_GENERAL, _LEAF, _TYPENAME, _DIRECT, _ATTRIBUTE, _CONNECTION = range(6)
_MISSING = object()
_PAGE_HOOK = "_hub_prefetched_page"
# Path(prev, key, typename) without the named tuple's Python-level constructor: the shaping
# makes one for every field and list item below an object.
_path: Callable[[tuple[Path | None, str | int, str | None]], Path] = functools.partial(
    tuple.__new__, Path
)
# Scalars a resolver is not called with directly: a JSON value is a mutable object, which a
# plan keeps when the query spells it out. Every other scalar's value (DateTime, Date, ...)
# reaches a resolver as graphql-core coerced it, in strawberry's way as well; only a relay
# GlobalID argument strawberry converts once more (see _converted_by_strawberry).
_KEPT_OUT_SCALARS = frozenset({"JSON"})


@dataclass(frozen=True, slots=True)
class _Input:
    """How strawberry builds an input object whose fields are plain scalars."""

    origin: type
    names: tuple[tuple[str, str], ...]  # GraphQL and Python name of each field
    implicit: dict[str, None]  # fields without a default are None unless given

    def built(self, value: Any) -> Any:
        if value is None:
            return None
        keywords: dict[str, Any] = dict(self.implicit)
        for graphql_name, python_name in self.names:
            if graphql_name in value:
                keywords[python_name] = value[graphql_name]
        return self.origin(**keywords)


@dataclass(frozen=True, slots=True)
class _Call:
    """How to call a resolver whose arguments need no or only simple conversion, as
    strawberry would."""

    function: Callable[..., Any]
    field: StrawberryField
    python_names: dict[str, str]
    inputs: dict[str, _Input]  # by GraphQL argument name
    source_as_self: bool
    source_keywords: tuple[str, ...]
    info_keyword: str | None
    # Arguments converted as strawberry converts them (the same for every parent: once per
    # request); None: plain scalars, or inputs of them, built by ``inputs``.
    convert: Arguments | None = None


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
    # The resolver's keyword arguments when they are constant and need no building.
    keywords: dict[str, Any] | None = None
    # For a connection: its page when the parent already holds the rows (see pages_prefetched).
    page: Callable[..., Page[Any] | None] | None = None
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
        self._config = config
        self._info_class = config.info_class
        self._scalars = self.schema._strawberry_schema.schema_converter.scalar_registry  # type: ignore[attr-defined]
        # A field's keyword arguments, by the identity of its plan: the same for every parent.
        self._keywords_of: dict[int, dict[str, Any]] = {}
        middleware = self.middleware_manager
        self._plan = (
            None
            if middleware is not None and middleware.middlewares
            else self.plans.plan_for(self.operation, self.fragment_definitions)
        )
        # Selections whose objects met what shaping does not expect in this request (ids of
        # their field plans): their objects go field by field, without trying again.
        self._unshaped: set[int] = set()

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
        if not isinstance(definition, StrawberryField) or definition.extensions:
            # A field extension (a permission, say) runs only in strawberry's own resolver.
            return _FieldPlan(response_name, details, _GENERAL)
        if getattr(field_def.resolve, "_is_default", False):
            return _attribute_plan(response_name, details, field_def, definition)
        given = frozenset(argument.name.value for argument in details[0].node.arguments or ())
        call = _direct_call(definition, field_def, self._config, self._scalars, given)
        if call is None:
            return _FieldPlan(response_name, details, _GENERAL)
        page = getattr(call.function, _PAGE_HOOK, None)
        arguments = self._constant_arguments(field_def, details)
        keywords = None
        # Converted values are built per request: a resolver may hold on to them.
        if arguments is not None and not call.inputs and call.convert is None:
            keywords = {call.python_names[name]: value for name, value in arguments.items()}
        named = get_named_type(field_def.type)
        return _FieldPlan(
            response_name,
            details,
            _DIRECT if page is None else _CONNECTION,
            coerce=_output_coercion(named) if is_leaf_type(named) else None,
            field_def=field_def,
            call=call,
            arguments=arguments,
            keywords=keywords,
            page=page,
        )

    def _constant_arguments(
        self, field_def: GraphQLField, details: FieldDetailsList
    ) -> dict[str, Any] | None:
        """The field's arguments when the query spells them out without variables."""
        node = details[0]
        if node.fragment_variable_values is not None or any(
            _uses_variables(argument.value) for argument in node.node.arguments or ()
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
        if how in (_DIRECT, _CONNECTION):
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

    def _called(
        self, source: Any, field_plan: _FieldPlan, info: GraphQLResolveInfo[Any] | None
    ) -> Any:
        """The resolver's result, called as strawberry would call it."""
        call = field_plan.call
        assert call is not None
        keywords = {**self._keywords(field_plan)}
        for keyword in call.source_keywords:
            keywords[keyword] = source
        if call.info_keyword is not None:
            keywords[call.info_keyword] = self._info_class(_raw_info=info, _field=call.field)
        function = call.function
        return function(source, **keywords) if call.source_as_self else function(**keywords)

    def _keywords(self, field_plan: _FieldPlan) -> dict[str, Any]:
        """The field's arguments by the resolver's parameter names (not to be changed: it may
        be the plan's own, or shared by the field's calls for every parent)."""
        if field_plan.keywords is not None:
            return field_plan.keywords
        kept = self._keywords_of.get(id(field_plan))
        if kept is None:
            kept = self._keywords_of[id(field_plan)] = self._keywords_now(field_plan)
        return kept

    def _keywords_now(self, field_plan: _FieldPlan) -> dict[str, Any]:
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
        if call.convert is not None:
            return call.convert(arguments)
        names, inputs = call.python_names, call.inputs
        if not inputs:
            return {names[name]: value for name, value in arguments.items()}
        return {
            names[name]: inputs[name].built(value) if name in inputs else value
            for name, value in arguments.items()
        }

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
            plans = self._field_plans(self._plan, return_type, grouped)
            if id(plans) not in self._unshaped:
                try:
                    return self._shaped_object(return_type, plans, result, path)
                except _Unshaped:
                    # Values the short way left behind are dropped; objects of this selection
                    # go field by field, which reports whatever stopped it. Others (the page
                    # an awaited connection brings) still take the short way.
                    self._unshaped.add(id(plans))
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
                # _leaf_value, inlined: this runs for every value of a response.
                value = getattr(source, field_plan.attribute, _MISSING)
                if value is None:
                    if not field_plan.nullable:
                        raise _Unshaped
                    shaped[name] = None
                    continue
                if value is _MISSING:
                    raise _Unshaped
                try:
                    value = field_plan.coerce(value)  # type: ignore[misc]
                except Exception as error:
                    raise _Unshaped from error
                if value is None or value is Undefined:
                    raise _Unshaped
                shaped[name] = value
            elif how == _TYPENAME:
                shaped[name] = type_.name
            else:
                shaped[name] = self._shaped_field(type_, field_plan, source, path)
        return shaped

    def _shaped_field(
        self, type_: GraphQLObjectType, field_plan: _FieldPlan, source: Any, path: Path | None
    ) -> Any:
        """The response of a field that is not a leaf read from an attribute."""
        field_def = field_plan.field_def
        if field_def is None:
            raise _Unshaped
        how = field_plan.how
        field_path = _path((path, field_plan.response_name, type_.name))
        if how == _CONNECTION:
            return self._shaped_connection(field_plan, field_def.type, source, field_path)
        if how == _ATTRIBUTE:
            value = getattr(source, field_plan.attribute, _MISSING)
            if value is _MISSING:
                raise _Unshaped
        elif how == _DIRECT:
            assert field_plan.call is not None
            # Only a resolver that asks for it gets a resolve info.
            info = (
                None
                if field_plan.call.info_keyword is None
                else self.build_resolve_info(
                    field_def, to_nodes(field_plan.details), type_, field_path
                )
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
        return self._shaped(field_plan, field_def.type, value, field_path)

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
            # The field's own coercion is this very type's (a field has one named type).
            coerce = field_plan.coerce or type_.coerce_output_value
            try:
                coerced = coerce(value)
            except Exception as error:
                raise _Unshaped from error
            if coerced is None or coerced is Undefined:
                raise _Unshaped
            return coerced
        raise _Unshaped  # an interface or a union: graphql-core resolves the type

    def _shaped_connection(
        self, field_plan: _FieldPlan, type_: GraphQLOutputType, source: Any, path: Path
    ) -> dict[str, Any]:
        """A connection's response from the rows its parent holds, without the objects of
        the connection, its edges and page info."""
        assert field_plan.page is not None
        try:
            page = field_plan.page(
                source,
                field_plan.response_name,
                self.context_value.cursors,
                **self._keywords(field_plan),
            )
        except Exception as error:  # the resolver reports it with the field's path
            raise _Unshaped from error
        if page is None:
            raise _Unshaped
        if type(type_) is GraphQLNonNull:
            type_ = type_.of_type
        if type(type_) is not GraphQLObjectType:
            raise _Unshaped
        assert isinstance(type_, GraphQLObjectType)
        shaped: dict[str, Any] = {}
        for part in self._plans_below(field_plan, type_):
            name = part.response_name
            selected = part.details[0].node.name.value
            if selected == "totalCount":
                shaped[name] = page.total
            elif selected == "edges":
                shaped[name] = self._shaped_edges(part, page, _path((path, name, type_.name)))
            elif selected == "pageInfo":
                shaped[name] = self._shaped_page_info(part, page)
            elif part.how == _TYPENAME:
                shaped[name] = type_.name
            else:
                raise _Unshaped
        return shaped

    def _shaped_edges(self, field_plan: _FieldPlan, page: Page[Any], path: Path) -> list[Any]:
        edge_type = _object_type(field_plan)
        parts = self._plans_below(field_plan, edge_type)
        edges: list[Any] = []
        for i, node in enumerate(page.nodes):
            edge_path = _path((path, i, None))
            edge: dict[str, Any] = {}
            for part in parts:
                name = part.response_name
                selected = part.details[0].node.name.value
                if selected == "node":
                    assert part.field_def is not None
                    node_path = _path((edge_path, name, edge_type.name))
                    edge[name] = self._shaped(part, part.field_def.type, node, node_path)
                elif selected == "cursor":
                    edge[name] = page.cursor(i)
                elif part.how == _TYPENAME:
                    edge[name] = edge_type.name
                else:
                    raise _Unshaped
            edges.append(edge)
        return edges

    def _shaped_page_info(self, field_plan: _FieldPlan, page: Page[Any]) -> dict[str, Any]:
        info_type = _object_type(field_plan)
        values: dict[str, Callable[[], Any]] = {
            "hasNextPage": lambda: page.has_next,
            "hasPreviousPage": lambda: page.has_previous,
            "startCursor": lambda: page.start_cursor,
            "endCursor": lambda: page.end_cursor,
            "__typename": lambda: info_type.name,
        }
        shaped: dict[str, Any] = {}
        for part in self._plans_below(field_plan, info_type):
            value = values.get(part.details[0].node.name.value)
            if value is None:
                raise _Unshaped
            shaped[part.response_name] = value()
        return shaped

    def _shaped_list(
        self, field_plan: _FieldPlan, item_type: GraphQLOutputType, items: list[Any], path: Path
    ) -> list[Any]:
        """A list's response."""
        named = item_type.of_type if type(item_type) is GraphQLNonNull else item_type
        if type(named) is not GraphQLObjectType:
            return [
                self._shaped(field_plan, item_type, item, _path((path, i, None)))
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
            shaped.append(self._shaped_object(named, plans, item, _path((path, i, None))))
        return shaped


class _Unshaped(Exception):
    """The short way met what it does not expect; the general way answers instead."""


def _object_type(field_plan: _FieldPlan) -> GraphQLObjectType:
    """The object type of a connection's part (``edges`` items or ``pageInfo``)."""
    if field_plan.field_def is None:
        raise _Unshaped
    named = get_named_type(field_plan.field_def.type)
    if not isinstance(named, GraphQLObjectType):
        raise _Unshaped
    return named


def pages_prefetched(
    page: Callable[..., Page[Any] | None],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a connection resolver whose parent may already hold its rows.

    ``page(parent, response_key, **arguments)`` returns the page the resolver would return
    as a connection, or None when the rows must be read; with it, planned requests shape the
    connection's response straight from the page.
    """

    def mark(resolver: Callable[..., Any]) -> Callable[..., Any]:
        setattr(resolver, _PAGE_HOOK, page)
        return resolver

    return mark


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
        coerce=_output_coercion(named),
        nullable=nullable,
    )


def _output_coercion(named: GraphQLScalarType | GraphQLEnumType) -> Callable[[Any], Any]:
    """The leaf type's output coercion, short for values already in their output form."""
    general = named.coerce_output_value
    if named is GraphQLString or named is GraphQLID:
        # Both put a str out as it is.
        return lambda value: value if type(value) is str else general(value)
    if named is GraphQLBoolean:
        return lambda value: value if type(value) is bool else general(value)
    if isinstance(named, CustomGraphQLEnumType):
        # strawberry looks for the member's name among all values on every call.
        members = named.wrapped_cls
        names: dict[Any, str] = {}
        try:
            for name, enum_value in named.values.items():
                names.setdefault(enum_value.value, name)
        except TypeError:  # a value that cannot be a key: strawberry's way alone
            return general

        def enum_name(value: Any) -> Any:
            if type(value) is members:
                name = names.get(value.value)
                if name is not None:
                    return name
            return general(value)

        return enum_name
    return general


def _direct_call(
    field: StrawberryField,
    field_def: GraphQLField,
    config: StrawberryConfig,
    scalars: Mapping[object, Any],
    given: frozenset[str],
) -> _Call | None:
    """How to call the field's resolver directly, or None when strawberry wraps it in
    extensions or must convert an argument itself (a global ID, JSON, ``Maybe``; see
    :mod:`hub.engine.arguments`). Other arguments the query gives that need more than plain
    scalars (enums, lists, input objects of those) are converted as strawberry converts them.

    An argument the query leaves out, with no default or null, is passed as null or not at
    all, so what a value of it would need converted does not matter: a connection's
    ``where`` and ``orderBy`` keep the short way open to the queries that page without them.
    """
    resolver = field.base_resolver
    if resolver is None or field.extensions or field.is_subscription:
        return None
    inputs: dict[str, _Input] = {}
    converts = False
    for name, argument in field_def.args.items():
        if _is_plain_scalar(argument.type) or _left_out(name, argument, given):
            continue
        shape = _input_of(argument.type)
        if shape is None:
            converts = True
        else:
            inputs[name] = shape
    python_names = {}
    for strawberry_argument in field.arguments:
        graphql_name = config.name_converter.from_argument(strawberry_argument)
        # A Maybe argument tells "not given" from null: strawberry wraps its value.
        if graphql_name not in field_def.args or strawberry_argument.is_maybe:
            return None
        converted = _converted_by_strawberry(strawberry_argument.type)
        if converted and not _left_out(graphql_name, field_def.args[graphql_name], given):
            converts = True
        python_names[graphql_name] = strawberry_argument.python_name
    convert = arguments_converter(field.arguments, config, scalars) if converts else None
    if converts and convert is None:
        return None
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
        inputs=inputs,
        source_as_self=resolver.self_parameter is not None,
        source_keywords=source_keywords,
        info_keyword=info_parameter.name if info_parameter is not None else None,
        convert=convert,
    )


def _left_out(name: str, argument: GraphQLArgument, given: frozenset[str]) -> bool:
    """Whether the resolver gets nothing to convert for the argument: the query does not give
    it, and the schema's default for it is none or null."""
    return name not in given and (
        argument.default_value is Undefined or argument.default_value is None
    )


def _is_plain_scalar(type_: GraphQLInputType) -> bool:
    named = get_named_type(type_)
    return (
        type(named) is GraphQLScalarType and named.name not in _KEPT_OUT_SCALARS and is_plain(type_)
    )


def _converted_by_strawberry(type_: Any) -> bool:
    """Whether strawberry converts a value of this argument or input field type itself: a
    relay GlobalID (shown as ID in the schema) is parsed from its text."""
    while isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    return type_ is GlobalID


def _input_of(type_: GraphQLInputType) -> _Input | None:
    """How to build the argument's input object, or None unless strawberry would build it
    from plain scalars alone."""
    named = get_named_type(type_)
    if not is_plain(type_) or not isinstance(named, GraphQLInputObjectType):
        return None
    definition = named.extensions.get("strawberry-definition")
    if (
        not isinstance(definition, StrawberryObjectDefinition)
        or not definition.is_input
        or definition.is_one_of
        or definition.from_input is not None
        # A type that converts its value itself (strawberry's one-of check does).
        or named.out_type is not GraphQLInputObjectType.out_type
    ):
        return None
    names = []
    for graphql_name, input_field in named.fields.items():
        strawberry_field = input_field.extensions.get("strawberry-definition")
        if (
            not isinstance(strawberry_field, StrawberryField)
            or isinstance(strawberry_field.type, StrawberryMaybe)
            or _converted_by_strawberry(strawberry_field.type)
            or not _is_plain_scalar(input_field.type)
        ):
            return None
        names.append((graphql_name, strawberry_field.python_name))
    implicit = {
        f.python_name: None
        for f in definition.fields
        if f.default_value is MISSING and f.default_factory is MISSING
    }
    return _Input(definition.origin, tuple(names), implicit)


def _uses_variables(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ObjectValueNode):
        return any(_uses_variables(f.value) for f in value.fields)
    if isinstance(value, ListValueNode):
        return any(_uses_variables(v) for v in value.values)
    return False


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

"""How much a GraphQL operation may cost, known before anything of it runs.

Two measures:

- its **shape**, from the syntax alone and before validation: how deep its fields nest, how
  many fields and aliases it selects and how many mutations it runs, with fragments spread
  where they are used. Counting stops as soon as a limit is passed, so a document that
  spreads fragments into millions of fields costs no more than the limit to refuse.
- its **cost**, from the syntax and the schema: about how many records it may read. A field
  that reads records (a root field, a connection, a relation or a lookup of its own) counts
  one per record; a connection multiplies what it selects on its nodes by its page size
  (``first`` or ``last``, else the list's default), a list of records without paging by
  ``LIST_ESTIMATE`` (a list of values by its resolver's one read), as
  GitHub's and Shopify's APIs count; a mutation counts ``MUTATION_COST``. The page sizes may
  come from variables, so the cost is a small program (:class:`CostProgram`) run for each
  request's variables; an operation without such variables has one cost, worked out once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)

from hub.errors import HubError
from hub.read.pagination import DEFAULT_PAGE_SIZE, LONG_PAGE_SIZE

LIST_ESTIMATE = 10
MUTATION_COST = 10

Fragments = Mapping[str, FragmentDefinitionNode]


_MEASURES = {
    "depth": "nests its fields deeper",
    "fields": "selects more fields",
    "aliases": "uses more aliases",
    "mutations": "runs more mutations",
    "cost": "may read more records (its estimated cost)",
}
# What to do about each, as its message ends.
_ADVICE = {
    "depth": "Select fewer levels of related records.",
    "fields": "Select fewer fields, or split the request.",
    "aliases": "Send fewer aliased fields, or split the request.",
    "mutations": "Send the writes in several requests.",
    "cost": "Ask for smaller pages, fewer nested lists or fewer fields.",
}


MAX_COST_SHOWN = 2**53 - 1  # Number.MAX_SAFE_INTEGER


class TooComplex(HubError):
    """An operation past one of the limits: which measure, its value and the limit."""

    code = "TOO_COMPLEX"

    def __init__(self, measure: str, value: int, limit: int, cost: int | None = None) -> None:
        super().__init__(
            f"The operation {_MEASURES[measure]} than this hub allows: {value} against a limit "
            f"of {limit}. {_ADVICE[measure]}"
        )
        self.measure = measure
        self.value = value
        self.limit = limit
        self.cost = cost


@dataclass(frozen=True)
class Limits:
    depth: int
    fields: int
    aliases: int
    mutations: int
    cost: int


def selected(
    selection_set: SelectionSetNode | None, fragments: Fragments, spread: tuple[str, ...] = ()
) -> Iterator[tuple[str | None, FieldNode]]:
    """The fields a selection set selects, through its fragments (a fragment is not spread
    into itself), each with the type condition of the fragment it sits in (None: none)."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield None, selection
            continue
        inside = spread
        if isinstance(selection, InlineFragmentNode):
            fragment: InlineFragmentNode | FragmentDefinitionNode | None = selection
        else:
            assert isinstance(selection, FragmentSpreadNode)
            name = selection.name.value
            fragment = None if name in spread else fragments.get(name)
            inside = (*spread, name)
        if fragment is None:
            continue
        condition = fragment.type_condition.name.value if fragment.type_condition else None
        for own, node in selected(fragment.selection_set, fragments, inside):
            yield own or condition, node


# ---- shape ------------------------------------------------------------------------------------


@dataclass
class _Tally:
    limits: Limits
    fragments: Fragments
    fields: int = 0
    aliases: int = 0

    def walk(self, selection_set: SelectionSetNode | None, depth: int) -> int:
        """Count the fields below ``selection_set``; returns how many are at its level."""
        here = 0
        for _, node in selected(selection_set, self.fragments):
            here += 1
            self.fields += 1
            self.aliases += node.alias is not None
            limits = self.limits
            if depth > limits.depth:
                raise TooComplex("depth", depth, limits.depth)
            if self.fields > limits.fields:
                raise TooComplex("fields", self.fields, limits.fields)
            if self.aliases > limits.aliases:
                raise TooComplex("aliases", self.aliases, limits.aliases)
            self.walk(node.selection_set, depth + 1)
        return here


def check_shape(operation: OperationDefinitionNode, fragments: Fragments, limits: Limits) -> None:
    """Raise :class:`TooComplex` when the operation is deeper or larger than ``limits``."""
    roots = _Tally(limits, fragments).walk(operation.selection_set, 1)
    if operation.operation is OperationType.MUTATION and roots > limits.mutations:
        raise TooComplex("mutations", roots, limits.mutations)


# ---- cost -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Items:
    """How many items a field yields for one parent: fixed, or a paging argument's value."""

    fixed: int = 1
    variables: tuple[str, ...] = ()  # first / last given by variables

    def count(self, values: Mapping[str, Any]) -> int:
        if not self.variables:
            return self.fixed
        given = [values.get(name) for name in self.variables]
        sizes = [v for v in given if isinstance(v, int) and not isinstance(v, bool)]
        return _counted(max(sizes) if sizes else self.fixed)


@dataclass(slots=True)
class _Cost:
    """One field of the program: records per item, items per parent, what it selects."""

    weight: int
    items: _Items
    below: list[_Cost] = field(default_factory=list)

    def total(self, values: Mapping[str, Any]) -> int:
        inner = sum(child.total(values) for child in self.below)
        return self.items.count(values) * (self.weight + inner)

    def varies(self) -> bool:
        return bool(self.items.variables) or any(child.varies() for child in self.below)


class CostProgram:
    """An operation's cost for any variables.

    Fields the schema does not have cost nothing (a valid operation has none). With
    ``budget``, compiling stops with :class:`TooLarge` past that many fields: an operation
    refused for its shape may spread fragments into more fields than are worth counting.
    """

    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Fragments,
        budget: int | None = None,
    ) -> None:
        root = schema.get_root_type(operation.operation)
        assert root is not None
        weight = MUTATION_COST if operation.operation is OperationType.MUTATION else 1
        self._roots = _Compiler(schema, fragments, budget).selections(
            root, operation.selection_set, root_weight=weight
        )
        # A variable the request leaves out takes the default its operation declares.
        self._defaults = {
            definition.variable.name.value: value_from_ast_untyped(definition.default_value)
            for definition in operation.variable_definitions or ()
            if definition.default_value is not None
        }
        self._fixed = None if any(r.varies() for r in self._roots) else self._total({})

    def cost(self, variables: Mapping[str, Any] | None) -> int:
        if self._fixed is not None:
            return self._fixed
        return self._total({**self._defaults, **(variables or {})})

    def _total(self, values: Mapping[str, Any]) -> int:
        # Past any limit all the same: capped where JavaScript still holds it exactly.
        return min(sum(node.total(values) for node in self._roots), MAX_COST_SHOWN)


Composite = GraphQLObjectType | GraphQLInterfaceType


def _named_object(type_: GraphQLOutputType) -> Composite | None:
    named = get_named_type(type_)
    return named if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) else None


def _is_list(type_: GraphQLOutputType) -> bool:
    unwrapped = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return isinstance(unwrapped, GraphQLList)


def _is_connection(type_: GraphQLOutputType) -> bool:
    named = _named_object(type_)
    return named is not None and "edges" in named.fields and "pageInfo" in named.fields


def _reads(definition: GraphQLField) -> bool:
    """Whether the field has a resolver of its own (which may read records), rather than a
    value its object already holds."""
    strawberry_field = definition.extensions.get("strawberry-definition")
    return getattr(strawberry_field, "base_resolver", None) is not None


def _page_size(node: FieldNode, definition: GraphQLField) -> _Items:
    """A connection's page size: the ``first`` or ``last`` it is given, else its default
    (the change log's is larger than a list's)."""
    literal: list[int] = []
    variables: list[str] = []
    for argument in node.arguments or ():
        if argument.name.value not in ("first", "last"):
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            literal.append(int(value.value))
        elif isinstance(value, VariableNode):
            variables.append(value.name.value)
    first = definition.args.get("first")
    default = first.default_value if first is not None else None
    if not isinstance(default, int) or isinstance(default, bool):
        default = DEFAULT_PAGE_SIZE
    if variables:  # a variable left out gives the default
        return _Items(default, tuple(variables))
    return _Items(_counted(max(literal) if literal else default))


def _counted(size: int) -> int:
    """A page size as the cost counts it: as asked, up to the largest page any list gives
    (a larger one is refused by its list, naming the limit)."""
    return max(0, min(size, LONG_PAGE_SIZE))


class TooLarge(HubError):
    """The operation has more fields than the compiler's budget."""

    code = "TOO_COMPLEX"


class _Compiler:
    def __init__(self, schema: GraphQLSchema, fragments: Fragments, budget: int | None) -> None:
        self._schema = schema
        self._fragments = fragments
        self._budget = budget

    def selections(
        self,
        parent: Composite,
        selection_set: SelectionSetNode | None,
        root_weight: int | None = None,
        edge_items: _Items | None = None,
    ) -> list[_Cost]:
        """The program of the fields selected on ``parent`` (on the type a fragment names,
        where one does; an estimate may count a type condition that does not apply)."""
        found: list[_Cost] = []
        for condition, node in selected(selection_set, self._fragments):
            if self._budget is not None:
                self._budget -= 1
                if self._budget < 0:
                    raise TooLarge("the operation has more fields than the compiler's budget")
            name = node.name.value
            if name.startswith("__"):  # introspection reads the schema, not the database
                continue
            owner = self._schema.get_type(condition) if condition else parent
            if not isinstance(owner, GraphQLObjectType | GraphQLInterfaceType):
                owner = parent
            definition = owner.fields.get(name)
            if definition is not None:
                found.append(self._field(node, definition, root_weight, edge_items))
        return found

    def _field(
        self,
        node: FieldNode,
        definition: GraphQLField,
        root_weight: int | None,
        edge_items: _Items | None,
    ) -> _Cost:
        object_type = _named_object(definition.type)
        if object_type is None:
            return _Cost(0, _Items(0))  # a leaf costs nothing on its own
        weight = int(_reads(definition)) if root_weight is None else root_weight
        if _is_connection(definition.type):
            # What it selects on its edges comes once per item of its page.
            items = _page_size(node, definition)
            below = self.selections(object_type, node.selection_set, edge_items=items)
            return _Cost(weight, _Items(), below)
        if edge_items is not None and node.name.value == "edges":
            return _Cost(1, edge_items, self.selections(object_type, node.selection_set))
        below = self.selections(object_type, node.selection_set)
        if not _is_list(definition.type):
            return _Cost(weight, _Items(), below)
        if "id" not in object_type.fields:
            # Parts and values, not records (a contract's items, a change's fields): read
            # with their record, once; what they select below counts for each.
            return _Cost(weight, _Items(), [_Cost(0, _Items(LIST_ESTIMATE), below)])
        return _Cost(weight, _Items(LIST_ESTIMATE), below)

"""How much a GraphQL operation may cost, known before anything of it runs.

Two measures, both kept per operation (the parser hands out the same syntax tree for the same
text, so they are worked out once):

- its **shape**, from the syntax alone and before validation: how deep its fields nest, how
  many fields and aliases it selects and how many mutations it runs, with fragments spread
  where they are used. Counting stops as soon as a limit is passed, so a document that
  spreads fragments into millions of fields costs no more than the limit to refuse.
- its **cost**, from the syntax and the schema: about how many records it may read. A field
  that reads records (a root field, a connection, a relation or a lookup of its own) counts
  one per record; a connection multiplies what it selects on its nodes by its page size
  (``first`` or ``last``, 20 when not given), a list without paging by ``LIST_ESTIMATE``, as
  GitHub's and Shopify's APIs count; a mutation counts ``MUTATION_COST``. The page sizes may
  come from variables, so the cost is a small program run for each request's variables.
"""

from __future__ import annotations

from collections.abc import Mapping
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
)

from hub.api.identity import ByIdentity
from hub.read.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

LIST_ESTIMATE = 10
MUTATION_COST = 10
_KEPT = 512


class TooComplex(Exception):
    """An operation past one of the limits: which measure, its value and the limit."""

    def __init__(self, measure: str, value: int, limit: int, cost: int | None = None) -> None:
        super().__init__(measure)
        self.measure = measure
        self.value = value
        self.limit = limit
        self.cost = cost

    @property
    def message(self) -> str:
        what = {
            "depth": "nests its fields deeper",
            "fields": "selects more fields",
            "aliases": "uses more aliases",
            "mutations": "runs more mutations",
            "cost": "may read more records (its estimated cost)",
        }[self.measure]
        return (
            f"The operation {what} than this hub allows: {self.value} against a limit of "
            f"{self.limit}. Ask for smaller pages, fewer nested lists or fewer fields."
        )


@dataclass(frozen=True)
class Limits:
    depth: int
    fields: int
    aliases: int
    mutations: int
    cost: int


# ---- shape ------------------------------------------------------------------------------------


@dataclass
class _Tally:
    limits: Limits
    fragments: Mapping[str, FragmentDefinitionNode]
    fields: int = 0
    aliases: int = 0

    def field(self, node: FieldNode, depth: int) -> None:
        self.fields += 1
        if node.alias is not None:
            self.aliases += 1
        if depth > self.limits.depth:
            raise TooComplex("depth", depth, self.limits.depth)
        if self.fields > self.limits.fields:
            raise TooComplex("fields", self.fields, self.limits.fields)
        if self.aliases > self.limits.aliases:
            raise TooComplex("aliases", self.aliases, self.limits.aliases)


def check_shape(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    limits: Limits,
) -> None:
    """Raise :class:`TooComplex` when the operation is deeper or larger than ``limits``."""
    tally = _Tally(limits, fragments)
    roots = _walk(operation.selection_set, 1, tally, ())
    if operation.operation is OperationType.MUTATION and roots > limits.mutations:
        raise TooComplex("mutations", roots, limits.mutations)


def _walk(
    selections: SelectionSetNode | None, depth: int, tally: _Tally, spread: tuple[str, ...]
) -> int:
    """Count the fields below ``selections``; returns how many are at this level."""
    if selections is None:
        return 0
    here = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            here += 1
            tally.field(selection, depth)
            _walk(selection.selection_set, depth + 1, tally, spread)
        elif isinstance(selection, InlineFragmentNode):
            here += _walk(selection.selection_set, depth, tally, spread)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = tally.fragments.get(name)
            if fragment is not None and name not in spread:  # cycles are a validation error
                here += _walk(fragment.selection_set, depth, tally, (*spread, name))
    return here


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
        size = max(sizes) if sizes else DEFAULT_PAGE_SIZE
        return max(0, min(size, MAX_PAGE_SIZE))


@dataclass(slots=True)
class _Cost:
    """One field of the program: records per item, items per parent, what it selects."""

    weight: int
    items: _Items
    below: list[_Cost] = field(default_factory=list)

    def total(self, values: Mapping[str, Any]) -> int:
        inner = sum(child.total(values) for child in self.below)
        return self.items.count(values) * (self.weight + inner)


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


def _page_size(node: FieldNode) -> _Items:
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
    if variables:
        return _Items(0, tuple(variables))
    size = max(literal) if literal else DEFAULT_PAGE_SIZE
    return _Items(max(0, min(size, MAX_PAGE_SIZE)))


class CostAnalysis:
    """The cost programs of recently seen operations of one schema."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self._schema = schema
        self._programs = ByIdentity[list[_Cost]](_KEPT)

    def cost(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any] | None,
    ) -> int:
        """The operation's estimated cost for these variables (it must have validated)."""
        program = self._programs.kept(lambda: self._compiled(operation, fragments), operation)
        values = variables or {}
        return sum(node.total(values) for node in program)

    def _compiled(
        self, operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
    ) -> list[_Cost]:
        root = self._schema.get_root_type(operation.operation)
        assert root is not None
        weight = MUTATION_COST if operation.operation is OperationType.MUTATION else 1
        compiler = _Compiler(self._schema, fragments)
        return compiler.selections(root, operation.selection_set, root_weight=weight)


class _Compiler:
    def __init__(
        self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode]
    ) -> None:
        self._schema = schema
        self._fragments = fragments

    def selections(
        self,
        parent: Composite,
        selection_set: SelectionSetNode | None,
        root_weight: int | None = None,
        edge_items: _Items | None = None,
    ) -> list[_Cost]:
        found: list[_Cost] = []
        for owner, node in self._fields(parent, selection_set, ()):
            name = node.name.value
            if name.startswith("__"):  # introspection reads the schema, not the database
                continue
            definition = owner.fields.get(name)
            if definition is None:
                continue
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
            below = self.selections(object_type, node.selection_set, edge_items=_page_size(node))
            return _Cost(weight, _Items(), below)
        if edge_items is not None and node.name.value == "edges":
            return _Cost(1, edge_items, self.selections(object_type, node.selection_set))
        items = _Items(LIST_ESTIMATE) if _is_list(definition.type) else _Items()
        return _Cost(weight, items, self.selections(object_type, node.selection_set))

    def _fields(
        self,
        parent: Composite,
        selection_set: SelectionSetNode | None,
        spread: tuple[str, ...],
    ) -> list[tuple[Composite, FieldNode]]:
        """The fields selected on ``parent`` with the type each is selected on, through
        fragments (all of them: an estimate may count a type condition that does not apply)."""
        if selection_set is None:
            return []
        found: list[tuple[Composite, FieldNode]] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                found.append((parent, selection))
                continue
            inside = spread
            if isinstance(selection, InlineFragmentNode):
                fragment: InlineFragmentNode | FragmentDefinitionNode | None = selection
            else:
                assert isinstance(selection, FragmentSpreadNode)
                name = selection.name.value
                fragment = None if name in spread else self._fragments.get(name)
                inside = (*spread, name)
            if fragment is None:
                continue
            condition = fragment.type_condition
            named = self._schema.get_type(condition.name.value) if condition else parent
            owner = named if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) else parent
            found += self._fields(owner, fragment.selection_set, inside)
        return found

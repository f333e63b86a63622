"""What an operation must pass before it runs: the limits of its shape, its caller's scopes,
the limit of its cost and its caller's budget (see :mod:`hub.api.complexity` and
:mod:`hub.api.budget`). Each refusal is an :class:`HttpProblem` with its code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from hub.api.budget import CostBudget
from hub.api.complexity import CostAnalysis, Limits, TooComplex, check_shape
from hub.api.identity import ByIdentity
from hub.api.requests import HttpProblem
from hub.auth.principal import Principal, Scope
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.api.schema import HubSchema

_KEPT = 512
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"


class Guard:
    def __init__(self, schema: HubSchema, settings: Settings) -> None:
        self._scopes = schema.scopes
        self.limits = Limits(
            depth=settings.max_depth,
            fields=settings.max_fields,
            aliases=settings.max_aliases,
            mutations=settings.max_mutations,
            cost=settings.max_cost,
        )
        self._costs = CostAnalysis(schema._schema)
        self._budget = CostBudget(settings.cost_per_minute)
        self._needed = ByIdentity[dict[str, Scope]](_KEPT)
        self._shaped = ByIdentity[bool](_KEPT)

    def check_shape(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> None:
        """Refuse an operation deeper or larger than the limits, from its syntax alone."""
        if self._shaped.find(None, operation):
            return
        try:
            check_shape(operation, fragments, self.limits)
        except TooComplex as exc:
            raise _too_complex(exc) from exc
        self._shaped.keep(True, None, operation)

    def authorize(
        self,
        principal: Principal,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> None:
        """Refuse with 403 unless the caller holds the scope of every root field."""
        root = operation.operation.value.capitalize()
        needed = self._needed.kept(
            lambda: {
                name: self._scopes.get((root, name), Scope.ADMIN)
                for name in _root_fields(operation.selection_set, fragments, set())
                if not name.startswith("__")
            },
            None,
            operation,
        )
        lacking = {name: scope for name, scope in needed.items() if not principal.allows(scope)}
        if lacking:
            scopes = sorted({scope.value for scope in lacking.values()})
            fields = ", ".join(f"{name} ({scope.value})" for name, scope in lacking.items())
            raise HttpProblem(
                403,
                "FORBIDDEN",
                f"{principal.name} lacks the scope these fields need: {fields}",
                extensions={"scopes": scopes},
            )

    def cost(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any] | None,
    ) -> int:
        """The operation's estimated cost, refused when it passes the limit."""
        cost = self._costs.cost(operation, fragments, variables)
        if cost > self.limits.cost:
            raise _too_complex(TooComplex("cost", cost, self.limits.cost, cost))
        return cost

    def spend(self, principal: Principal, cost: int) -> None:
        """Take the cost from the caller's budget, or refuse with 429."""
        wait = self._budget.spend(principal.lane, cost)
        if wait is not None:
            raise HttpProblem(
                429,
                "RATE_LIMITED",
                f"{principal.name} has spent its budget of estimated cost for this minute; "
                f"this request (cost {cost}) can run in {wait} s",
                headers={"Retry-After": str(wait)},
                extensions={"cost": cost, "retryAfterSeconds": wait},
            )


def _too_complex(exc: TooComplex) -> HttpProblem:
    extensions: dict[str, Any] = {"measure": exc.measure, "value": exc.value, "limit": exc.limit}
    if exc.cost is not None:
        extensions["cost"] = exc.cost
    return HttpProblem(400, QUERY_TOO_COMPLEX, exc.message, extensions=extensions)


def _root_fields(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    spread: set[str],
) -> list[str]:
    names: list[str] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            names.append(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names += _root_fields(selection.selection_set, fragments, spread)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in spread:
                spread.add(name)
                names += _root_fields(fragment.selection_set, fragments, spread)
    return names

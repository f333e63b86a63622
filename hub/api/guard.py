"""What an operation must pass before it runs: the limits of its shape, its caller's scopes,
the limit of its cost and its caller's budget (see :mod:`hub.api.complexity` and
:mod:`hub.api.budget`). Each refusal is an :class:`HttpProblem` with its code.

What an operation's text fixes (its shape passed, the scopes its root fields need, its cost
program) is worked out once and kept with it, found again by the operation's identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import GraphQLSchema, OperationDefinitionNode

from hub.api.budget import CostBudget
from hub.api.complexity import (
    CostProgram,
    Fragments,
    Limits,
    TooComplex,
    TooLarge,
    check_shape,
    selected,
)
from hub.api.requests import HttpProblem
from hub.auth.principal import Principal, Scope
from hub.identity import ByIdentity
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.api.schema import HubSchema

_KEPT = 512
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"


@dataclass
class Admission:
    """What the guard knows of one operation, once its shape passed."""

    operation: OperationDefinitionNode
    fragments: Fragments
    needed: dict[str, Scope] | None = None  # by root field; known once it validated
    program: CostProgram | None = None


class Guard:
    def __init__(self, schema: HubSchema, settings: Settings) -> None:
        self._schema: GraphQLSchema = schema._schema
        self._scopes = schema.scopes
        self.limits = Limits(
            depth=settings.max_depth,
            fields=settings.max_fields,
            aliases=settings.max_aliases,
            mutations=settings.max_mutations,
            cost=settings.max_cost,
        )
        self._budget = CostBudget(settings.cost_per_minute)
        self._admitted = ByIdentity[Admission](_KEPT)

    def check_shape(
        self,
        operation: OperationDefinitionNode,
        fragments: Fragments,
        variables: Mapping[str, Any] | None,
    ) -> Admission:
        """Refuse an operation deeper or larger than the limits, from its syntax alone; the
        refusal names the operation's cost too where it is quickly known."""
        admission = self._admitted.find(None, operation)
        if admission is None:
            try:
                check_shape(operation, fragments, self.limits)
            except TooComplex as exc:
                exc.cost = self._cost_if_small(operation, fragments, variables)
                raise _too_complex(exc) from exc
            admission = self._admitted.keep(Admission(operation, fragments), None, operation)
        return admission

    def _cost_if_small(
        self,
        operation: OperationDefinitionNode,
        fragments: Fragments,
        variables: Mapping[str, Any] | None,
    ) -> int | None:
        try:
            program = CostProgram(self._schema, operation, fragments, self.limits.fields)
        except TooLarge:
            return None
        return program.cost(variables)

    def admit(
        self, admission: Admission, principal: Principal, variables: Mapping[str, Any] | None
    ) -> int:
        """Check the validated operation against the caller's scopes (403), its cost against
        the limit (``QUERY_TOO_COMPLEX``) and the caller's budget (429); returns the cost."""
        if admission.needed is None:
            admission.needed = self._needed(admission)
            admission.program = CostProgram(self._schema, admission.operation, admission.fragments)
        lacking = {n: s for n, s in admission.needed.items() if not principal.allows(s)}
        if lacking:
            scopes = sorted({scope.value for scope in lacking.values()})
            fields = ", ".join(f"{name} ({scope.value})" for name, scope in lacking.items())
            raise HttpProblem(
                403,
                "FORBIDDEN",
                f"{principal.name} lacks the scope these fields need: {fields}",
                extensions={"scopes": scopes},
            )
        assert admission.program is not None
        cost = admission.program.cost(variables)
        if cost > self.limits.cost:
            raise _too_complex(TooComplex("cost", cost, self.limits.cost, cost))
        self._spend(principal, cost)
        return cost

    def _needed(self, admission: Admission) -> dict[str, Scope]:
        root = admission.operation.operation.value.capitalize()
        return {
            node.name.value: self._scopes.get((root, node.name.value), Scope.ADMIN)
            for _, node in selected(admission.operation.selection_set, admission.fragments)
            if not node.name.value.startswith("__")
        }

    def _spend(self, principal: Principal, cost: int) -> None:
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

"""The validation rules the API checks documents with: graphql-core's, with values written
into the document placed as precisely as values sent in variables.

graphql-core reports a scalar's own refusal of a literal (``Value cannot represent a Date:
"2026-02-30"``) as the scalar raised it: without the argument and input field it stands at
and without a location, so a client that wrote ten dates inline cannot tell which one. A
variable's refusal names that path (``at "inputs[1].effectiveDate"``); a literal's now does
too, and points at the argument's value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import (
    ArgumentNode,
    GraphQLError,
    GraphQLInputType,
    ValueNode,
    specified_rules,
)
from graphql.language import SKIP, VisitorAction
from graphql.utilities.validate_input_value import validate_input_literal
from graphql.validation import ASTValidationRule, ValuesOfCorrectTypeRule


class PlacedLiteralValues(ValuesOfCorrectTypeRule):
    """:class:`ValuesOfCorrectTypeRule` that names where a refused literal stands."""

    _argument: str | None = None

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._argument = node.name.value

    def leave_argument(self, *_args: Any) -> None:
        self._argument = None

    def is_valid_value_node(
        self, node: ValueNode, input_type: GraphQLInputType | None
    ) -> VisitorAction:
        if input_type:

            def on_error(error: GraphQLError, path: list[str | int]) -> None:
                if error.nodes:  # graphql-core's own refusals are placed already
                    self.report_error(error)
                    return
                where = _dotted([self._argument, *path] if self._argument else path)
                message = f'Invalid value at "{where}": {error.message}' if where else None
                self.report_error(
                    GraphQLError(
                        message or error.message, node, original_error=error.original_error
                    )
                )

            validate_input_literal(
                node, input_type, on_error, None, None, self.context.hide_suggestions
            )
        return SKIP


def _dotted(path: list[str | int]) -> str:
    """``["inputs", 1, "effectiveDate"]`` as ``inputs[1].effectiveDate``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}" if text else step
    return text


def placed(rules: Iterable[type[ASTValidationRule]]) -> tuple[type[ASTValidationRule], ...]:
    """``rules`` with literal values placed where they stand."""
    return tuple(PlacedLiteralValues if rule is ValuesOfCorrectTypeRule else rule for rule in rules)


# The rules strawberry validates with when no extension adds any.
RULES = placed(specified_rules)

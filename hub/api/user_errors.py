"""How the API reports an input it does not accept: a list of user errors, each naming
the field, the rule and what is wrong, in the payload beside the result."""

from __future__ import annotations

import strawberry

from hub.domain import validation
from hub.domain.problems import Path, Problem


@strawberry.type(description="Why an input was not accepted.")
class UserError:
    field: list[str] = strawberry.field(
        description='Path into the input, e.g. ["input", "vin"] or ["input", "items", "0", "uiid"].'
    )
    code: str = strawberry.field(
        description="Stable code: REQUIRED, INVALID_VIN, INVALID_COUNTRY, INVALID_EMAIL, "
        "INVALID_PHONE, INVALID_DATE_RANGE, INVALID_COVERAGE, INVALID_VALUE, INVALID_REFERENCE, "
        "INVALID_ID, NOT_FOUND, AMBIGUOUS_REFERENCE, CONFLICT, DUPLICATE, INVALID_TRANSITION, "
        "TOO_LARGE, TOO_MANY, FORBIDDEN, ERASED."
    )
    message: str = strawberry.field(description="What is wrong, for people.")


def free_text(path: Path, value: str | None) -> list[Problem]:
    """The problem with a free-text argument (a reason, a description), if it has one."""
    checked = validation.text(value, path)
    return [checked] if isinstance(checked, Problem) else []


def user_errors(problems: list[Problem]) -> list[UserError]:
    return [
        UserError(field=[str(p) for p in x.path], code=x.code, message=x.message) for x in problems
    ]

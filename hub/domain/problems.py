"""Business errors as data: each names the input path, a stable code and a message."""

from __future__ import annotations

from dataclasses import dataclass

from hub.errors import HubError

REQUIRED = "REQUIRED"
INVALID_VIN = "INVALID_VIN"
INVALID_COUNTRY = "INVALID_COUNTRY"
INVALID_EMAIL = "INVALID_EMAIL"
INVALID_PHONE = "INVALID_PHONE"
INVALID_DATE_RANGE = "INVALID_DATE_RANGE"
INVALID_VALUE = "INVALID_VALUE"
INVALID_COVERAGE = "INVALID_COVERAGE"
INVALID_REFERENCE = "INVALID_REFERENCE"
INVALID_ID = "INVALID_ID"
NOT_FOUND = "NOT_FOUND"
AMBIGUOUS_REFERENCE = "AMBIGUOUS_REFERENCE"
CONFLICT = "CONFLICT"
DUPLICATE = "DUPLICATE"
INVALID_TRANSITION = "INVALID_TRANSITION"
TOO_LARGE = "TOO_LARGE"
TOO_MANY = "TOO_MANY"
FORBIDDEN = "FORBIDDEN"
UNKNOWN_FIELD = "UNKNOWN_FIELD"
ERASED = "ERASED"

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input. ``path`` leads from the argument to the field."""

    path: Path
    code: str
    message: str

    def under(self, *prefix: str | int) -> Problem:
        return Problem((*prefix, *self.path), self.code, self.message)


class Rejected(HubError):
    """Raised inside a write transaction to roll it back and report the problems."""

    code = "BAD_USER_INPUT"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def a(noun: str) -> str:
    """``noun`` with its indefinite article, for a message: ``an IdentificationObject``."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"

"""Cursor pagination over an ordered result: forwards (first/after) and backwards
(last/before), with page sizes capped.

Cursors are opaque to clients; they encode a position in the ordering.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Generic, TypeVar

from hub.errors import BadRequest

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_PREFIX = "cursor:"

T = TypeVar("T")


class PaginationError(BadRequest):
    """A paging argument outside its rules; the message says which and why."""


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).decode()


def decode_cursor(cursor: str, argument: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(_PREFIX):
            position = int(text.removeprefix(_PREFIX))
            if position >= 0:
                return position
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise PaginationError(f"{argument}: {cursor!r} is not a cursor this API returned")


@dataclass(frozen=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def validate(self) -> None:
        for name, size in (("first", self.first), ("last", self.last)):
            if size is not None and not 0 <= size <= MAX_PAGE_SIZE:
                raise PaginationError(
                    f"{name} must be between 0 and {MAX_PAGE_SIZE} (the page size limit); "
                    f"got {size}"
                )
        if self.first is not None and self.last is not None:
            raise PaginationError("give first or last, not both")

    @property
    def backwards(self) -> bool:
        return self.last is not None or (self.before is not None and self.first is None)


@dataclass(frozen=True)
class Window:
    """Rows ``offset`` to ``offset + limit`` of the ordered result (``limit`` may be 0)."""

    offset: int
    limit: int
    has_previous: bool
    has_next: bool | None  # None: decide from whether one more row exists


@dataclass(slots=True)
class Page(Generic[T]):
    """The nodes of one page, where they lie in the whole list of ``total`` and whether more
    follow."""

    nodes: list[T]
    window: Window
    total: int
    has_next: bool


def forward_window(request: PageRequest) -> Window:
    size = DEFAULT_PAGE_SIZE if request.first is None else request.first
    start = decode_cursor(request.after, "after") + 1 if request.after else 0
    end = start + size
    if request.before:
        end = min(end, decode_cursor(request.before, "before"))
    limit = max(0, end - start)
    bounded_by_before = request.before is not None and end < start + size
    return Window(start, limit, start > 0, False if bounded_by_before else None)


def backward_window(request: PageRequest, total: int) -> Window:
    """Backwards needs the total when no ``before`` cursor marks the end."""
    size = DEFAULT_PAGE_SIZE if request.last is None else request.last
    end = decode_cursor(request.before, "before") if request.before else total
    end = min(end, total)
    floor = decode_cursor(request.after, "after") + 1 if request.after else 0
    start = max(floor, end - size)
    return Window(start, max(0, end - start), start > 0, end < total)


def needs_total(request: PageRequest) -> bool:
    return request.backwards

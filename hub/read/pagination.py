"""Cursor pagination over an ordered result: forwards (first/after) and backwards
(last/before), with page sizes capped.

A position in a list is the row's sort values followed by its id (:mod:`hub.read.cursors`
turns it into an opaque cursor and back). Pages are cut by position, not by offset: the rows
after a cursor are those that sort after it, whatever was inserted or deleted meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from hub.errors import BadRequest
from hub.read.cursors import BoundCursors

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# The change log's and invoice lines' pages, which partner systems fetch in bulk.
LONG_PAGE_SIZE = 1_000

T = TypeVar("T")
Position = Sequence[Any]


class PaginationError(BadRequest):
    """A paging argument outside its rules; the message says which and why."""


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

    @property
    def size(self) -> int:
        given = self.last if self.backwards else self.first
        return DEFAULT_PAGE_SIZE if given is None else given

    @property
    def from_start(self) -> bool:
        """Forwards from the first row: the only page whose rows an offset can find."""
        return not self.backwards and self.after is None and self.before is None


@dataclass(frozen=True)
class Bounds:
    """A request's cursors as positions: rows strictly after ``after`` and before ``before``."""

    after: list[Any] | None
    before: list[Any] | None

    @classmethod
    def of(cls, request: PageRequest, cursors: BoundCursors) -> Bounds:
        return cls(
            cursors.decode(request.after, "after") if request.after is not None else None,
            cursors.decode(request.before, "before") if request.before is not None else None,
        )


@dataclass(slots=True)
class Page(Generic[T]):
    """The nodes of one page, their positions, the total where known and whether more rows
    lie before and after it."""

    nodes: list[T]
    positions: Sequence[Position]
    cursors: BoundCursors
    total: int | None
    has_next: bool
    has_previous: bool

    def cursor(self, index: int) -> str:
        return self.cursors.encode(self.positions[index])

    @property
    def start_cursor(self) -> str | None:
        return self.cursor(0) if self.positions else None

    @property
    def end_cursor(self) -> str | None:
        return self.cursor(len(self.positions) - 1) if self.positions else None


class _Positions(Sequence[Position]):
    """The positions of a page's rows, worked out when a cursor is asked for."""

    __slots__ = ("_position", "_rows")

    def __init__(self, rows: list[dict[str, Any]], position: Callable[[dict[str, Any]], Position]):
        self._rows = rows
        self._position = position

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Position: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Position]: ...

    def __getitem__(self, index: int | slice) -> Position | Sequence[Position]:
        if isinstance(index, slice):
            return [self._position(row) for row in self._rows[index]]
        return self._position(self._rows[index])


def _comparable(position: Position) -> list[tuple[bool, Any]]:
    """A position as Python compares it the way Cypher sorts: nulls last."""
    values = [getattr(v, "to_native", lambda v=v: v)() for v in position]
    return [(v is None, v) for v in values]


def page_of_rows(
    rows: list[dict[str, Any]],
    request: PageRequest,
    position: Callable[[dict[str, Any]], Position],
    cursors: BoundCursors,
    make: Callable[[dict[str, Any]], T],
) -> Page[T]:
    """One page of rows already in their list's order (all of them)."""
    start, end = 0, len(rows)
    if request.after is not None or request.before is not None:
        bounds = Bounds.of(request, cursors)
        keys = [_comparable(position(row)) for row in rows]
        if bounds.after is not None:
            after = _comparable(bounds.after)
            start = next((i for i, key in enumerate(keys) if key > after), len(rows))
        if bounds.before is not None:
            before = _comparable(bounds.before)
            end = next((i for i, key in enumerate(keys) if key >= before), len(rows))
    end = max(start, end)
    if request.backwards:
        first = max(start, end - request.size)
        last, has_previous, has_next = end, first > 0, end < len(rows)
    else:
        first = start
        last = min(end, start + request.size)
        has_previous, has_next = start > 0, last < len(rows)
    chosen = rows[first:last]
    return Page(
        [make(row) for row in chosen],
        _Positions(chosen, position),
        cursors,
        len(rows),
        has_next,
        has_previous,
    )

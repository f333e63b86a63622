"""Statements of bounded size.

A statement's parameters travel to the database in one Bolt message. The embedded store
takes messages of at most 16 MiB. It refused a larger one with ``BOLT message too large``
(the rows a load refused, kept in one statement), and did not answer at all the statements
of a load batch of long rows. Writes of many rows are therefore cut into chunks well below
that, by the UTF-8 size of their text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# The text one statement of many rows carries at most: a quarter of what the store takes,
# as the statement's other parameters and its encoding come on top.
STATEMENT_BYTES = 4 * 1024 * 1024


def utf8_size(text: str) -> int:
    """The bytes ``text`` takes on the wire (a lone surrogate, from a JSON escape, counted as
    its escape would be)."""
    return len(text.encode("utf-8", "surrogatepass"))


def bounded(
    items: Iterable[T], most: int, size_of: Callable[[T], int], limit: int
) -> Iterator[list[T]]:
    """``items`` in chunks of at most ``most`` items and at most ``limit`` of their size, in
    their order; an item larger than ``limit`` alone makes a chunk of its own."""
    chunk: list[T] = []
    size = 0
    for item in items:
        length = size_of(item)
        if chunk and (len(chunk) >= most or size + length > limit):
            yield chunk
            chunk, size = [], 0
        chunk.append(item)
        size += length
    if chunk:
        yield chunk

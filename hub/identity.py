"""Values kept for objects of a query and found again by the objects' identity.

The parser cache hands out the same syntax tree for the same query text, so what was worked
out for a node of it can be found again by the node's identity: far cheaper than hashing
the tree by value, which strawberry's own caches do on every request.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from operator import is_
from typing import Generic, TypeVar

V = TypeVar("V")


class ByIdentity(Generic[V]):
    """Values by a tag and the identity of one or more objects.

    Each entry holds its objects, so their ids cannot be reused while it lives. With
    ``maxsize``, the least recently used entry is dropped first.
    """

    def __init__(self, maxsize: int | None = None) -> None:
        self._maxsize = maxsize
        self._kept: OrderedDict[tuple[Hashable, ...], tuple[tuple[object, ...], V]]
        self._kept = OrderedDict()

    def find(self, tag: Hashable, *objects: object) -> V | None:
        """The value kept for these very objects, or None."""
        key = (tag, *map(id, objects))
        kept = self._kept.get(key)
        if kept is None or not all(map(is_, kept[0], objects)):
            return None
        if self._maxsize is not None:
            self._kept.move_to_end(key)
        return kept[1]

    def keep(self, value: V, tag: Hashable, *objects: object) -> V:
        """Keep ``value`` for these objects and return it."""
        self._kept[(tag, *map(id, objects))] = (objects, value)
        if self._maxsize is not None and len(self._kept) > self._maxsize:
            self._kept.popitem(last=False)
        return value

    def kept(self, compute: Callable[[], V], tag: Hashable, *objects: object) -> V:
        """The value kept for these objects, computed and kept first if there is none."""
        found = self.find(tag, *objects)
        return found if found is not None else self.keep(compute(), tag, *objects)

    def values(self) -> Iterator[V]:
        return (value for _, value in self._kept.values())

"""The fields a file of one kind may hold, from its delivery shape (:mod:`hub.domain.shapes`):
which CSV columns and NDJSON fields are known, and how a CSV cell is read into a value.

A field the kind does not know is an error (``UNKNOWN_FIELD``, naming it and the closest known
one), never dropped in silence; a load told to ignore unknown fields drops them and counts them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hub.domain import problems as codes
from hub.domain.problems import Path, Problem
from hub.domain.shapes import INPUTS, SHAPES, Field, Shape, unknown_field, unknown_in

# What a loader reads beside the input's fields: a document's file, stored on the way in.
LOADER_FIELDS: dict[str, tuple[Field, ...]] = {
    "Document": (Field("file", "String", "Path of the document's file, beside the extract."),),
}

# Every kind's rows may say the system no longer holds the record (see loaders.load).
DELETED = Field(
    "deleted",
    "Boolean",
    "true (or X, 1, yes): the system no longer holds this record; only its source is read.",
)

_NUMBERS = {"Int": int, "Float": float}


class Fields:
    """The fields of the delivery shape of one kind, with the loader's own."""

    def __init__(self, label: str) -> None:
        self.label = label
        shape = INPUTS[label]
        self.shape = Shape(
            shape.name,
            shape.description,
            (*shape.fields, *LOADER_FIELDS.get(label, ()), DELETED),
        )

    def field(self, parts: Path) -> Field | None:
        """The field at ``parts`` (list indexes skipped), or None when there is none."""
        shape: Shape | None = self.shape
        found: Field | None = None
        for part in parts:
            if isinstance(part, int) or str(part).isdigit():
                continue
            if shape is None:
                return None
            found = shape.field(str(part))
            if found is None:
                return None
            shape = SHAPES.get(found.type)
        return found

    def unknown(self, parts: Path) -> Problem | None:
        """``UNKNOWN_FIELD`` for the first part of ``parts`` its shape does not know, naming
        the closest known field there."""
        shape: Shape | None = self.shape
        for at, part in enumerate(parts):
            if isinstance(part, int) or str(part).isdigit():
                continue
            if shape is None:
                dotted = ".".join(str(p) for p in parts)
                parent = ".".join(str(p) for p in parts[:at])
                return Problem(
                    tuple(parts[: at + 1]),
                    codes.UNKNOWN_FIELD,
                    f"unknown field {dotted}: {parent} holds a value, not fields",
                )
            found = shape.field(str(part))
            if found is None:
                return unknown_field(parts[: at + 1], shape)
            shape = SHAPES.get(found.type)
        return None

    def unknown_in(self, row: Any) -> Iterator[Problem]:
        """``UNKNOWN_FIELD`` for every field of the nested ``row`` the kind does not know."""
        return unknown_in(self.shape, row)

    def without_unknown(self, row: Any) -> tuple[Any, list[str]]:
        """``row`` without the fields the kind does not know, and their dotted names."""
        dropped: list[str] = []
        return self._pruned(row, (), dropped), dropped

    def _pruned(self, row: Any, at: Path, dropped: list[str]) -> Any:
        shape = self.shape if not at else _shape_at(self, at)
        if shape is None or not isinstance(row, dict):
            return row
        kept: dict[str, Any] = {}
        for name, value in row.items():
            found = shape.field(str(name))
            path = (*at, name)
            if found is None:
                dropped.append(".".join(str(p) for p in path if not isinstance(p, int)))
            elif found.nested and found.many and isinstance(value, list):
                kept[name] = [self._pruned(v, (*path, i), dropped) for i, v in enumerate(value)]
            elif found.nested:
                kept[name] = self._pruned(value, path, dropped)
            else:
                kept[name] = value
        return kept

    def cell(self, parts: Path, text: str) -> Any:
        """A CSV cell as the value of the field at ``parts``: a list's items are separated by
        ``|``; numbers are read as numbers (text that is none is left for the checks)."""
        found = self.field(parts)
        if found is None:
            return text
        if found.many and not found.nested:
            return [_scalar(found, item.strip()) for item in text.split("|") if item.strip()]
        return _scalar(found, text)


def _scalar(found: Field, text: str) -> Any:
    number = _NUMBERS.get(found.type)
    if number is None:
        return text
    try:
        return number(text)
    except ValueError:
        return text  # reported by validation with the field's path


def _shape_at(fields: Fields, at: Path) -> Shape | None:
    found = fields.field(at)
    return SHAPES.get(found.type) if found is not None else None

"""Reading extract files row by row: NDJSON and CSV, streamed (memory stays flat).

NDJSON and CSV carry the same records as the GraphQL upsert inputs; SAP IDoc XML
(``.xml``, see :mod:`loaders.idoc`) carries customer and vendor masters. NDJSON lines are those
inputs as JSON objects. CSV columns name a path into the input with dots (``source.key``,
``owner.source.key``, ``addresses.0.city``); a numeric part indexes a list, and a cell of a
list-valued field (``roles``, ``configuration``) holds its items separated by ``|``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from hub import encoding
from loaders import idoc

Row = dict[str, Any]

LIST_FIELDS = frozenset({"roles", "configuration"})
NUMBER_FIELDS = frozenset({"modelYear", "coveragePercent", "mileageKm"})


class FormatError(ValueError):
    """A line that is not a record at all (broken JSON, a CSV row of the wrong width)."""


@dataclass(frozen=True)
class Line:
    number: int
    row: Row | None
    raw: str
    error: str | None = None


def _assign(target: Row, path: list[str], value: Any) -> None:
    node: Any = target
    for part, following in zip(path, [*path[1:], None], strict=True):
        if following is None:
            break
        child: Any = [] if following.isdigit() else {}
        if part.isdigit():
            index = int(part)
            while len(node) <= index:
                node.append(None)
            node[index] = node[index] if node[index] is not None else child
            node = node[index]
        else:
            node = node.setdefault(part, child)
    last = path[-1]
    if last.isdigit():
        index = int(last)
        while len(node) <= index:
            node.append(None)
        node[index] = value
    else:
        node[last] = value


def _cell(name: str, text: str) -> Any:
    if name in LIST_FIELDS:
        return [item.strip() for item in text.split("|") if item.strip()]
    if name in NUMBER_FIELDS:
        try:
            return int(text)
        except ValueError:
            return text  # reported by validation with the field's path
    return text


def unflatten(columns: dict[str, str]) -> Row:
    """A CSV record as a nested input; empty cells are left out."""
    row: Row = {}
    for column, text in columns.items():
        if column is None or text is None or text == "":
            continue
        path = column.strip().split(".")
        _assign(row, path, _cell(path[-1], text))
    compacted: Row = _compact(row)
    return compacted


def _compact(value: Any) -> Any:
    """Drop the holes a sparse CSV leaves in lists (addresses.0, addresses.2)."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_compact(v) for v in value if v is not None]
    return value


def read_ndjson(path: Path) -> Iterator[Line]:
    with open(path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                row = encoding.loads(text)
            except json.JSONDecodeError as exc:
                yield Line(number, None, text.rstrip("\n"), f"not JSON: {exc.msg}")
                continue
            if not isinstance(row, dict):
                yield Line(number, None, text.rstrip("\n"), "a line must hold one JSON object")
                continue
            yield Line(number, row, text.rstrip("\n"))


def read_csv(path: Path) -> Iterator[Line]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for record in reader:
            number = reader.line_num
            raw = encoding.dumps(record).decode()
            if None in record:
                yield Line(number, None, raw, "the row has more cells than the header")
                continue
            yield Line(number, unflatten(record), raw)


def read_idoc(path: Path) -> Iterator[Line]:
    """Customer and vendor masters of an SAP IDoc file; the line number is the IDoc's."""
    try:
        for number, segment in idoc.read_segments(path):
            raw = encoding.dumps({k: v for k, v in segment.items() if k != "_tag"}).decode()
            yield Line(number, idoc.partner_from_segment(segment), raw)
    except ET.ParseError as exc:
        yield Line(exc.position[0], None, "", f"not well-formed XML: {exc}")


READERS = {".ndjson": read_ndjson, ".jsonl": read_ndjson, ".csv": read_csv, ".xml": read_idoc}


def read(path: Path) -> Iterator[Line]:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise FormatError(f"{path}: unknown format; use .csv, .ndjson or .jsonl")
    return reader(path)

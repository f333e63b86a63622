"""Files of objects shaped like an API input, one per line: NDJSON, or CSV whose header names
the fields, nested ones with dots (``contract.number``, ``identification.kind``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _nested(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row with dotted column names as the nested object they name; empty cells are
    left out."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        if name is None or value is None or value.strip() == "":
            continue
        *parents, last = name.strip().split(".")
        target = out
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value.strip()
    return out


def rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, the line's object or None, what was wrong) of each line of ``path``."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        width = len(reader.fieldnames or [])
        for row in reader:
            if None in row:  # cells beyond the header's: which field each meant is unknown
                cells = width + len(row[None])
                yield reader.line_num, None, f"the row has {cells} cells, the header {width}"
                continue
            yield reader.line_num, _nested(row), ""
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            found = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"not JSON: {exc.msg}"
            continue
        if isinstance(found, dict):
            yield number, found, ""
        else:
            yield number, None, "a line must be an object of ContractChangeInput's fields"

"""Reading extract files row by row: NDJSON and CSV, streamed (memory stays flat).

NDJSON and CSV carry the same records as the GraphQL upsert inputs; SAP IDoc XML
(``.xml``, see :mod:`loaders.idoc`) carries customer and vendor masters. NDJSON lines are those
inputs as JSON objects. CSV columns name a path into the input with dots (``source.key``,
``owner.source.key``, ``addresses.0.city``); a numeric part indexes a list, and a cell of a
list-valued field (``roles``, ``configuration``) holds its items separated by ``|``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree import ElementTree as ET

import orjson

from hub import encoding
from hub.domain.problems import Problem
from hub.errors import HubError
from loaders import idoc
from loaders.fields import Fields

Row = dict[str, Any]

# Where a CSV row's cells past its header are kept, in the rejects file and in the row a
# steward corrects: a key no field has (the CSV reader's own is None, written as "null").
EXTRA_CELLS = "cells past the header"


class FormatError(HubError):
    """A line that is not a record at all (broken JSON, a CSV row of the wrong width)."""


@dataclass(frozen=True)
class Line:
    """One record of a file, or why it is none: ``error``, or the ``problems`` it has."""

    number: int
    row: Row | None
    raw: str
    error: str | None = None
    problems: tuple[Problem, ...] = ()
    # A refused row that was read all the same (a field the kind does not know, cells past
    # the header): never loaded, but kept whole so that a steward can correct it.
    refused: Row | None = None

    @property
    def as_read(self) -> Row | None:
        """The row as read, to be loaded or refused; None when the line is no row at all."""
        return self.row if self.row is not None else self.refused


@dataclass
class Reading:
    """How a file is read: the fields of its kind (None: any), whether fields the kind does
    not know are dropped instead of refused, and how often each dropped one was met."""

    fields: Fields | None = None
    ignore_unknown: bool = False
    ignored: Counter[str] = field(default_factory=Counter)

    def known(self, line: Line) -> Line:
        """``line`` as the kind knows it: refused for fields it does not know, or without
        them when they are ignored."""
        if self.fields is None or line.row is None:
            return line
        if self.ignore_unknown:
            row, dropped = self.fields.without_unknown(line.row)
            self.ignored.update(dropped)
            return Line(line.number, row, line.raw)
        problems = tuple(self.fields.unknown_in(line.row))
        if not problems:
            return line
        return Line(line.number, None, line.raw, problems=problems, refused=line.row)


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


def unflatten(columns: dict[str, str], fields: Fields | None = None) -> Row:
    """A CSV record as a nested input; empty cells are left out. ``fields`` reads each cell
    as its field's type (a list, a number); without them every cell is text."""
    row: Row = {}
    for column, text in columns.items():
        if column is None or text is None or text == "":
            continue
        path = column.strip().split(".")
        _assign(row, path, fields.cell(tuple(path), text) if fields else text)
    compacted: Row = _compact(row)
    return compacted


def _compact(value: Any) -> Any:
    """Drop the holes a sparse CSV leaves in lists (addresses.0, addresses.2)."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_compact(v) for v in value if v is not None]
    return value


# Bytes the file's encoding cannot decode are read as these surrogates ("surrogateescape"),
# so that one bad row is rejected instead of the whole file stopping the load.
_UNDECODED = re.compile("[\udc80-\udcff]")


def _undecodable(text: str, name: str, where: str) -> str | None:
    """Why ``text`` cannot be read in encoding ``name``, if it holds bytes that the encoding
    cannot decode; ``where`` says what ``text`` is (``the line``, ``column street``)."""
    bad = _UNDECODED.search(text)
    if bad is None:
        return None
    byte = ord(bad.group()) - 0xDC00
    return (
        f"not {name} text: byte 0x{byte:02x} at character {bad.start() + 1} of {where}; "
        "if the file has another encoding, name it with --encoding (e.g. --encoding latin-1)"
    )


def _shown(text: str) -> str:
    """Text with each undecodable byte written as ``\\xNN``, as the rejects file shows it."""
    return _UNDECODED.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


def _codec(name: str) -> str:
    # A byte-order mark at the start of a UTF-8 file is not part of the first row.
    return "utf-8-sig" if codecs.lookup(name).name == "utf-8" else name


def _text(handle: BinaryIO, name: str, newline: str | None = None) -> io.TextIOWrapper:
    return io.TextIOWrapper(
        handle, encoding=_with_mark(handle, name), errors="surrogateescape", newline=newline
    )


def _with_mark(handle: BinaryIO, name: str) -> str:
    """The codec to read ``handle`` with: a UTF-16 byte-order mark (as spreadsheet programs
    write "Unicode text") names its encoding where UTF-8 was assumed, as no UTF-8 text can
    begin so."""
    peek = getattr(handle, "peek", None)
    start = peek(2)[:2] if peek is not None else b""
    if codecs.lookup(name).name == "utf-8" and start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    return _codec(name)


def _unreadable(name: str, number: int, exc: Exception) -> Line:
    """The rest of a file that cannot be read on in its encoding (a UTF-16 file without its
    byte-order mark): one reject, so that the rest is not passed over in silence."""
    return Line(
        number,
        None,
        "",
        f"the file cannot be read from here on as {name} text ({exc}); "
        "if the file has another encoding, name it with --encoding",
    )


def read_ndjson(handle: BinaryIO, name: str, reading: Reading) -> Iterator[Line]:
    with _text(handle, name) as text_handle:
        number = 0
        try:
            for number, line in enumerate(text_handle, start=1):
                if not line.strip():
                    continue
                text = line.rstrip("\r\n")
                problem = _undecodable(text, name, "the line")
                if problem:
                    yield Line(number, None, _shown(text), problem)
                    continue
                try:
                    row = encoding.loads(text)
                except json.JSONDecodeError as exc:
                    yield Line(number, None, text, f"not JSON: {exc.msg}")
                    continue
                if not isinstance(row, dict):
                    yield Line(number, None, text, "a line must hold one JSON object")
                    continue
                yield reading.known(Line(number, row, text))
        except UnicodeError as exc:
            yield _unreadable(name, number + 1, exc)


def _shown_cell(value: Any) -> Any:
    if isinstance(value, list):
        return [_shown_cell(v) for v in value]
    return _shown(value) if isinstance(value, str) else value


def _undecodable_cell(record: dict[str | Any, Any], name: str) -> str | None:
    for column, cell in record.items():
        where = f"column {column}" if column != EXTRA_CELLS else f"the {EXTRA_CELLS}"
        for text in cell if isinstance(cell, list) else [cell]:
            if isinstance(text, str) and (problem := _undecodable(text, name, where)):
                return problem
    return None


def _csv_row(record: dict[str | Any, Any], name: str) -> tuple[str, str | None]:
    """A CSV record as JSON text, and why it cannot be read if a cell holds bytes that the
    file's encoding cannot decode (the text then shows them as ``\\xNN``)."""
    try:
        # orjson refuses undecodable text (and a row's extra cells): the common case pays
        # for no search of its own.
        return orjson.dumps(record).decode(), None
    except orjson.JSONEncodeError:
        pass
    problem = _undecodable_cell(record, name)
    if problem:
        record = {str(k): _shown_cell(v) for k, v in record.items()}
    return encoding.dumps(record).decode(), problem


class _Taken:
    """The lines of a text file, remembering those read since :meth:`take` was last called:
    the text of a row the CSV reader could not read, however many lines it took along."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._taken: list[str] = []

    def __iter__(self) -> _Taken:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._taken.append(line)
        return line

    def take(self) -> str:
        text = "".join(self._taken)
        self._taken.clear()
        return text


def _csv_records(reader: csv.DictReader[str]) -> Iterator[dict[str | Any, Any] | csv.Error]:
    """The records of ``reader``, and in place of a record that is no CSV the error: a
    strict reader refuses a stray quote instead of reading on into the next rows."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield exc


def _header(header: list[str], reading: Reading) -> tuple[list[str], list[Problem]]:
    """The columns of ``header`` to read, and the problems of those the kind does not know
    (none when they are ignored: they are left out and counted)."""
    if reading.fields is None:
        return header, []
    problems = []
    kept = []
    for column in header:
        problem = reading.fields.unknown(tuple(column.strip().split(".")))
        if problem is None:
            kept.append(column)
        elif not reading.ignore_unknown:
            problems.append(problem)
    return kept, problems


def _header_shape(header: list[str]) -> str | None:
    """What makes ``header`` unreadable as the hub's CSV, if anything: a column named twice
    (one value would replace the other), or cells separated by semicolons."""
    names = [column.strip() for column in header]
    if any("\x00" in n for n in names):
        # Every other byte zero: UTF-16 that lost its byte-order mark, read as UTF-8.
        return (
            "the header holds NUL characters: UTF-16 without its byte-order mark? "
            "give --encoding utf-16-le (or utf-16-be)"
        )
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        return f"the header names {', '.join(twice)} more than once"
    if len(names) == 1 and names[0].count(";") >= 1:
        return "the header is separated by semicolons; hub load reads comma-separated CSV"
    return None


def read_csv(handle: BinaryIO, name: str, reading: Reading) -> Iterator[Line]:
    with _text(handle, name, newline="") as text_handle:
        taken = _Taken(text_handle)
        reader = csv.DictReader(taken, strict=True)
        try:
            header = reader.fieldnames or []
            taken.take()
            problem = next((p for c in header if (p := _undecodable(c, name, "the header"))), None)
            if problem:
                shown = _shown(",".join(header))
                yield Line(1, None, shown, f"{problem}; no row of the file was read")
                return
            shape = _header_shape(list(header))
            if shape:
                yield Line(
                    1, None, _shown(",".join(header)), f"{shape}; no row of the file was read"
                )
                return
            kept, unknown = _header(list(header), reading)
            if unknown:
                problems = tuple(
                    Problem(p.path, p.code, f"{p.message}; no row of the file was read")
                    for p in unknown
                )
                yield Line(1, None, ",".join(header), problems=problems)
                return
            dropped = [c for c in header if c not in kept]
            for record in _csv_records(reader):
                if isinstance(record, csv.Error):
                    # The reader counts the lines before the one it could not read; the
                    # reject keeps the text of every line it took along.
                    raw = _shown(taken.take())
                    yield Line(reader.line_num + 1, None, raw, f"not CSV: {record}")
                    continue
                taken.take()
                number = reader.line_num
                extra: list[str] | None = record.pop(None, None)
                if extra is not None:
                    record[EXTRA_CELLS] = extra
                raw, problem = _csv_row(record, name)
                if problem:
                    yield Line(number, None, raw, problem)
                    continue
                if extra is not None:
                    # Which field each extra cell meant is unknown: the row is refused, with
                    # those cells kept for the steward who corrects it.
                    message = (
                        f"the row has {len(header) + len(extra)} cells, the header "
                        f'{len(header)}; those past it are kept as "{EXTRA_CELLS}"'
                    )
                    refused = _refused(record, dropped, reading)
                    yield Line(number, None, raw, message, refused=refused)
                    continue
                if any(value is None for value in record.values()):
                    # A row cut short (a file truncated, a cell lost): its missing values
                    # would be taken for empty ones.
                    given = sum(value is not None for value in record.values())
                    message = f"the row has {given} cells, the header {len(header)}"
                    refused = _refused(record, dropped, reading)
                    yield Line(number, None, raw, message, refused=refused)
                    continue
                for column in dropped:
                    if record.pop(column, ""):
                        reading.ignored[column.strip()] += 1
                yield Line(number, unflatten(record, reading.fields), raw)
        except UnicodeError as exc:
            yield _unreadable(name, reader.line_num + 1, exc)


def _refused(record: dict[str, Any], dropped: list[str], reading: Reading) -> Row:
    """A CSV row of the wrong width as read, nested as a loaded row would be (without the
    ``dropped`` columns): the cells it has, and those past the header as they stand."""
    cells = {k: v for k, v in record.items() if k != EXTRA_CELLS and k not in dropped}
    row = unflatten(cells, reading.fields)
    if EXTRA_CELLS in record:
        row[EXTRA_CELLS] = record[EXTRA_CELLS]
    return row


def read_idoc(handle: BinaryIO, name: str, reading: Reading) -> Iterator[Line]:
    """Customer, vendor and material masters of an SAP IDoc file; the line number is the
    IDoc's. The file's XML declaration names its encoding."""
    label = reading.fields.label if reading.fields else "BusinessPartner"
    try:
        for number, segment in idoc.read_segments(handle):
            raw = encoding.dumps({k: v for k, v in segment.items() if k != "_tag"}).decode()
            if "_tag" not in segment:
                yield Line(number, None, raw, _not_a_master(segment["MESTYP"]))
                continue
            material = segment["_tag"] == idoc.MATERIAL
            if material != (label == "Material"):
                yield Line(number, None, raw, _other_kind(segment["_tag"], label))
                continue
            row = idoc.material_from_segment(segment) if material else None
            yield Line(number, row or idoc.partner_from_segment(segment), raw)
    except ET.ParseError as exc:
        # The parser cannot go on: the rest of the file is one reject that keeps its text,
        # so that no IDoc after the error is passed over in silence.
        line = exc.position[0]
        rest = _rest_of(handle, line)
        more = rest.count("<IDOC")
        message = f"not well-formed XML: {exc}; the file is not read from line {line} on" + (
            f" ({more} IDoc{'s' if more != 1 else ''} begin there or after)" if more else ""
        )
        yield Line(line, None, rest, message)


_MOST_KEPT = 1 << 20  # characters of an unreadable rest a reject keeps


def _rest_of(handle: BinaryIO, line: int) -> str:
    """The text of ``handle`` from its line ``line`` on (as much as a reject keeps)."""
    kept: list[bytes] = []
    size = 0
    try:
        handle.seek(0)
        for number, text in enumerate(handle, start=1):
            if number >= line:
                kept.append(text)
                size += len(text)
                if size > _MOST_KEPT:
                    break
    except (OSError, ValueError):
        return ""
    return b"".join(kept).decode("utf-8", errors="replace")[:_MOST_KEPT]


def _not_a_master(message: str) -> str:
    return (
        f"the IDoc is a {message} message, which holds no customer, vendor or material "
        "master; the hub takes DEBMAS, CREMAS and MATMAS IDocs"
    )


def _other_kind(segment: str, label: str) -> str:
    return (
        f"the IDoc holds a {segment} segment, not a master of the file's kind ({label}, "
        "from its first IDoc); send each message type in a file of its own"
    )


Reader = Callable[[BinaryIO, str, Reading], Iterator[Line]]
READERS: dict[str, Reader] = {
    ".ndjson": read_ndjson,
    ".jsonl": read_ndjson,
    ".csv": read_csv,
    ".xml": read_idoc,
}


def check_encoding(name: str) -> str:
    """``name`` if Python knows it as a text encoding, else a :class:`FormatError`."""
    try:
        b"x".decode(name)  # refuses codecs that are no text encoding (hex, base64) too
    except LookupError:
        raise FormatError(
            f"unknown encoding {name!r}; use a name such as utf-8, latin-1 or cp1252"
        ) from None
    except UnicodeError:
        pass  # a text encoding of more than one byte a character (utf-16)
    return name


class Extract:
    """The lines of one extract file, read as a stream (iterate once), and how many of its
    bytes were read so far (``position``, counted in the reader's buffer-sized steps)."""

    def __init__(self, path: Path, name: str = "utf-8", reading: Reading | None = None) -> None:
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            raise FormatError(f"{path}: unknown format; use .csv, .ndjson, .jsonl or .xml")
        self.path = path
        self.size = path.stat().st_size
        self._reader = reader
        self._encoding = name
        self.reading = reading or Reading()
        self._handle: BinaryIO | None = None

    @property
    def position(self) -> int:
        handle = self._handle
        if handle is None:
            return 0
        return self.size if handle.closed else handle.tell()

    def __iter__(self) -> Generator[Line, None, None]:
        with open(self.path, "rb") as handle:
            self._handle = handle
            yield from self._reader(handle, self._encoding, self.reading)


def read(path: Path, name: str = "utf-8", reading: Reading | None = None) -> Extract:
    """The lines of an extract file, in encoding ``name`` (IDoc XML declares its own), read
    as ``reading`` says (by default: any field, every cell as text)."""
    return Extract(path, name, reading)

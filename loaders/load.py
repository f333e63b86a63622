"""Bulk loading: extract files through the same write path as the mutations, in batches.

- Files are read as streams and written in batches of ``batch_size`` rows, one transaction
  each, so an interrupted load has committed whole batches and simply runs again: upserts
  are idempotent, nothing is created twice. Long rows make smaller batches
  (``BATCH_BYTES``).
- Kinds load in dependency order (partners, vehicles, contracts, identification objects,
  documents). A row whose reference is not found yet is kept back and tried again after
  every file was read, so a vehicle whose owner comes later in the load still resolves.
  Rows kept back wait in a temporary file, not in memory: memory stays flat however many
  references arrive late, or never.
- A bad row never stops the good ones and is never dropped: it goes to the rejects file
  with its file, line, content and errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import itertools
import json
import logging
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from graph_schema import MODEL
from hub import encoding
from hub.actor import Actor
from hub.domain import deliveries, kinds, rejected_rows, service
from hub.domain import problems as codes
from hub.domain.files import FileStore, FileTooLarge
from hub.domain.problems import Problem
from hub.domain.references import refs_in
from hub.domain.upsert import Delivery, Outcome
from hub.errors import HubError, RetryLater
from hub.mastering.matcher import GraphMatcher
from hub.mastering.tally import TermTally
from hub.store import Store
from hub.store.bounded import bounded, utf8_size
from loaders import idoc
from loaders.fields import Fields
from loaders.formats import READERS, Line, Reading, check_encoding, read

# Kinds load in the model's order, which puts each kind after those it refers to.
ORDER = MODEL.golden_labels
# Partners' values counted, or seconds passed, before their counts are written (see
# Loader._count_terms).
TERMS_PER_WRITE = 20_000
TERMS_SECONDS = 30.0
# A batch's rows reach the database in a few statements, each of which carries every row's
# values, stored state and change event: a few times the row's text. A batch of long rows
# ends at this much text (UTF-8), whatever batch_size says (see hub.store.bounded).
BATCH_BYTES = 2 * 1024 * 1024

log = logging.getLogger(__name__)

_NAMES = {
    "BusinessPartner": ("partners", "business_partners", "businesspartners", "customers"),
    "Material": ("materials",),
    "Vehicle": ("vehicles",),
    "Contract": ("contracts",),
    "IdentificationObject": ("identification_objects", "identificationobjects", "cards"),
    "Document": ("documents",),
    "Project": ("projects",),
}


class LoadError(HubError):
    """The load cannot start: unknown file kind or format; the message says what to fix."""


class Stopped(Exception):
    """The load stopped between two batches, as :meth:`Loader.stop` asked: the rows its
    summary counts are committed, and no others."""


# Waits before writing a batch again that other writers kept in conflict: a load runs
# beside the API's writers, which the hub retries for a moment; a batch is worth longer.
PATIENCE = (0.5, 1.0, 2.0, 4.0, 8.0)


async def _patiently(write: Callable[[], Awaitable[list[Outcome]]]) -> list[Outcome]:
    """``write`` (one transaction), again while concurrent writers keep it from committing;
    its rows are upserts and deletions, which repeat safely."""
    for wait in PATIENCE:
        try:
            return await write()
        except RetryLater as exc:
            log.warning("batch_retried", extra={"wait_s": wait, "detail": exc.message})
            await asyncio.sleep(wait)
    return await write()


def kind_of(path: Path) -> str:
    """The entity kind a file holds, from its name: ``vehicles.csv``, ``crm-partners.ndjson``."""
    if path.suffix.lower() == ".xml":
        return idoc.message_kind(path)  # IDoc customer, vendor or material masters
    stem = path.stem.lower().replace("-", "_")
    for label, names in _NAMES.items():
        if any(stem == name or stem.endswith("_" + name) for name in names):
            return label
    known = ", ".join(names[0] for names in _NAMES.values())
    raise LoadError(
        f"{path}: cannot tell what it holds from its name; name it after one of {known}"
    )


def _names_a_kind(path: Path) -> bool:
    try:
        kind_of(path)
    except LoadError:
        return False
    return True


def files_in(paths: Iterable[Path]) -> list[Path]:
    """The files to load: those given, and in folders those whose name tells their kind."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir() and path.name == "files":
            continue  # document files are read through their metadata
        if path.is_dir():
            found.extend(
                sorted(
                    p for p in path.rglob("*") if p.suffix.lower() in READERS and _names_a_kind(p)
                )
            )
        elif path.is_file():
            found.append(path)
        else:
            raise LoadError(f"{path}: no such file or folder")
    return found


def skipped_in(paths: Iterable[Path]) -> list[Path]:
    """The files in the folders of ``paths`` that a load does not read (their name tells no
    kind, or no format it reads), so that it can say so; hidden files and the document
    files under a ``files`` folder are no such files."""
    skipped: list[Path] = []
    for path in paths:
        if not path.is_dir() or path.name == "files":
            continue
        for found in sorted(path.rglob("*")):
            inside = found.relative_to(path).parts[:-1]
            hidden = found.name.startswith(".") or any(p.startswith(".") for p in inside)
            if not found.is_file() or hidden or "files" in inside:
                continue
            if found.suffix.lower() not in READERS or not _names_a_kind(found):
                skipped.append(found)
    return skipped


@dataclass
class Origin:
    file: str
    line: int
    raw: str
    system: str = ""
    row: dict[str, Any] | None = None  # the row as read, when it could be read


@dataclass
class Summary:
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    rejects: Path | None = None
    seconds: float = 0.0
    seconds_by_kind: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    total_bytes: int = 0  # of every file to load
    read_bytes: int = 0  # of those, read so far
    # Per file, the fields a load told to ignore unknown ones left out, and in how many rows.
    ignored: dict[str, Counter[str]] = field(default_factory=dict)
    closed_rejects: int = 0  # rows earlier loads refused, which this one delivered
    skipped: list[str] = field(default_factory=list)  # files in its folders it did not read

    def add(self, label: str, outcome: str) -> None:
        self.counts.setdefault(label, Counter())[outcome] += 1

    @property
    def rows(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())

    @property
    def rejected(self) -> int:
        return sum(c["rejected"] for c in self.counts.values())


class Rejects:
    """The rejects file, opened on the first rejected row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def write(self, origin: Origin, problems: list[Problem]) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # A lone surrogate (a JSON escape in a row) is written as its escape, not lost.
            self._handle = open(  # noqa: SIM115 - kept open
                self.path, "a", encoding="utf-8", errors="backslashreplace"
            )
        try:
            row: Any = json.loads(origin.raw)
        except json.JSONDecodeError:
            row = origin.raw
        entry = {
            "file": origin.file,
            "line": origin.line,
            "row": row,
            "errors": [
                {"field": [str(p) for p in x.path], "code": x.code, "message": x.message}
                for x in problems
            ],
        }
        self._handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


Progress = Callable[[Summary], None]


@dataclass
class _Pending:
    label: str
    delivery: Delivery
    origin: Origin
    row: dict[str, Any]  # what the delivery was built from, to build it again
    problems: list[Problem] = field(default_factory=list)


class _KeptBack:
    """Rows whose references were not found yet, in a temporary file (removed on close)."""

    def __init__(self) -> None:
        self._file: IO[str] | None = None
        self.count = 0

    def add(self, pending: _Pending) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        origin = pending.origin
        entry = {
            "label": pending.label,
            "file": origin.file,
            "line": origin.line,
            "raw": origin.raw,
            "system": origin.system,
            "row": pending.row,
            "problems": [[list(p.path), p.code, p.message] for p in pending.problems],
        }
        try:
            text = encoding.dumps(entry).decode()
        except UnicodeEncodeError:  # a lone surrogate in the row: written as an ASCII escape
            text = json.dumps(entry)
        # The kind leads the line, so that a pass over one kind parses only its own rows.
        self._file.write(f"{pending.label}\t{text}\n")
        self.count += 1

    def rows(self, label: str) -> Iterator[_Pending]:
        """The rows of one kind kept back, in the order they came, ready to write again."""
        for entry in self._entries(label):
            delivery, _ = deliveries.from_row(label, entry["row"])
            assert delivery is not None  # it was built from this row before
            yield _Pending(label, delivery, self._origin(entry), entry["row"])

    def rejects(self) -> Iterator[tuple[str, Origin, list[Problem]]]:
        """Every row kept back, with the problems it was last kept back for."""
        for entry in self._entries():
            problems = [Problem(tuple(path), code, text) for path, code, text in entry["problems"]]
            yield entry["label"], self._origin(entry), problems

    def _entries(self, label: str | None = None) -> Iterator[dict[str, Any]]:
        if self._file is None:
            return
        self._file.seek(0)
        for line in self._file:
            kind, _, text = line.partition("\t")
            if label is None or kind == label:
                yield encoding.loads(text)

    @staticmethod
    def _origin(entry: dict[str, Any]) -> Origin:
        return Origin(entry["file"], entry["line"], entry["raw"], entry["system"], entry["row"])

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass
class _Prepared:
    """A batch of rows ready to write, the rows rejected while reading it, and whether the
    file ended with it."""

    rows: list[_Pending] = field(default_factory=list)
    rejected: list[tuple[Origin, list[Problem]]] = field(default_factory=list)
    last: bool = False


# The actor the changes of a load name, with the system it loads for.
LOADER = "hub load"


class Loader:
    """Loads extract files of one source system into a store."""

    def __init__(
        self,
        store: Store,
        system: str,
        rejects: Path,
        batch_size: int = 1000,
        progress: Progress | None = None,
        files: FileStore | None = None,
        encoding: str = "utf-8",
        ignore_unknown: bool = False,
    ) -> None:
        self.system = system.strip().upper()
        self.store = store.acting(Actor(LOADER, self.system))
        self.ignore_unknown = ignore_unknown
        self.encoding = check_encoding(encoding)
        self.files = files
        self.rejects = Rejects(rejects)
        self.batch_size = batch_size
        self.progress = progress or (lambda _: None)
        self.summary = Summary()
        self._deferred = _KeptBack()
        # The line of each key the file being loaded delivered, by the key's hash.
        self._lines_of_keys: dict[int, int] = {}
        self._refused: list[rejected_rows.Refused] = []
        # Open rows earlier loads refused, by kind and system: source key -> their ids; and
        # those of them this load delivered, by system: row id -> hub id written.
        self._refused_keys: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._delivered: dict[str, dict[str, str]] = {}
        self._stopping = False
        # One matcher for the whole load: it keeps the profiles made while reading, enough
        # for the batch being written, its states as recorded and the batch read ahead. Its
        # tally counts the values of many batches in one write (see _count_terms).
        self._matcher = GraphMatcher(remembered=4 * batch_size, tally=TermTally())
        self._counted_at = time.monotonic()

    def stop(self) -> None:
        """Stop once the batch being written is committed (raising :class:`Stopped`)."""
        self._stopping = True

    def _unless_stopping(self) -> None:
        if self._stopping:
            raise Stopped

    async def load(
        self, paths: Iterable[Path | tuple[str, Path]], kind: str | None = None
    ) -> Summary:
        """Load files and folders; a ``(system, path)`` pair loads that path as another system."""
        paths = list(paths)
        started = time.perf_counter()
        began = dt.datetime.now(dt.UTC)
        plan = [
            (kind or kind_of(file), file, system)
            for system, path in (p if isinstance(p, tuple) else (self.system, p) for p in paths)
            for file in files_in([path])
        ]
        plan.sort(key=lambda item: ORDER.index(item[0]))
        given = [p[1] if isinstance(p, tuple) else p for p in paths]
        self.summary.skipped = [str(file) for file in skipped_in(given)]
        self.summary.total_bytes = sum(path.stat().st_size for _, path, _ in plan)
        failed = True
        try:
            for label, path, system in plan:
                await self._load_file(label, path, system.strip().upper())
            await self._retry_deferred()
            await self._close_delivered(began)
            failed = False
        finally:
            # Also when the load is stopped: what it refused so far is kept.
            await self._keep_refused()
            # Also when the load is stopped: the summary then tells what was committed.
            self._deferred.close()
            self.rejects.close()
            if self.summary.rejected:
                self.summary.rejects = self.rejects.path
            # Also when the load is stopped: the partners committed are counted.
            await self._last_counts(failed)
            self.summary.seconds = time.perf_counter() - started
        return self.summary

    async def _load_file(self, label: str, path: Path, system: str) -> None:
        started = time.perf_counter()
        await self._watch_refused(label, system)
        try:
            await self._load_batches(label, path, system)
        finally:
            self.summary.seconds_by_kind[label] += time.perf_counter() - started

    async def _load_batches(self, label: str, path: Path, system: str) -> None:
        # The next batch is read and checked in a thread while the last one is written: the
        # Python work of preparing rows overlaps the database's work of writing them.
        extract = read(path, self.encoding, Reading(Fields(label), self.ignore_unknown))
        lines = iter(extract)
        self._lines_of_keys = {}
        done = self.summary.read_bytes
        writing: asyncio.Task[None] | None = None
        try:
            while True:
                prepared = await asyncio.to_thread(self._prepare_batch, label, path, lines, system)
                self.summary.read_bytes = done + extract.position
                if writing is not None:
                    await writing
                    writing = None
                # A load stopped here has not taken the batch read ahead, its rejects
                # included: run again, it reads them again.
                self._unless_stopping()
                for origin, problems in prepared.rejected:
                    self._reject(label, origin, problems)
                if prepared.rows:
                    writing = asyncio.create_task(self._write(prepared.rows, defer=True))
                elif self._refused:  # a batch of bad rows only: kept now, as a write would
                    await self._keep_refused()
                    self.progress(self.summary)
                if prepared.last:
                    break
            if writing is not None:
                await writing
            if extract.reading.ignored:
                self.summary.ignored[str(path)] = extract.reading.ignored
        except BaseException:
            if writing is not None and not writing.done():
                writing.cancel()
                await asyncio.gather(writing, return_exceptions=True)
            raise
        finally:
            # The file closes with its reader; a reader still busy in its thread (the load
            # was cancelled meanwhile) closes when that thread lets go of it.
            with contextlib.suppress(ValueError):
                lines.close()

    def _prepare_batch(
        self, label: str, path: Path, lines: Iterator[Line], system: str
    ) -> _Prepared:
        """The next ``batch_size`` lines of ``lines`` (fewer when they are long): the good rows
        to write and the bad ones."""
        prepared = _Prepared()
        size = 0
        for line in lines:
            origin = Origin(str(path), line.number, line.raw, system, line.as_read)
            size += utf8_size(line.raw)
            delivery, problems = self._prepare(label, path, line, system)
            if delivery is not None:
                problems = self._once_in_file(delivery, line.number)
                delivery = None if problems else delivery
            if delivery is None:
                prepared.rejected.append((origin, problems))
            else:
                prepared.rows.append(_Pending(label, delivery, origin, line.row or {}))
            # Bad lines count as well: a file of nothing but bad rows is read (and its rejects
            # kept) a batch at a time, not held in memory whole.
            if len(prepared.rows) + len(prepared.rejected) >= self.batch_size:
                return prepared
            if size >= BATCH_BYTES:
                return prepared
        prepared.last = True
        return prepared

    def _once_in_file(self, delivery: Delivery, number: int) -> list[Problem]:
        """Nothing, the first time a file delivers a key; a problem naming that first line
        when it delivers the key again: a file states each record once, and a second row
        would replace the first without a word. A deletion is no second statement: it
        applies in the file's order, and the key may be delivered anew after it."""
        # The key's hash, not the key: a file of a million rows keeps a million small ints.
        seen = hash((delivery.system, delivery.key))
        if delivery.deleted:
            self._lines_of_keys.pop(seen, None)
            return []
        first = self._lines_of_keys.setdefault(seen, number)
        if first == number:
            return []
        message = (
            f"{delivery.system}/{delivery.key} is delivered on line {first} of this file "
            "already; a file delivers each key once (the row on that line was loaded)"
        )
        return [Problem(("source", "key"), codes.DUPLICATE, message)]

    def _prepare(
        self, label: str, path: Path, line: Line, system: str
    ) -> tuple[Delivery | None, list[Problem]]:
        if line.row is None:
            if line.problems:
                return None, list(line.problems)
            return None, [Problem((), codes.INVALID_VALUE, line.error or "unreadable")]
        if label == "Document" and "file" in line.row:
            problem = self._store_file(line.row, path.parent)
            if problem is not None:
                return None, [problem]
        try:
            delivery, problems = deliveries.from_row(
                label, deliveries.with_system(line.row, system)
            )
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            # A row shaped unlike any input (e.g. an object where text belongs): reject it,
            # never stop the load for it.
            problem = Problem((), codes.INVALID_VALUE, f"the row does not fit a {label}: {exc}")
            return None, [problem]
        if problems or delivery is None:
            return None, problems
        if not delivery.deleted:
            _ = delivery.digest  # hashed here, in the thread, not in the transaction
            kind = kinds.KINDS[label]
            if kind.matched and not refs_in(delivery.values):
                self._matcher.prepare(kind.merge({}, delivery.values))
        return delivery, []

    def _store_file(self, row: dict[str, Any], folder: Path) -> Problem | None:
        """Store the file a document row names (relative to its metadata file) by content."""
        name = row.pop("file")
        path = folder / str(name)
        if self.files is None:
            return Problem(("file",), codes.NOT_FOUND, f"no file {path}")
        try:
            stored = self.files.put_path(path)
        except FileTooLarge as exc:
            return Problem(("file",), codes.TOO_LARGE, str(exc))
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return Problem(("file",), codes.NOT_FOUND, f"no file {path}")
        except OSError as exc:
            return Problem(("file",), codes.INVALID_VALUE, f"cannot read {path}: {exc.strerror}")
        row.update(
            fileSha256=stored.sha256,
            fileSize=stored.size,
            fileMediaType=stored.media_type,
            fileName=stored.name,
        )
        return None

    async def _write(self, batch: list[_Pending], *, defer: bool) -> None:
        kind = kinds.KINDS[batch[0].label]
        # Deletions and deliveries in the order the file gives them: a record deleted and
        # delivered again ends up live, one delivered and then deleted ends up deleted.
        for deleted, run in itertools.groupby(batch, lambda p: p.delivery.deleted):
            rows = list(run)
            given = [p.delivery for p in rows]
            if deleted:
                write = functools.partial(service.delete_batch, self.store, kind, given)
            else:
                matcher = self._matcher if kind.matched else None
                write = functools.partial(
                    service.upsert_batch, self.store, kind, given, matcher=matcher
                )
            outcomes = await _patiently(write)
            for pending, outcome in zip(rows, outcomes, strict=True):
                self._count(pending, outcome, defer=defer)
        await self._count_terms()
        if self._refused:
            await self._keep_refused()
        self.progress(self.summary)

    async def _count_terms(self, at_least: int = TERMS_PER_WRITE) -> None:
        """Write the term counts of the partners loaded so far once ``at_least`` values wait
        or ``TERMS_SECONDS`` have passed since the last write.

        Every batch's partners share the commonest values (``*``, the big cities): counted
        in each batch's transaction they are written again and again. A load that is killed
        rather than stopped loses the counts of at most this many values; a rerun skips
        the rows it finds loaded and does not count them again.
        """
        tally = self._matcher.tally
        if tally is None or not len(tally):
            return
        if len(tally) >= at_least or time.monotonic() - self._counted_at >= TERMS_SECONDS:
            await tally.flush(self.store)
            self._counted_at = time.monotonic()

    async def _last_counts(self, failed: bool) -> None:
        """The counts still waiting, at the end of a load; a load that failed or was stopped
        reports that, not a failure to write them."""
        try:
            await self._count_terms(at_least=1)
        except Exception as exc:
            if not failed:
                raise
            log.warning("term_counts_lost", extra={"detail": str(exc)})

    async def _close_delivered(self, began: dt.datetime) -> None:
        """Rows refused by earlier loads that this load delivered and the hub wrote are
        closed: a steward has nothing left to correct there."""
        for system, delivered in self._delivered.items():
            self.summary.closed_rejects += await rejected_rows.close_delivered(
                self.store, system, list(delivered.items()), began
            )
        self._delivered.clear()

    async def _watch_refused(self, label: str, system: str) -> None:
        """Note the source keys of this kind and system that earlier loads refused."""
        if (label, system) not in self._refused_keys:
            found = await rejected_rows.open_keys(self.store, label, system)
            self._refused_keys[label, system] = found

    def _count(self, pending: _Pending, outcome: Outcome, *, defer: bool) -> None:
        if not outcome.problems:
            delivery = pending.delivery
            refused = self._refused_keys.get((pending.label, delivery.system), {})
            if not delivery.deleted and outcome.id is not None and delivery.key in refused:
                written = self._delivered.setdefault(delivery.system, {})
                written.update(dict.fromkeys(refused[delivery.key], outcome.id))
            if pending.delivery.deleted:
                result = "deleted" if outcome.changed else "unchanged"
            else:
                result = (
                    "created" if outcome.created else "updated" if outcome.changed else "unchanged"
                )
            self.summary.add(pending.label, result)
        elif defer and all(p.code == codes.NOT_FOUND for p in outcome.problems):
            pending.problems = outcome.problems
            self._deferred.add(pending)
        else:
            self._reject(pending.label, pending.origin, outcome.problems)

    async def _retry_deferred(self) -> None:
        """Rows whose references arrived later in the load: again, until nothing resolves."""
        while self._deferred.count:
            waiting, self._deferred = self._deferred, _KeptBack()
            try:
                for label in ORDER:
                    for chunk in _chunks(waiting.rows(label), self.batch_size):
                        self._unless_stopping()
                        await self._write(chunk, defer=True)
            finally:
                waiting.close()
            if self._deferred.count == waiting.count:
                for label, origin, problems in self._deferred.rejects():
                    self._reject(label, origin, problems)
                    if len(self._refused) >= rejected_rows.KEPT_AT_ONCE:  # not all in memory
                        await self._keep_refused()
                self._deferred.close()
                self._deferred = _KeptBack()

    def _reject(self, label: str, origin: Origin, problems: list[Problem]) -> None:
        self.rejects.write(origin, problems)
        self._refused.append(
            rejected_rows.Refused(
                label,
                origin.system or self.system,
                origin.file,
                origin.line,
                origin.raw,
                origin.row,
                rejected_rows.errors_of(problems),
            )
        )
        self.summary.add(label, "rejected")

    async def _keep_refused(self) -> None:
        """Keep the rows refused so far in the hub, for a steward (see
        :mod:`hub.domain.rejected_rows`)."""
        refused, self._refused = self._refused, []
        await rejected_rows.keep(self.store, refused, dt.datetime.now(dt.UTC))


def _chunks(rows: Iterable[_Pending], size: int) -> Iterator[list[_Pending]]:
    """Batches of at most ``size`` rows and about ``BATCH_BYTES`` of their text."""
    return bounded(rows, size, lambda pending: utf8_size(pending.origin.raw), BATCH_BYTES)


def default_rejects_path(data_dir: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return data_dir / "rejects" / f"load-{stamp}.ndjson"

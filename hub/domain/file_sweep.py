"""Removing stored files that nothing names any more.

A file stays stored when what it was uploaded for is not written after all (a revision whose
delivery was refused once its file had arrived, a load's row rejected and then dropped, the
content of a document that a later upload replaced and no source names). Such a file cannot
be downloaded (a download needs a document that holds it) and only takes space.
:func:`sweep` removes the files last written longer ago than a grace period that no document,
no document source's delivery and no open rejected row names; the period lets an upload whose
document is being written, or a load that found the file already stored, finish first
(storing content that exists refreshes the file's time).

A file is first moved aside, then the references are read again, and only then is it
removed: a document written between the first look and the move gets its file back. One
sweep runs at a time on a folder (a lock file beside the files).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hub.domain.files import FileStore, StoredOnDisk
from hub.errors import HubError
from hub.store import Store

AT_ONCE = 500  # files checked per statement
# Shorter, and an upload whose document is still being written could lose its file.
LEAST_GRACE_HOURS = 1.0

# The documents holding any of the files (an erasure asks the same of the files it frees).
HELD_BY_DOCUMENTS = "UNWIND $shas AS sha MATCH (d:Document {fileSha256: sha}) RETURN DISTINCT sha"
# A document source's delivery (the one that wins may change) and an open rejected row a
# steward may still resubmit name a file in their text; read only when some file is named
# by no document, once for all such files.
_TEXTS_NAMING_FILES = (
    "MATCH (s:SourceRecord {entity: 'Document'}) WHERE s.payload CONTAINS 'fileSha256' "
    "RETURN s.payload AS text "
    "UNION ALL "
    "MATCH (r:RejectedRow {kind: 'Document', status: 'OPEN'}) WHERE r.row CONTAINS 'fileSha256' "
    "RETURN r.row AS text"
)
_SHA256 = re.compile(r"[0-9a-f]{64}")


class SweepRunning(HubError):
    """Another sweep of the same files is under way."""

    code = "RETRY_LATER"


@dataclass
class SweepReport:
    """What a sweep found: files removed (or, on a dry run, to be removed) and kept."""

    removed: int = 0
    removed_bytes: int = 0
    named: int = 0  # kept: something names them
    recent: int = 0  # kept: written within the grace period
    partial: int = 0  # uploads that never finished, removed
    shas: list[str] = field(default_factory=list)  # the files removed

    def lines(self, dry_run: bool) -> list[str]:
        verb = "would be removed" if dry_run else "removed"
        return [
            f"{_count(self.removed, 'file')} nothing names {verb} ({_size(self.removed_bytes)})",
            f"{_count(self.named, 'file')} kept: a document, a source's delivery or an open "
            "rejected row names them",
            f"{_count(self.recent, 'file')} kept: written within the grace period",
            f"{_count(self.partial, 'unfinished upload')} {verb}",
        ]


def _count(n: int, thing: str) -> str:
    return f"{n:,} {thing}" + ("" if n == 1 else "s")


def _size(size: int) -> str:
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size} bytes"


async def sweep(
    store: Store, files: FileStore, grace_seconds: float, *, dry_run: bool = False
) -> SweepReport:
    """Remove the files nothing names that were last written over ``grace_seconds`` ago."""
    with files.sweeping() as alone:
        if not alone:
            raise SweepRunning(f"another sweep of {files.root} is under way; try again later")
        return await _swept(store, files, grace_seconds, dry_run)


async def _swept(
    store: Store, files: FileStore, grace_seconds: float, dry_run: bool
) -> SweepReport:
    report = SweepReport()
    cutoff = time.time() - grace_seconds
    old: list[StoredOnDisk] = []
    for stored in files.stored():
        if stored.modified >= cutoff:
            report.recent += 1
        else:
            old.append(stored)
    unnamed = await _unnamed(store, old)
    report.named += len(old) - len(unnamed)
    if dry_run:
        _count_removed(report, unnamed)
    else:
        await _remove(store, files, unnamed, cutoff, report)
    report.partial = files.remove_partial_uploads(cutoff, dry_run=dry_run)
    return report


async def _unnamed(store: Store, stored: Sequence[StoredOnDisk]) -> list[StoredOnDisk]:
    """The files no document, source delivery or open rejected row names."""
    held: set[str] = set()
    for start in range(0, len(stored), AT_ONCE):
        shas = [s.sha256 for s in stored[start : start + AT_ONCE]]
        held.update(row["sha"] for row in await store.query(HELD_BY_DOCUMENTS, {"shas": shas}))
    loose = {s.sha256 for s in stored} - held
    if loose:
        for row in await store.query(_TEXTS_NAMING_FILES):
            held.update(sha for sha in _SHA256.findall(row["text"] or "") if sha in loose)
    return [s for s in stored if s.sha256 not in held]


async def _remove(
    store: Store,
    files: FileStore,
    unnamed: Iterable[StoredOnDisk],
    cutoff: float,
    report: SweepReport,
) -> None:
    """Move the files aside, look again, and remove those still named by nothing."""
    aside: list[StoredOnDisk] = []
    for stored in unnamed:
        modified = files.set_aside(stored.sha256)
        if modified is None:
            continue  # removed meanwhile
        if modified >= cutoff:  # stored again since the first look
            files.put_back(stored.sha256)
            report.recent += 1
        else:
            aside.append(stored)
    if not aside:
        return
    still = {s.sha256 for s in await _unnamed(store, aside)}
    for stored in aside:
        if stored.sha256 in still:
            files.remove_aside(stored.sha256)
            _count_removed(report, [stored])
        else:
            files.put_back(stored.sha256)
            report.named += 1


def _count_removed(report: SweepReport, removed: Iterable[StoredOnDisk]) -> None:
    for stored in removed:
        report.removed += 1
        report.removed_bytes += stored.size
        report.shas.append(stored.sha256)

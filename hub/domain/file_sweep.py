"""Removing stored files that nothing names any more.

A file stays stored when what it was uploaded for is not written after all (a revision a
delivery's rules refused, a load's row rejected and then dropped, the content of a document
that a later upload replaced and no source names). Such a file cannot be downloaded (a
download needs a document that holds it) and only takes space. :func:`sweep` removes the
files last written longer ago than a grace period that no document, no document source's
delivery and no open rejected row names; the period lets an upload whose document is being
written, or a load that found the file already stored, finish first (storing content that
exists refreshes the file's time).

A file is first moved aside, then the references are read again, and only then is it
removed: a document written between the first look and the move gets its file back.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hub.domain.files import FileStore, StoredOnDisk
from hub.store import Store

AT_ONCE = 500  # files checked per statement

# A file is named by its document, by a document source's delivery (the one that wins may
# change), or by an open rejected row a steward may still resubmit; the last two hold it in
# text, which is read only for the few files no document holds.
_HELD_BY_DOCUMENTS = "UNWIND $shas AS sha MATCH (d:Document {fileSha256: sha}) RETURN DISTINCT sha"
_HELD_IN_TEXT = (
    "MATCH (s:SourceRecord {entity: 'Document'}) WITH s.payload AS text "
    "WHERE any(sha IN $shas WHERE text CONTAINS sha) RETURN text "
    "UNION ALL "
    "MATCH (r:RejectedRow {kind: 'Document', status: 'OPEN'}) WITH r.row AS text "
    "WHERE any(sha IN $shas WHERE text CONTAINS sha) RETURN text"
)


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
        megabytes = self.removed_bytes / (1024 * 1024)
        return [
            f"{self.removed:,} files nothing names {verb} ({megabytes:,.1f} MiB)",
            f"{self.named:,} files kept: a document, a source's delivery or an open rejected "
            "row names them",
            f"{self.recent:,} files kept: written within the grace period",
            f"{self.partial:,} unfinished uploads {verb}",
        ]


async def sweep(
    store: Store, files: FileStore, grace_seconds: float, *, dry_run: bool = False
) -> SweepReport:
    """Remove the files nothing names that were last written over ``grace_seconds`` ago."""
    report = SweepReport()
    cutoff = time.time() - grace_seconds
    old: list[StoredOnDisk] = []
    for stored in files.stored():
        if stored.modified >= cutoff:
            report.recent += 1
        else:
            old.append(stored)
    for start in range(0, len(old), AT_ONCE):
        batch = old[start : start + AT_ONCE]
        unnamed = await _unnamed(store, batch)
        report.named += len(batch) - len(unnamed)
        if dry_run:
            _count_removed(report, unnamed)
        else:
            await _remove(store, files, unnamed, cutoff, report)
    report.partial = files.remove_partial_uploads(cutoff, dry_run=dry_run)
    return report


async def _unnamed(store: Store, batch: Sequence[StoredOnDisk]) -> list[StoredOnDisk]:
    shas = [stored.sha256 for stored in batch]
    held = {row["sha"] for row in await store.query(_HELD_BY_DOCUMENTS, {"shas": shas})}
    loose = [sha for sha in shas if sha not in held]
    if loose:
        texts = [row["text"] or "" for row in await store.query(_HELD_IN_TEXT, {"shas": loose})]
        held.update(sha for sha in loose if any(sha in text for text in texts))
    return [stored for stored in batch if stored.sha256 not in held]


async def _remove(
    store: Store,
    files: FileStore,
    unnamed: Iterable[StoredOnDisk],
    cutoff: float,
    report: SweepReport,
) -> None:
    """Move the files aside, look again, and remove those still named by nothing."""
    aside: list[tuple[StoredOnDisk, Path]] = []
    for stored in unnamed:
        moved = files.set_aside(stored.sha256)
        if moved is None:
            continue  # removed meanwhile
        if os.stat(moved).st_mtime >= cutoff:  # stored again since the first look
            files.put_back(stored.sha256, moved)
            report.recent += 1
        else:
            aside.append((stored, moved))
    if not aside:
        return
    still = {s.sha256 for s in await _unnamed(store, [stored for stored, _ in aside])}
    for stored, moved in aside:
        if stored.sha256 in still:
            with contextlib.suppress(FileNotFoundError):
                moved.unlink()
            _count_removed(report, [stored])
        else:
            files.put_back(stored.sha256, moved)
            report.named += 1


def _count_removed(report: SweepReport, removed: Iterable[StoredOnDisk]) -> None:
    for stored in removed:
        report.removed += 1
        report.removed_bytes += stored.size
        report.shas.append(stored.sha256)

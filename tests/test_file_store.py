"""Document files stored by content, on the real file system."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from hub.domain.files import FileStore, FileTooLarge


def test_a_local_file_is_stored_once_under_its_sha256(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files", max_bytes=1 << 20)
    content = b"%PDF-1.4 sample"
    for name in ("a.pdf", "b.pdf"):
        (tmp_path / name).write_bytes(content)
    first = store.put_path(tmp_path / "a.pdf")
    second = store.put_path(tmp_path / "b.pdf")
    assert first.sha256 == second.sha256 == hashlib.sha256(content).hexdigest()
    assert first.media_type == "application/pdf"
    assert store.path(first.sha256) is not None
    assert [p.name for p in (tmp_path / "files").rglob("*") if p.is_file()] == [first.sha256]


def test_a_file_over_the_limit_is_refused_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files", max_bytes=10)
    (tmp_path / "big.pdf").write_bytes(b"x" * 11)
    with pytest.raises(FileTooLarge, match="10 bytes"):
        store.put_path(tmp_path / "big.pdf")
    assert list((tmp_path / "files").rglob("*")) == []


def test_storing_content_already_stored_writes_no_file(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files", max_bytes=1 << 20)
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4 same")
    first = store.put_path(tmp_path / "a.pdf")
    stored = store.path(first.sha256)
    assert stored is not None
    written = stored.stat()
    again = store.put_path(tmp_path / "a.pdf")
    assert again == first
    # Not written again, only its time refreshed (a sweep leaves a file just stored alone).
    assert stored.stat().st_ino == written.st_ino
    assert stored.stat().st_mtime_ns >= written.st_mtime_ns
    assert [p.name for p in (tmp_path / "files").rglob("*") if p.is_file()] == [first.sha256]


def test_a_file_larger_than_one_chunk_is_stored_whole(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files", max_bytes=4 << 20)
    content = b"%PDF-" + bytes(range(256)) * 9000
    (tmp_path / "big.pdf").write_bytes(content)
    stored = store.put_path(tmp_path / "big.pdf")
    assert stored.size == len(content)
    path = store.path(stored.sha256)
    assert path is not None and path.read_bytes() == content


def test_a_path_that_is_no_regular_file_is_not_found_without_blocking(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files", max_bytes=1 << 20)
    os.mkfifo(tmp_path / "pipe.pdf")  # opening a pipe to read would wait for a writer
    (tmp_path / "folder.pdf").mkdir()
    for name in ("pipe.pdf", "folder.pdf", "missing.pdf"):
        with pytest.raises(FileNotFoundError):
            store.put_path(tmp_path / name)

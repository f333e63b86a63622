"""hub files sweep: stored files nothing names are removed once they are old enough."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from hub.domain import file_sweep
from hub.domain.files import FileStore
from tests.harness import RunningHub, hub_command
from tests.test_cli import _external_env
from tests.test_documents import PDF, document, offer
from tests.test_loaders import load, write_ndjson

DAY = 24 * 3600


def _age(files: FileStore, sha256: str, seconds: float = 2 * DAY) -> Path:
    path = files.path(sha256)
    assert path is not None
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def _sweep(hub: RunningHub, **options: bool) -> file_sweep.SweepReport:
    store, files = hub.services.require_store(), hub.services.files
    return hub.run(file_sweep.sweep(store, files, DAY, **options))


def _loose(hub: RunningHub, tmp_path: Path, content: bytes) -> str:
    """A file stored for nothing (as a refused revision's upload leaves it)."""
    local = tmp_path / "loose.pdf"
    local.write_bytes(content)
    return hub.services.files.put_path(local).sha256


def test_an_old_file_nothing_names_is_removed(hub: RunningHub, unique: str, tmp_path: Path) -> None:
    sha = _loose(hub, tmp_path, PDF + b"loose " + unique.encode())
    _age(hub.services.files, sha)
    report = _sweep(hub)
    assert sha in report.shas
    assert hub.services.files.path(sha) is None


def test_a_new_file_nothing_names_waits_for_the_grace_period(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    sha = _loose(hub, tmp_path, PDF + b"new " + unique.encode())
    report = _sweep(hub)
    assert sha not in report.shas
    assert hub.services.files.path(sha) is not None


def test_storing_content_again_restarts_its_grace_period(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    """A load that finds its file stored already is about to name it."""
    content = PDF + b"again " + unique.encode()
    sha = _loose(hub, tmp_path, content)
    _age(hub.services.files, sha)
    _loose(hub, tmp_path, content)
    assert sha not in _sweep(hub).shas
    assert hub.services.files.path(sha) is not None


def test_a_file_a_document_holds_is_kept_and_still_downloads(hub: RunningHub, unique: str) -> None:
    content = PDF + b"held " + unique.encode()
    file = document(hub, offer(unique, "A"), content)["document"]["file"]
    _age(hub.services.files, file["sha256"])
    report = _sweep(hub)
    assert file["sha256"] not in report.shas
    assert report.named >= 1
    with hub.client() as client:
        assert client.get(file["url"]).content == content


def test_a_replaced_file_no_source_gives_any_more_is_removed(hub: RunningHub, unique: str) -> None:
    first = document(hub, offer(unique, "A"), PDF + b"first " + unique.encode())
    second = document(hub, offer(unique, "A"), PDF + b"second " + unique.encode())
    old, new = first["document"]["file"]["sha256"], second["document"]["file"]["sha256"]
    assert old != new
    _age(hub.services.files, old)
    _age(hub.services.files, new)
    report = _sweep(hub)
    assert old in report.shas
    assert new not in report.shas


def test_a_file_only_another_sources_delivery_gives_is_kept(hub: RunningHub, unique: str) -> None:
    """Two systems deliver one revision with different files: the one shown may change when
    a source goes, so the other stays."""
    contents = [PDF + b"pdm " + unique.encode(), PDF + b"dms " + unique.encode()]
    mine = document(hub, offer(unique, "A"), contents[0])
    theirs = offer(unique, "A", source={"system": "DMS", "key": f"DMS-{unique}"})
    other = document(hub, theirs, contents[1])
    assert other["document"]["id"] == mine["document"]["id"]
    shas = {hashlib.sha256(content).hexdigest() for content in contents}
    assert other["document"]["file"]["sha256"] in shas
    for sha in shas:
        _age(hub.services.files, sha)
    assert shas.isdisjoint(_sweep(hub).shas)
    assert all(hub.services.files.path(sha) is not None for sha in shas)


def test_a_dry_run_removes_nothing(hub: RunningHub, unique: str, tmp_path: Path) -> None:
    sha = _loose(hub, tmp_path, PDF + b"dry " + unique.encode())
    _age(hub.services.files, sha)
    report = _sweep(hub, dry_run=True)
    assert sha in report.shas
    assert hub.services.files.path(sha) is not None
    assert sha in _sweep(hub).shas


def test_what_an_unfinished_upload_left_is_removed_once_old(hub: RunningHub) -> None:
    files = hub.services.files
    left = files.root / ".upload-crashed"
    left.write_bytes(b"part of a file")
    then = time.time() - 2 * DAY
    os.utime(left, (then, then))
    current = files.root / ".upload-under-way"
    current.write_bytes(b"part of another")
    assert _sweep(hub).partial >= 1
    assert not left.exists()
    assert current.exists()
    current.unlink()


def test_a_file_a_stopped_sweep_left_aside_is_put_back(hub: RunningHub, unique: str) -> None:
    files = hub.services.files
    content = PDF + b"aside " + unique.encode()
    file = document(hub, offer(unique, "A"), content)["document"]["file"]
    assert files.set_aside(file["sha256"]) is not None
    assert files.path(file["sha256"]) is None
    _sweep(hub)
    assert files.path(file["sha256"]) is not None
    assert list(files.root.rglob(f".sweep-{file['sha256']}")) == []


def test_a_file_an_open_rejected_row_names_is_kept_for_its_resubmission(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    content = PDF + b"rejected " + unique.encode()
    (tmp_path / "offer.pdf").write_bytes(content)
    row = {
        "source": {"key": f"REJ-{unique}"},
        "number": f"REJ-{unique}",
        "revision": "A",
        "type": "CONTRACT",
        "file": "offer.pdf",
        "about": [{"source": {"system": "CRM", "key": f"nobody-{unique}"}}],
    }
    summary = load(
        hub,
        tmp_path,
        [write_ndjson(tmp_path / "documents.ndjson", [row])],
        files=hub.services.files,
    )
    assert summary.counts["Document"]["rejected"] == 1
    sha = hashlib.sha256(content).hexdigest()
    _age(hub.services.files, sha)
    assert sha not in _sweep(hub).shas
    assert hub.services.files.path(sha) is not None


def test_one_sweep_at_a_time(hub: RunningHub, unique: str, tmp_path: Path) -> None:
    sha = _loose(hub, tmp_path, PDF + b"twice " + unique.encode())
    _age(hub.services.files, sha)
    with hub.services.files.sweeping() as alone:
        assert alone
        with pytest.raises(file_sweep.SweepRunning, match="another sweep"):
            _sweep(hub)
    assert sha in _sweep(hub).shas


def test_hub_files_sweep_reports_what_it_did(hub: RunningHub, unique: str, tmp_path: Path) -> None:
    sha = _loose(hub, tmp_path, PDF + b"cli " + unique.encode())
    _age(hub.services.files, sha)
    env = _external_env(
        hub, HUB_DATA_DIR=str(tmp_path / "var"), HUB_FILES_DIR=str(hub.services.files.root)
    )
    dry = hub_command("files", "sweep", "--dry-run", env=env, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "nothing names would be removed" in dry.stdout
    assert hub.services.files.path(sha) is not None
    done = hub_command("files", "sweep", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "nothing names removed" in done.stdout
    assert hub.services.files.path(sha) is None
    for hours in ("0.5", "nan"):
        refused = hub_command("files", "sweep", "--older-than", hours, env=env, cwd=tmp_path)
        assert refused.returncode == 2, hours
        assert "--older-than must be at least 1 hour:" in refused.stderr

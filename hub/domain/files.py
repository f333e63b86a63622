"""Document files stored by content: the SHA-256 of the bytes names the file, so the same
content uploaded twice is stored once."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import mimetypes
import os
import stat
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from hub.errors import HubError

_CHUNK = 1 << 20
_PDF_MAGIC = b"%PDF-"


class FileTooLarge(HubError):
    """A document's file larger than the hub takes."""

    code = "TOO_LARGE"


@dataclass(frozen=True)
class StoredOnDisk:
    """A stored file as the folder shows it: its content's hash, size and last write."""

    sha256: str
    size: int
    modified: float


_HEX = frozenset("0123456789abcdef")
_PARTIAL = ".upload-"  # a file being received, or left by an upload that never finished
_ASIDE = ".sweep-"  # a file a sweep moved aside while it looks at it again


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    media_type: str
    name: str | None


def media_type_of(name: str | None, declared: str | None, head: bytes) -> str:
    """The declared type unless it is generic; else sniffed (PDF) or guessed from the name."""
    if declared and declared != "application/octet-stream":
        return declared
    if head.startswith(_PDF_MAGIC):
        return "application/pdf"
    guessed = mimetypes.guess_type(name or "")[0]
    return guessed or "application/octet-stream"


class FileStore:
    """Files under ``root/ab/abcdef...``; writes are atomic (temporary file, then rename)."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path(self, sha256: str) -> Path | None:
        if not _is_sha256(sha256):
            return None
        candidate = self.root / sha256[:2] / sha256
        return candidate if candidate.is_file() else None

    def remove(self, sha256: str) -> bool:
        """Remove a stored file (erasure); False when there was none."""
        path = self.path(sha256)
        if path is None:
            return False
        path.unlink(missing_ok=True)
        return True

    async def put(
        self, chunks: AsyncIterator[bytes], name: str | None, declared: str | None
    ) -> StoredFile:
        with self._incoming() as incoming:
            async for chunk in chunks:
                incoming.add(chunk)
            return incoming.keep(name, declared)

    def put_path(self, path: Path) -> StoredFile:
        """Store a local file, named and typed after it; blocking, for loaders' threads.

        Content already stored is not written again, so loading the same files twice
        copies nothing the second time. Raises ``OSError`` when the file cannot be read."""
        # Not blocking: a pipe named like a file must not hang the load.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            os.close(fd)
            raise FileNotFoundError(errno.ENOENT, "not a regular file", str(path))
        with os.fdopen(fd, "rb") as handle:
            size = status.st_size
            if size > self.max_bytes:
                raise FileTooLarge(f"the file exceeds {self.max_bytes} bytes")
            if size > _CHUNK:
                with self._incoming() as incoming:
                    while chunk := handle.read(_CHUNK):
                        incoming.add(chunk)
                    return incoming.keep(path.name, None)
            content = handle.read()
        sha256 = hashlib.sha256(content).hexdigest()
        try:
            # Stored already: refreshed, so that a sweep counts it as just written.
            os.utime(self._target(sha256))
        except OSError:  # not stored yet, or its time may not be set here: written anew
            self._write_small(sha256, content)
        return StoredFile(sha256, len(content), media_type_of(path.name, None, content), path.name)

    @contextlib.contextmanager
    def sweeping(self) -> Iterator[bool]:
        """Hold the folder's sweep lock while the block runs: True, or False when another
        sweep holds it (on this host or another sharing the folder, where the file system
        passes locks on)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".sweep.lock", "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def stored(self) -> Iterator[StoredOnDisk]:
        """Every stored file; files a sweep that stopped halfway left aside are put back (call
        it while :meth:`sweeping`)."""
        for folder in self._hash_folders():
            with contextlib.suppress(FileNotFoundError), os.scandir(folder) as entries:
                for entry in entries:
                    name = entry.name
                    if name.startswith(_ASIDE) and _is_sha256(name[len(_ASIDE) :]):
                        name = name[len(_ASIDE) :]
                        self.put_back(name)
                    elif not _is_sha256(name):
                        continue
                    with contextlib.suppress(FileNotFoundError):
                        status = os.stat(os.path.join(folder, name))
                        yield StoredOnDisk(name, status.st_size, status.st_mtime)

    def set_aside(self, sha256: str) -> float | None:
        """Move a stored file out of its place; when it was last written, or None when it is
        gone."""
        aside = self._aside(sha256)
        try:
            os.rename(self._target(sha256), aside)
            return os.stat(aside).st_mtime
        except FileNotFoundError:
            return None

    def put_back(self, sha256: str) -> None:
        """Return a file set aside, unless the same content was stored there meanwhile."""
        aside = self._aside(sha256)
        try:
            os.link(aside, self._target(sha256))
        except FileExistsError:
            pass
        except FileNotFoundError:
            return
        except OSError:  # a file system without hard links: the content is the same either way
            os.replace(aside, self._target(sha256))
            return
        aside.unlink(missing_ok=True)

    def remove_aside(self, sha256: str) -> None:
        self._aside(sha256).unlink(missing_ok=True)

    def _hash_folders(self) -> list[str]:
        """The folders files are stored in, by the first two characters of their hash."""
        with contextlib.suppress(FileNotFoundError), os.scandir(self.root) as entries:
            return [e.path for e in entries if len(e.name) == 2 and e.is_dir(follow_symlinks=False)]
        return []

    def _aside(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{_ASIDE}{sha256}"

    def remove_partial_uploads(self, before: float, *, dry_run: bool = False) -> int:
        """Remove what uploads that never finished left, last written before ``before``."""
        removed = 0
        for folder in [str(self.root), *self._hash_folders()]:
            with contextlib.suppress(FileNotFoundError), os.scandir(folder) as entries:
                for entry in entries:
                    if not entry.name.startswith(_PARTIAL):
                        continue
                    with contextlib.suppress(FileNotFoundError):
                        if entry.stat().st_mtime < before:
                            if not dry_run:
                                os.unlink(entry.path)
                            removed += 1
        return removed

    def _target(self, sha256: str) -> str:
        return os.path.join(self.root, sha256[:2], sha256)

    def _write_small(self, sha256: str, content: bytes) -> None:
        """Write content whole beside its place, then move it there: a reader never sees
        part of a file. A loader stores tens of thousands of small files, so this path
        makes no directory it does not need and no random temporary name."""
        folder = os.path.join(self.root, sha256[:2])
        temporary = os.path.join(folder, f"{_PARTIAL}{os.getpid()}-{threading.get_ident()}")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.replace(temporary, self._target(sha256))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    @contextlib.contextmanager
    def _incoming(self) -> Iterator[_Incoming]:
        """A temporary file to receive into; removed unless kept."""
        self.root.mkdir(parents=True, exist_ok=True)
        incoming = _Incoming(self.root, self.max_bytes)
        try:
            yield incoming
        except BaseException:
            incoming.discard()
            raise


class _Incoming:
    """A file being received into a temporary file beside its final place."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.digest = hashlib.sha256()
        self.size = 0
        self.head = b""
        fd, self.temporary = tempfile.mkstemp(dir=root, prefix=_PARTIAL)
        self.out = os.fdopen(fd, "wb")

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise FileTooLarge(f"the file exceeds {self.max_bytes} bytes")
        if len(self.head) < 8:
            self.head += chunk[:8]
        self.digest.update(chunk)
        self.out.write(chunk)

    def keep(self, name: str | None, declared: str | None) -> StoredFile:
        self.out.close()
        sha256 = self.digest.hexdigest()
        target = self.root / sha256[:2] / sha256
        target.parent.mkdir(exist_ok=True)
        os.replace(self.temporary, target)
        return StoredFile(sha256, self.size, media_type_of(name, declared, self.head), name)

    def discard(self) -> None:
        self.out.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temporary)


def _is_sha256(name: str) -> bool:
    return len(name) == 64 and _HEX.issuperset(name)


def file_name(sent: str | None) -> str | None:
    """The name of an uploaded file without the folders a client put before it (``..``,
    a Windows path): it names a download, never a place."""
    if not sent:
        return None
    name = PureWindowsPath(sent).name  # splits on both / and \\
    return name if name not in ("", ".", "..") else None


async def upload_chunks(upload: object) -> AsyncIterator[bytes]:
    """Read a Starlette UploadFile in chunks."""
    read = getattr(upload, "read")  # noqa: B009 - UploadFile.read is async
    while True:
        chunk: bytes = await read(_CHUNK)
        if not chunk:
            return
        yield chunk

"""Document files stored by content: the SHA-256 of the bytes names the file, so the same
content uploaded twice is stored once."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20
_PDF_MAGIC = b"%PDF-"


class FileTooLarge(ValueError):
    pass


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
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            return None
        candidate = self.root / sha256[:2] / sha256
        return candidate if candidate.is_file() else None

    async def put(
        self, chunks: AsyncIterator[bytes], name: str | None, declared: str | None
    ) -> StoredFile:
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FileTooLarge(f"the file exceeds {self.max_bytes} bytes")
                    if len(head) < 8:
                        head += chunk[:8]
                    digest.update(chunk)
                    out.write(chunk)
            sha256 = digest.hexdigest()
            target = self.root / sha256[:2] / sha256
            target.parent.mkdir(exist_ok=True)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
        return StoredFile(sha256, size, media_type_of(name, declared, head), name)


async def upload_chunks(upload: object) -> AsyncIterator[bytes]:
    """Read a Starlette UploadFile in chunks."""
    read = getattr(upload, "read")  # noqa: B009 - UploadFile.read is async
    while True:
        chunk: bytes = await read(_CHUNK)
        if not chunk:
            return
        yield chunk

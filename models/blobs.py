"""Photo storage (KTP, house front, evidence) behind a small interface.

Only images are accepted, recognised by their first bytes (the type a chat provider declares
is whatever the sender's phone claimed) and then decoded: magic bytes followed by junk, or a
photo cut off in transit, is refused before it is stored. `FileBlobStore` writes each photo
to a temporary file and renames it into place, so a crash never leaves a half-written photo
under a valid ref.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final, Literal, Protocol

# The row-writing half lives with the other attachment queries; re-exported for callers.
from models.attachments import save_attachment

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_PIXELS",
    "BlobNotFound",
    "BlobRejected",
    "BlobStore",
    "FileBlobStore",
    "StoredBlob",
    "check_image",
    "save_attachment",
    "sniff_image_type",
]

DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024

# No phone camera makes more than this (a 200 MP sensor bins to 50 MP): a small file that
# claims more is a decompression bomb, not a photo, and is refused before it is decoded.
MAX_PIXELS: Final = 60_000_000

RejectionCode = Literal["photo_empty", "photo_not_image", "photo_too_large", "photo_unreadable"]

_REF_RE: Final = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class StoredBlob:
    ref: str
    content_type: str
    size: int
    sha256: str


class BlobRejected(ValueError):
    """The upload is not acceptable; `code` is a message-catalogue key for the citizen."""

    def __init__(self, code: RejectionCode) -> None:
        super().__init__(code)
        self.code: RejectionCode = code


class BlobNotFound(KeyError):
    pass


class BlobStore(Protocol):
    def put(self, data: bytes) -> StoredBlob: ...

    def get(self, ref: str) -> bytes: ...

    def delete(self, ref: str) -> None: ...

    def refs_older_than(self, cutoff: datetime) -> Iterator[str]: ...


def sniff_image_type(data: bytes) -> str | None:
    """The image MIME type from the magic bytes, or None when it is not a supported image."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def check_image(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The content type of an acceptable photo; raises `BlobRejected` otherwise."""
    if not data:
        raise BlobRejected("photo_empty")
    if len(data) > max_bytes:
        raise BlobRejected("photo_too_large")
    content_type = sniff_image_type(data)
    if content_type is None:
        raise BlobRejected("photo_not_image")
    if not _decodes(data):
        raise BlobRejected("photo_unreadable")
    return content_type


def _decodes(data: bytes) -> bool:
    """Whether the whole picture decodes; JPEGs at 1/8 scale, which reads every block."""
    from PIL import Image  # imported here: the CLI and start-up need no imaging library

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if not 0 < width * height <= MAX_PIXELS:
                return False
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
    # Pillow's decoders signal a broken file with many exception types (OSError, SyntaxError,
    # struct.error, EOFError, ...): any of them means the citizen must send the photo again.
    except Exception:
        return False
    return True


class FileBlobStore:
    """Photos as files under `root/ab/cd/<ref>`, with random refs.

    Random rather than content-addressed refs: two uploads of the same picture (a retry after
    "batal", a forwarded photo) stay two independent attachments that can be deleted apart.
    Files are created owner-only: KTP photos are personal data.
    """

    def __init__(self, root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    def _path(self, ref: str) -> Path:
        # Refs come back from conversation state and URLs: never let one name another path.
        if not _REF_RE.fullmatch(ref):
            raise BlobNotFound(ref)
        return self.root / ref[:2] / ref[2:4] / ref

    def content_type(self, data: bytes) -> str:
        """What the bytes are, or `BlobRejected`; stores of other kinds of files override it."""
        return check_image(data, max_bytes=self.max_bytes)

    def put(self, data: bytes) -> StoredBlob:
        content_type = self.content_type(data)
        ref = secrets.token_hex(16)
        path = self._path(ref)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp_name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        _fsync_directory(path.parent)
        return StoredBlob(
            ref=ref,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )

    def get(self, ref: str) -> bytes:
        try:
            return self._path(ref).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(ref) from None

    def delete(self, ref: str) -> None:
        """Remove the photo; deleting one that is already gone is not an error."""
        with contextlib.suppress(BlobNotFound):
            self._path(ref).unlink(missing_ok=True)

    def refs_older_than(self, cutoff: datetime) -> Iterator[str]:
        """Refs of the files last written before `cutoff` (for finding orphans)."""
        limit = cutoff.timestamp()
        for path in self.root.glob("??/??/*"):
            if _REF_RE.fullmatch(path.name) and path.stat().st_mtime < limit:
                yield path.name


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable, so a committed Attachment row never outlives its file
    # after a power cut. Not possible (nor needed) on every platform.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

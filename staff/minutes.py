"""The signed minutes (Berita Acara) of a musyawarah: a scan or photo, or a PDF.

`models.blobs.FileBlobStore` takes photos only (what citizens send). Minutes are usually a
scanned PDF, so they get a store of their own, in their own folder, with their own check
by the first bytes (the type a browser declares is whatever the uploader's computer
claimed): PDF, JPEG, PNG or WebP, up to `MAX_MINUTES_BYTES`. Writing is the same as for
photos: a temporary file renamed into place, owner-only, sealed (minutes list the names of
the households decided on), bound to this store ("file.minutes:<ref>").
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from models.blobs import FileBlobStore, sniff_minutes_type
from models.crypto import KeyRing

MAX_MINUTES_BYTES: Final = 20 * 1024 * 1024


class MinutesRejected(ValueError):
    """Not acceptable as signed minutes; the message says why."""


def check_minutes(data: bytes, *, max_bytes: int = MAX_MINUTES_BYTES) -> str:
    if not data:
        raise MinutesRejected("the file is empty")
    if len(data) > max_bytes:
        raise MinutesRejected(f"the file is larger than {max_bytes // (1024 * 1024)} MB")
    content_type = sniff_minutes_type(data)
    if content_type is None:
        raise MinutesRejected("the signed minutes must be a PDF or a photo (JPEG, PNG, WebP)")
    return content_type


class MinutesStore(FileBlobStore):
    """Signed minutes under `root` (use a folder of its own, e.g. `DATA_DIR/minutes`)."""

    kind = "minutes"

    def __init__(self, root: Path, keys: KeyRing, *, max_bytes: int = MAX_MINUTES_BYTES) -> None:
        super().__init__(root, keys, max_bytes=max_bytes)

    def content_type(self, data: bytes) -> str:
        return check_minutes(data, max_bytes=self.max_bytes)

    def is_own_type(self, data: bytes) -> bool:
        return sniff_minutes_type(data) is not None


__all__ = [
    "MAX_MINUTES_BYTES",
    "MinutesRejected",
    "MinutesStore",
    "check_minutes",
    "sniff_minutes_type",
]

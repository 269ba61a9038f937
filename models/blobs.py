"""Photo storage (KTP, house front, evidence) behind a small interface.

Only images are accepted, recognised by their first bytes (the type a chat provider declares
is whatever the sender's phone claimed) and then decoded: magic bytes followed by junk, or a
photo cut off in transit, is refused before it is stored. `FileBlobStore` writes each photo
to a temporary file and renames it into place, so a crash never leaves a half-written photo
under a valid ref.

On disk every file is sealed (`KeyRing.seal_bytes`: AES-256-GCM, the key version in clear at
the head, `b"v2:" + nonce + ciphertext`): a KTP photo shows a NIK, a name and a face, and a
copied data folder or backup must not give them away. The associated data binds a file to
its store and ref (`"file.photo:<ref>"`), so a file copied under another ref, or into the
minutes folder, does not open. Files written before sealing (clear, no version head) are
still read when their bytes are what the store holds, and `reseal` (for `dtsen-bot keys
rotate`) seals them like those under an old key.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final, Literal, Protocol

# The row-writing half lives with the other attachment queries; re-exported for callers.
from models.attachments import save_attachment
from models.crypto import KeyRing, SealError, is_sealed, key_version

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_PIXELS",
    "BlobNotFound",
    "BlobRejected",
    "BlobStore",
    "FileBlobStore",
    "StoredBlob",
    "check_image",
    "file_key_version",
    "reseal_file",
    "save_attachment",
    "sniff_image_type",
    "sniff_minutes_type",
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


_MINUTES_IMAGES: Final = frozenset({"image/jpeg", "image/png", "image/webp"})


def sniff_minutes_type(data: bytes) -> str | None:
    """ "application/pdf" or an image type, or None when it is neither: what a scan of
    signed minutes may be (`staff.minutes`; here so the registry of sealed files can tell a
    clear file from before sealing)."""
    # PDF readers accept a header within the first 1024 bytes; some scanners put junk first.
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    image = sniff_image_type(data)
    return image if image in _MINUTES_IMAGES else None


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
    """Photos as sealed files under `root/ab/cd/<ref>`, with random refs.

    Random rather than content-addressed refs: two uploads of the same picture (a retry after
    "batal", a forwarded photo) stay two independent attachments that can be deleted apart.
    Files are created owner-only and sealed with `keys` (see the module's notes).
    """

    # Names the store in each file's associated data; stores of other files override it.
    kind: str = "photo"

    def __init__(self, root: Path, keys: KeyRing, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = Path(root)
        self.keys = keys
        self.max_bytes = max_bytes

    def _path(self, ref: str) -> Path:
        # Refs come back from conversation state and URLs: never let one name another path.
        if not _REF_RE.fullmatch(ref):
            raise BlobNotFound(ref)
        return self.root / ref[:2] / ref[2:4] / ref

    def _context(self, ref: str) -> str:
        return f"file.{self.kind}:{ref}"

    def content_type(self, data: bytes) -> str:
        """What the bytes are, or `BlobRejected`; stores of other kinds of files override it."""
        return check_image(data, max_bytes=self.max_bytes)

    def is_own_type(self, data: bytes) -> bool:
        """Whether clear bytes look like what this store holds (for files from before sealing)."""
        return sniff_image_type(data) is not None

    def put(self, data: bytes) -> StoredBlob:
        content_type = self.content_type(data)
        ref = secrets.token_hex(16)
        path = self._path(ref)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_atomically(path, self.keys.seal_bytes(data, self._context(ref)))
        return StoredBlob(
            ref=ref,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )

    def get(self, ref: str) -> bytes:
        try:
            stored = self._path(ref).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(ref) from None
        return self._open(ref, stored)

    def _open(self, ref: str, stored: bytes) -> bytes:
        if is_sealed(stored):
            # SealError (tampered, copied from elsewhere, key missing) is not a missing photo:
            # it propagates, and whoever asked sees an error rather than a wrong picture.
            return self.keys.open_bytes(stored, self._context(ref))
        if self.is_own_type(stored):
            return stored  # written before files were sealed; `reseal` seals it
        raise SealError(f"a {self.kind} file is neither sealed nor a {self.kind}")

    def delete(self, ref: str) -> None:
        """Remove the photo; deleting one that is already gone is not an error."""
        try:
            path = self._path(ref)
            with _locked(path):
                path.unlink(missing_ok=True)
        except (BlobNotFound, FileNotFoundError):
            pass

    def refs_older_than(self, cutoff: datetime) -> Iterator[str]:
        """Refs of the files last written before `cutoff` (for finding orphans)."""
        limit = cutoff.timestamp()
        for path in self.root.glob("??/??/*"):
            if _REF_RE.fullmatch(path.name) and path.stat().st_mtime < limit:
                yield path.name

    # -- key rotation (`dtsen-bot keys rotate`) ------------------------------------------------

    def refs_to_reseal(self) -> Iterator[str]:
        """Refs of the files not sealed under the newest key: under an older one, or clear
        (from before sealing). Reads only each file's head."""
        for path in self.root.glob("??/??/*"):
            if not _REF_RE.fullmatch(path.name):
                continue
            try:
                if file_key_version(path) != self.keys.current:
                    yield path.name
            except FileNotFoundError:
                continue  # deleted meanwhile

    def reseal(self, ref: str) -> bool:
        """Seal one file under the newest key, in place (see `reseal_file`); False when it is
        gone or already under that key."""
        return reseal_file(self._path(ref), self.keys, self._context(ref), self.is_own_type)


def file_key_version(path: Path) -> int | None:
    """The key version a stored file is sealed under, None when it is clear (from before
    sealing); reads only its head. FileNotFoundError when it is gone."""
    with path.open("rb") as file:
        return key_version(file.read(8))


def reseal_file(
    path: Path, keys: KeyRing, context: str, clear_kind: Callable[[bytes], bool]
) -> bool:
    """Seal the file at `path` under the newest key of `keys`, in place; False when it is
    gone or already under that key. A clear file is sealed when `clear_kind` recognises it
    (a photo, a PDF), refused (`SealError`) otherwise.

    Safe beside a running service: the new file replaces the old one in one rename and
    keeps its time (the orphan purge goes by it), and `FileBlobStore.delete` waits for the
    file's lock, so a photo deleted meanwhile is never brought back."""
    try:
        with _locked(path) as file:
            if os.fstat(file.fileno()).st_nlink == 0:
                return False  # deleted between our open and our lock
            stored = file.read()
            if key_version(stored[:8]) == keys.current:
                return False
            if is_sealed(stored):
                data = keys.open_bytes(stored, context)
            elif clear_kind(stored):
                data = stored
            else:
                raise SealError(f"{path.name}: neither sealed nor a file of its kind")
            times = os.fstat(file.fileno())
            _write_atomically(path, keys.seal_bytes(data, context))
            os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
            return True
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[io.BufferedReader]:
    """The file open for reading under an exclusive lock (`delete` and `reseal` take it)."""
    with path.open("rb") as file:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)
        try:
            yield file
        finally:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)


def _write_atomically(path: Path, data: bytes) -> None:
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

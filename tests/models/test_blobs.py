"""The file blob store: images only, size-limited, written atomically."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.attachments import get_attachment, purge_unfiled_photos
from models.blobs import BlobNotFound, BlobRejected, FileBlobStore, save_attachment
from models.requests import create_request
from models.tables import Attachment
from tests.images import tiny_png
from tests.models.factories import GIF, JPEG, NOW, PDF, PNG, WEBP, new_usulan


@pytest.fixture
def store(tmp_path: Path) -> FileBlobStore:
    return FileBlobStore(tmp_path / "blobs", max_bytes=1024)


def _temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(".tmp-")]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(JPEG, "image/jpeg"), (PNG, "image/png"), (WEBP, "image/webp"), (GIF, "image/gif")],
)
def test_images_are_stored_and_read_back(
    store: FileBlobStore, data: bytes, content_type: str
) -> None:
    blob = store.put(data)
    assert blob.content_type == content_type
    assert blob.size == len(data)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert store.get(blob.ref) == data


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "photo_empty"),
        (PDF, "photo_not_image"),
        (b"Halo, ini bukan foto", "photo_not_image"),
        (JPEG + b"\x00" * 1024, "photo_too_large"),
        # Magic bytes followed by junk, and a real photo cut off in transit.
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, "photo_unreadable"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64, "photo_unreadable"),
        (b"GIF89a" + b"junk" * 16, "photo_unreadable"),
        (tiny_png()[:-40], "photo_unreadable"),
    ],
)
def test_rejected_uploads(store: FileBlobStore, data: bytes, code: str) -> None:
    with pytest.raises(BlobRejected) as rejected:
        store.put(data)
    assert rejected.value.code == code
    assert not store.root.exists() or not any(p.is_file() for p in store.root.rglob("*"))


def test_size_limit_is_inclusive_and_defaults_to_10_mb(tmp_path: Path) -> None:
    exact = JPEG + b"\x00" * (1024 - len(JPEG))
    assert FileBlobStore(tmp_path, max_bytes=1024).put(exact).size == 1024
    assert FileBlobStore(tmp_path).max_bytes == 10 * 1024 * 1024


def test_the_declared_type_does_not_matter_only_the_bytes(store: FileBlobStore) -> None:
    # A PDF renamed to .jpg is still a PDF: put() never sees a declared type at all.
    with pytest.raises(BlobRejected):
        store.put(PDF)


def test_refs_are_random_sharded_and_files_private(store: FileBlobStore) -> None:
    first, second = store.put(JPEG), store.put(JPEG)
    assert first.ref != second.ref
    assert first.sha256 == second.sha256
    path = store.root / first.ref[:2] / first.ref[2:4] / first.ref
    assert path.read_bytes() == JPEG
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_atomic_write_leaves_no_temp_files(store: FileBlobStore) -> None:
    for _ in range(5):
        store.put(PNG)
    assert _temp_files(store.root) == []


def test_failed_write_leaves_neither_temp_file_nor_blob(
    store: FileBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        store.put(JPEG)
    monkeypatch.undo()
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_get_and_delete(store: FileBlobStore) -> None:
    blob = store.put(JPEG)
    store.delete(blob.ref)
    store.delete(blob.ref)  # already gone: fine
    with pytest.raises(BlobNotFound):
        store.get(blob.ref)


@pytest.mark.parametrize("ref", ["../../etc/passwd", "ABCDEF", "", "0" * 31, "g" * 32])
def test_malformed_refs_are_not_found(store: FileBlobStore, ref: str) -> None:
    with pytest.raises(BlobNotFound):
        store.get(ref)
    store.delete(ref)


def test_save_attachment_records_an_unlinked_row(db_engine: Engine, tmp_path: Path) -> None:
    blob = FileBlobStore(tmp_path).put(JPEG)
    with Session(db_engine) as session:
        row = save_attachment(session, blob, channel="telegram", chat_id="1001", now=NOW)
        assert row.id is not None
        session.commit()
    with Session(db_engine) as session:
        stored = get_attachment(session, blob.ref)
        assert stored is not None
        assert (stored.request_id, stored.purpose, stored.content_type, stored.size) == (
            None,
            None,
            "image/jpeg",
            len(JPEG),
        )
        assert stored.created_at == NOW


def test_photos_of_abandoned_drafts_and_orphan_files_are_purged_filed_ones_kept(
    db_engine: Engine, tmp_path: Path
) -> None:
    store = FileBlobStore(tmp_path / "attachments")
    old, fresh = NOW - timedelta(days=30), NOW
    blobs = {name: store.put(tiny_png()) for name in ("abandoned", "filed", "recent", "orphan")}
    with Session(db_engine) as session, session.begin():
        for name, at in (("abandoned", old), ("filed", old), ("recent", fresh)):
            save_attachment(session, blobs[name], channel="telegram", chat_id="1001", now=at)
        create_request(session, new_usulan(attachments=[(blobs["filed"].ref, "ktp")]), now=old)
    # The orphan: its message failed before the commit, so only the file exists.
    stamp = (old - timedelta(days=1)).timestamp()
    for blob in blobs.values():
        os.utime(store._path(blob.ref), (stamp, stamp))

    with Session(db_engine) as session, session.begin():
        assert purge_unfiled_photos(session, store, before=NOW - timedelta(days=14)) == 2

    kept = {name for name, blob in blobs.items() if store._path(blob.ref).exists()}
    assert kept == {"filed", "recent"}
    with Session(db_engine) as session:
        refs = {a.ref for a in session.exec(select(Attachment))}
        assert refs == {blobs["filed"].ref, blobs["recent"].ref}

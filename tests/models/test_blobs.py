"""The file blob store: images only, size-limited, written atomically, sealed on disk."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import blobs
from models.attachments import get_attachment, purge_unfiled_photos
from models.blobs import BlobNotFound, BlobRejected, FileBlobStore, save_attachment
from models.crypto import KeyRing, SealError
from models.key_rotation import count_left_in_files, rotate_files
from models.requests import create_request
from models.tables import Attachment
from staff.minutes import MinutesStore
from tests.conftest import TEST_KEYS
from tests.images import tiny_png
from tests.models.factories import GIF, JPEG, NOW, PDF, PNG, WEBP, new_usulan


@pytest.fixture
def store(tmp_path: Path) -> FileBlobStore:
    return FileBlobStore(tmp_path / "blobs", TEST_KEYS, max_bytes=1024)


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
    assert FileBlobStore(tmp_path, TEST_KEYS, max_bytes=1024).put(exact).size == 1024
    assert FileBlobStore(tmp_path, TEST_KEYS).max_bytes == 10 * 1024 * 1024


def test_the_declared_type_does_not_matter_only_the_bytes(store: FileBlobStore) -> None:
    # A PDF renamed to .jpg is still a PDF: put() never sees a declared type at all.
    with pytest.raises(BlobRejected):
        store.put(PDF)


def test_refs_are_random_sharded_and_files_private(store: FileBlobStore) -> None:
    first, second = store.put(JPEG), store.put(JPEG)
    assert first.ref != second.ref
    assert first.sha256 == second.sha256
    path = store.root / first.ref[:2] / first.ref[2:4] / first.ref
    assert path.exists()
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
    blob = FileBlobStore(tmp_path, TEST_KEYS).put(JPEG)
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
    store = FileBlobStore(tmp_path / "attachments", TEST_KEYS)
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


# -- sealed on disk ------------------------------------------------------------------------------


def _file(store: FileBlobStore, ref: str) -> Path:
    return store.root / ref[:2] / ref[2:4] / ref


def test_a_photo_on_disk_is_sealed_under_the_newest_key_and_reads_back_clear(
    store: FileBlobStore,
) -> None:
    # What a copied data folder shows of a KTP photo: a key version and noise.
    blob = store.put(JPEG)
    on_disk = _file(store, blob.ref).read_bytes()
    assert on_disk.startswith(b"v2:")
    assert JPEG[:64] not in on_disk and JPEG[-64:] not in on_disk
    assert not on_disk[3:].startswith(b"\xff\xd8")
    assert store.get(blob.ref) == JPEG
    # The same picture twice: two different files (random nonce).
    assert _file(store, store.put(JPEG).ref).read_bytes() != on_disk


def test_a_sealed_photo_does_not_open_when_tampered_moved_or_copied_into_the_minutes(
    store: FileBlobStore, tmp_path: Path
) -> None:
    blob, other = store.put(JPEG), store.put(PNG)
    # Copied over another photo's file: bound to its ref, it does not open there.
    _file(store, other.ref).write_bytes(_file(store, blob.ref).read_bytes())
    with pytest.raises(SealError):
        store.get(other.ref)
    # Copied into the minutes folder under the same ref: bound to its store too.
    minutes = MinutesStore(tmp_path / "minutes", TEST_KEYS)
    _file(minutes, blob.ref).parent.mkdir(parents=True)
    _file(minutes, blob.ref).write_bytes(_file(store, blob.ref).read_bytes())
    with pytest.raises(SealError):
        minutes.get(blob.ref)
    # One bit flipped: refused, never a damaged picture.
    sealed = bytearray(_file(store, blob.ref).read_bytes())
    sealed[40] ^= 1
    _file(store, blob.ref).write_bytes(bytes(sealed))
    with pytest.raises(SealError):
        store.get(blob.ref)


def test_photos_and_minutes_written_before_sealing_still_read_junk_does_not(
    store: FileBlobStore, tmp_path: Path
) -> None:
    minutes = MinutesStore(tmp_path / "minutes", TEST_KEYS)
    for folder, data in ((store, JPEG), (minutes, PDF)):
        ref = "ab" * 16
        _file(folder, ref).parent.mkdir(parents=True)
        _file(folder, ref).write_bytes(data)
        assert folder.get(ref) == data
        # Re-sealing (keys rotate) seals it where it is.
        assert list(folder.refs_to_reseal()) == [ref] and folder.reseal(ref)
        assert _file(folder, ref).read_bytes().startswith(b"v2:") and folder.get(ref) == data
        # Clear bytes that are not what the store holds are neither shown nor sealed.
        _file(folder, ref).write_bytes(b"Berita Acara, diketik biasa")
        with pytest.raises(SealError):
            folder.get(ref)
        with pytest.raises(SealError):
            folder.reseal(ref)


def test_rotation_finds_old_and_clear_files_and_reseals_them_keeping_their_time(
    tmp_path: Path,
) -> None:
    old_keys = KeyRing({1: TEST_KEYS.keys[1]}, TEST_KEYS.lookup_key)
    under_v1 = FileBlobStore(tmp_path, old_keys).put(JPEG)
    store = FileBlobStore(tmp_path, TEST_KEYS)
    current = store.put(PNG)
    clear_ref = "cd" * 16
    _file(store, clear_ref).parent.mkdir(parents=True)
    _file(store, clear_ref).write_bytes(GIF)
    stamp = (NOW - timedelta(days=30)).timestamp()
    os.utime(_file(store, under_v1.ref), (stamp, stamp))

    assert sorted(store.refs_to_reseal()) == sorted([under_v1.ref, clear_ref])
    assert store.reseal(under_v1.ref) and store.reseal(clear_ref)
    assert not store.reseal(current.ref)  # already under the newest key
    assert not store.reseal(under_v1.ref)  # done already: a resumed run skips it
    assert not store.reseal("ef" * 16)  # gone

    assert list(store.refs_to_reseal()) == []
    assert _file(store, under_v1.ref).read_bytes().startswith(b"v2:")
    assert _file(store, clear_ref).read_bytes().startswith(b"v2:")
    assert (store.get(under_v1.ref), store.get(clear_ref)) == (JPEG, GIF)
    # The orphan purge still sees the photo as old as it is.
    assert _file(store, under_v1.ref).stat().st_mtime == stamp
    assert _temp_files(tmp_path) == []


def test_a_photo_deleted_while_rotation_reseals_it_stays_deleted(
    store: FileBlobStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old = FileBlobStore(store.root, KeyRing({1: TEST_KEYS.keys[1]}, TEST_KEYS.lookup_key))
    blob = old.put(JPEG)
    write = blobs._write_atomically
    deleter: list[threading.Thread] = []

    def delete_meanwhile(path: Path, data: bytes) -> None:
        # The retention purge deletes the photo while its new copy is being written.
        deleter.append(threading.Thread(target=store.delete, args=(blob.ref,)))
        deleter[0].start()
        deleter[0].join(timeout=0.3)
        assert deleter[0].is_alive(), "delete waits for the file's lock"
        write(path, data)

    monkeypatch.setattr(blobs, "_write_atomically", delete_meanwhile)
    assert store.reseal(blob.ref)
    deleter[0].join()
    with pytest.raises(BlobNotFound):
        store.get(blob.ref)
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_keys_rotate_reseals_the_stores_photos_and_minutes_through_the_registry(
    tmp_path: Path,
) -> None:
    # The container's stores live in DATA_DIR/attachments and DATA_DIR/minutes.
    old_keys = KeyRing({1: TEST_KEYS.keys[1]}, TEST_KEYS.lookup_key)
    photos = FileBlobStore(tmp_path / "attachments", old_keys)
    photo = photos.put(JPEG)
    minutes = MinutesStore(tmp_path / "minutes", old_keys).put(PDF)
    # And a photo stored before files were sealed, in clear.
    clear_ref = "ab" * 16
    _file(photos, clear_ref).parent.mkdir(parents=True)
    _file(photos, clear_ref).write_bytes(PNG)
    stamp = (NOW - timedelta(days=30)).timestamp()
    os.utime(_file(photos, photo.ref), (stamp, stamp))

    done = rotate_files(tmp_path, TEST_KEYS)

    assert [(p.resealed, p.failed) for p in done] == [(2, 0), (1, 0)]
    assert count_left_in_files(tmp_path, TEST_KEYS) == {"photos": 0, "minutes": 0}
    # Readable with the newest key alone: the old one can be retired.
    newest = KeyRing({2: TEST_KEYS.keys[2]}, TEST_KEYS.lookup_key)
    assert FileBlobStore(tmp_path / "attachments", newest).get(photo.ref) == JPEG
    assert FileBlobStore(tmp_path / "attachments", newest).get(clear_ref) == PNG
    assert MinutesStore(tmp_path / "minutes", newest).get(minutes.ref) == PDF
    # The orphan purge still sees the photo as old as it is.
    assert _file(photos, photo.ref).stat().st_mtime == stamp

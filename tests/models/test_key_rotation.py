"""`keys rotate`: everything sealed under an older key version is re-sealed under the newest,
in short batches, while the app keeps writing (real SQLite and PostgreSQL, no mocks)."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from models.blobs import FileBlobStore, reseal_file, sniff_image_type
from models.conversation_store import RedisConversationStore, SqlConversationStore
from models.crypto import KeyRing, SealError
from models.database import create_db_engine
from models.key_rotation import (
    Progress,
    _replace_if_unchanged,
    count_left_in_files,
    count_left_in_redis,
    count_left_in_tables,
    count_version_in_tables,
    rotate_files,
    rotate_redis,
    rotate_tables,
)
from models.requests import create_request, find_open_usulan_by_nik
from models.sealed import SEALED_KEY
from models.sealed_registry import SealedFiles, SealedKeySpace, fixed
from models.staff import add_staff, link_chat
from models.tables import HouseholdMember, Request, StaffChat
from tests.conftest import TEST_KEYS
from tests.images import tiny_png
from tests.models.factories import NOW, fresh_nik, new_sanggahan, new_usulan

# What the database was sealed with before the new version was added, and after the old
# one is retired.
V1_ONLY = KeyRing({1: TEST_KEYS.keys[1]}, TEST_KEYS.lookup_key)
V2_ONLY = KeyRing({2: TEST_KEYS.keys[2]}, TEST_KEYS.lookup_key)
BORN = date(1992, 3, 14)


def engine_with(engine: Engine, keys: KeyRing) -> Iterator[Engine]:
    other = create_db_engine(engine.url.render_as_string(hide_password=False), keys, pool_size=5)
    try:
        yield other
    finally:
        other.dispose()


@pytest.fixture
def v1_engine(db_engine: Engine) -> Iterator[Engine]:
    yield from engine_with(db_engine, V1_ONLY)


@pytest.fixture
def v2_only_engine(db_engine: Engine) -> Iterator[Engine]:
    yield from engine_with(db_engine, V2_ONLY)


def file_under_v1(engine: Engine, count: int) -> list[str]:
    """`count` usulan (with members, birth place and date, mother's name, disability) from
    WhatsApp numbers, one sanggahan and a staff member's linked WhatsApp, as the app stored
    them before the new version: their NIKs."""
    niks = []
    with Session(engine) as session:
        for n in range(count):
            nik = fresh_nik()
            niks.append(nik)
            create_request(session, new_usulan(nik=nik, chat_id=f"62812000{n}"), now=NOW)
        create_request(session, new_sanggahan(subject_nik=fresh_nik()), now=NOW)
        staff = add_staff(
            session,
            username="sri",
            display_name="Sri",
            role="village_operator",
            areas=["32.04.01.2001"],
            at=NOW,
        )
        assert staff.id is not None
        link_chat(session, staff.id, "whatsapp", "6281299990000", at=NOW)
        session.commit()
        for member in session.exec(select(HouseholdMember)).all():
            member.birth_place, member.mother_name = "Bandung", "Ibu Sari"
            member.birth_date, member.disability = BORN, member.position == 1
        session.commit()
    return niks


def worked(done: list[Progress]) -> dict[str, tuple[int, int]]:
    """(found under an older version, re-sealed) per table that had any."""
    return {p.place: (p.left_before, p.resealed) for p in done if p.left_before}


def under(engine: Engine, version: int) -> int:
    return sum(count_version_in_tables(engine, version).values())


def everything_opens(engine: Engine, niks: list[str]) -> None:
    with Session(engine) as session:
        for n, nik in enumerate(niks):
            found = find_open_usulan_by_nik(session, nik)
            assert found is not None and found.nik == nik and found.name == "Siti Aminah"
            assert found.answers["lantai"] == "tanah"
            assert found.reply_to == f"62812000{n}"  # where its notices go
        assert session.exec(select(StaffChat.recipient)).one() == "6281299990000"
        members = session.exec(select(HouseholdMember)).all()
        assert {m.name for m in members} == {"Budi Santoso", "Ani"}
        assert {m.mother_name for m in members} == {"Ibu Sari"}
        assert {(m.position, m.birth_date, m.disability) for m in members} == {
            (1, BORN, True),
            (2, BORN, False),
        }
        sanggahan = session.exec(select(Request).where(col(Request.kind) == "sanggahan")).one()
        assert sanggahan.subject_name == "Orang Mampu"


def test_after_rotation_nothing_is_under_the_old_version_and_the_old_key_can_go(
    db_engine: Engine, v1_engine: Engine, v2_only_engine: Engine
) -> None:
    niks = file_under_v1(v1_engine, 7)
    assert under(db_engine, 1) > 0 and under(db_engine, 2) == 0
    # The sealed date and yes/no are found by their prefix like any sealed text.
    v1 = count_version_in_tables(db_engine, 1)
    assert (v1["household_member.birth_date"], v1["household_member.disability"]) == (14, 14)
    assert sum(count_left_in_tables(db_engine, TEST_KEYS).values()) == under(db_engine, 1)

    done = rotate_tables(db_engine, TEST_KEYS, batch=3)

    assert under(db_engine, 1) == 0
    assert sum(count_left_in_tables(db_engine, TEST_KEYS).values()) == 0
    assert count_version_in_tables(db_engine, 2)["household_member.birth_date"] == 14
    assert worked(done) == {"household_member": (14, 14), "request": (8, 8), "staff_chat": (1, 1)}
    assert not any(p.failed or p.changed_meanwhile for p in done)
    # The app without the old key opens everything and finds NIKs as before.
    everything_opens(v2_only_engine, niks)
    # Run again: nothing to do (idempotent).
    again = rotate_tables(db_engine, TEST_KEYS, batch=3)
    assert worked(again) == {}


def test_an_interrupted_rotation_carries_on_where_it_stopped(
    db_engine: Engine, v1_engine: Engine, v2_only_engine: Engine
) -> None:
    niks = file_under_v1(v1_engine, 5)
    first = rotate_tables(db_engine, TEST_KEYS, batch=2, stop_after_batches=2)
    # household_member: two batches of two, then cut (tables with nothing sealed have none)
    assert worked(first) == {"household_member": (10, 4)}
    left = sum(count_left_in_tables(db_engine, TEST_KEYS).values())
    assert 0 < left < under(db_engine, 1) + under(db_engine, 2)

    second = rotate_tables(db_engine, TEST_KEYS, batch=2)
    assert worked(second) == {
        "household_member": (6, 6),
        "request": (6, 6),
        "staff_chat": (1, 1),
    }
    assert under(db_engine, 1) == 0
    everything_opens(v2_only_engine, niks)


def test_a_row_the_app_is_changing_keeps_the_apps_value(
    db_engine: Engine, v1_engine: Engine, v2_only_engine: Engine
) -> None:
    niks = file_under_v1(v1_engine, 4)
    # The app (already given the new version) renames one person in a transaction that is
    # still open when rotation reaches the row.
    app = Session(db_engine)
    target = app.exec(select(Request).where(col(Request.nik_lookup) == niks[2])).one()
    target.name = "Siti Aminah Binti Ahmad"
    app.flush()
    result: list[Progress] = []
    rotation = threading.Thread(
        target=lambda: result.extend(rotate_tables(db_engine, TEST_KEYS, batch=10))
    )
    rotation.start()
    time.sleep(1.0)
    app.commit()
    app.close()
    rotation.join(timeout=60)
    assert not rotation.is_alive()

    if db_engine.dialect.name == "postgresql":
        # Rotation read the row, then waited for the app's lock; its guard saw the change.
        # (SQLite has one writer: rotation waits for the app before it reads anything.)
        assert {p.place: p.changed_meanwhile for p in result if p.left_before} == {
            "household_member": 0,
            "request": 1,
            "staff_chat": 0,
        }
    assert under(db_engine, 1) == 0
    with Session(v2_only_engine) as session:
        renamed = find_open_usulan_by_nik(session, niks[2])
        assert renamed is not None and renamed.name == "Siti Aminah Binti Ahmad"
        assert renamed.kk is not None and renamed.answers["lantai"] == "tanah"


def test_rotation_while_another_session_keeps_writing_loses_none_of_its_writes(
    db_engine: Engine, v1_engine: Engine, v2_only_engine: Engine
) -> None:
    file_under_v1(v1_engine, 30)
    with Session(db_engine) as session:
        ids = [r.id for r in session.exec(select(Request).where(col(Request.kind) == "usulan"))]
    last_written: dict[int, str] = {}
    stop = threading.Event()

    def app_writes() -> None:
        n = 0
        while not stop.is_set():
            request_id = ids[n % len(ids)]
            with Session(db_engine) as session:
                request = session.get(Request, request_id)
                assert request is not None
                request.answers = {**request.answers, "catatan": f"ubah {n}"}
                request.name = f"Nama {n}"
                session.commit()
            last_written[request_id] = f"Nama {n}"
            n += 1

    writer = threading.Thread(target=app_writes)
    writer.start()
    try:
        time.sleep(0.2)
        rotate_tables(db_engine, TEST_KEYS, batch=4)
    finally:
        stop.set()
        writer.join(timeout=60)
    assert len(last_written) > 5  # the app did write during the rotation

    assert under(db_engine, 1) == 0
    with Session(v2_only_engine) as session:
        for request_id, name in last_written.items():
            request = session.get(Request, request_id)
            assert request is not None and request.name == name
            assert request.answers["catatan"] == "ubah " + name.removeprefix("Nama ")


def test_a_value_no_key_opens_is_reported_and_the_rest_is_rotated(
    db_engine: Engine, v1_engine: Engine
) -> None:
    file_under_v1(v1_engine, 3)
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE household_member SET name = 'v1:AAAA' WHERE position = 2"))
    done = {p.place: p for p in rotate_tables(db_engine, TEST_KEYS, batch=2)}
    assert done["household_member"].failed == 3 and done["request"].failed == 0
    assert "household_member.name" in done["household_member"].failures[0]
    assert count_left_in_tables(db_engine, TEST_KEYS)["household_member.name"] == 3
    assert count_left_in_tables(db_engine, TEST_KEYS)["request.nik"] == 0


CONVERSATIONS = SealedKeySpace("conversations", "conv:*", "text", fixed("conversation.state"))
WRAPPED = SealedKeySpace("wrapped", "wrapped:*", "json", lambda key: f"wrapped:{key}")


def test_redis_values_are_resealed_in_place_keeping_their_ttl(redis_client: Redis) -> None:
    state = '{"step": "nik", "nik": "3204014101900001"}'
    redis_client.set("dtsen:conv:telegram:1", V1_ONLY.seal(state, "conversation.state"), ex=3600)
    redis_client.set("dtsen:conv:telegram:2", TEST_KEYS.seal(state, "conversation.state"))
    wrapped = {"updated_at": "2026-12-02", SEALED_KEY: V1_ONLY.seal(state, "wrapped:wrapped:9")}
    redis_client.set("dtsen:wrapped:9", json.dumps(wrapped), ex=600)
    redis_client.set("dtsen:lock:telegram:1", "token", ex=30)  # not a sealed space
    spaces = [CONVERSATIONS, WRAPPED]
    assert count_left_in_redis(redis_client, TEST_KEYS, spaces=spaces) == {
        "conversations": 1,
        "wrapped": 1,
    }

    done = rotate_redis(redis_client, TEST_KEYS, spaces=spaces)

    assert [(p.resealed, p.failed) for p in done] == [(1, 0), (1, 0)]
    assert count_left_in_redis(redis_client, TEST_KEYS, spaces=spaces) == {
        "conversations": 0,
        "wrapped": 0,
    }
    first = redis_client.get("dtsen:conv:telegram:1")
    assert first is not None and first.startswith(b"v2:")
    assert V2_ONLY.open(first.decode(), "conversation.state") == state
    assert 3500 < redis_client.ttl("dtsen:conv:telegram:1") <= 3600  # the TTL stays
    kept = json.loads(redis_client.get("dtsen:wrapped:9") or b"")
    assert kept["updated_at"] == "2026-12-02"
    assert V2_ONLY.open(kept[SEALED_KEY], "wrapped:wrapped:9") == state
    assert 0 < redis_client.ttl("dtsen:wrapped:9") <= 600
    assert redis_client.get("dtsen:lock:telegram:1") == b"token"


PHOTOS = SealedFiles("photos", "attachments", lambda path: f"attachment:{path}")


def test_sealed_files_are_rewritten_under_the_new_version_privately(tmp_path: Path) -> None:
    folder = tmp_path / "attachments" / "ab"
    folder.mkdir(parents=True)
    photo = folder / "cdef.jpg"
    fd = os.open(photo, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, V1_ONLY.seal_bytes(b"\xff\xd8 a KTP photo", "attachment:ab/cdef.jpg"))
    os.close(fd)
    assert count_left_in_files(tmp_path, TEST_KEYS, spaces=[PHOTOS]) == {"photos": 1}

    done = rotate_files(tmp_path, TEST_KEYS, spaces=[PHOTOS])

    assert (done[0].resealed, done[0].failed) == (1, 0)
    assert count_left_in_files(tmp_path, TEST_KEYS, spaces=[PHOTOS]) == {"photos": 0}
    assert (
        V2_ONLY.open_bytes(photo.read_bytes(), "attachment:ab/cdef.jpg") == b"\xff\xd8 a KTP photo"
    )
    assert stat.S_IMODE(photo.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == ["cdef.jpg"]  # nothing left aside


def test_a_file_deleted_meanwhile_is_not_brought_back(tmp_path: Path) -> None:
    folder = tmp_path / "attachments"
    folder.mkdir()
    photo = folder / "gone.jpg"
    photo.write_bytes(V1_ONLY.seal_bytes(b"photo", "attachment:gone.jpg"))
    old = photo.read_bytes()
    photo.unlink()  # an erasure between rotation's read and its move
    assert not _replace_if_unchanged(photo, old, TEST_KEYS.seal_bytes(b"photo", "x"))
    assert list(folder.iterdir()) == []


def test_the_conversation_store_s_redis_states_are_rotated_through_the_registry(
    redis_client: Redis,
) -> None:
    state = {"step": "nik", "answers": {"nik": "3204014101900001", "name": "Siti Aminah"}}
    old_store = RedisConversationStore(redis_client, keys=V1_ONLY, retention=timedelta(days=14))
    old_store.save("telegram:77", state)

    done = rotate_redis(redis_client, TEST_KEYS)  # the registry's key spaces

    assert [(p.place, p.resealed, p.failed) for p in done] == [("redis conversation states", 1, 0)]
    assert count_left_in_redis(redis_client, TEST_KEYS) == {"conversation states": 0}
    new_store = RedisConversationStore(redis_client, keys=V2_ONLY, retention=timedelta(days=14))
    assert new_store.load("telegram:77") == state
    assert redis_client.ttl(new_store.state_name("telegram:77")) > 13 * 24 * 3600


def test_sql_conversation_states_keyed_by_text_are_rotated_in_key_order(
    db_engine: Engine, v1_engine: Engine, v2_only_engine: Engine
) -> None:
    state = {"step": "kk", "answers": {"nik": "3204014101900001"}}
    for key in ("telegram:5", "whatsapp:+6281200000001", "simulator:ani"):
        SqlConversationStore(v1_engine).save(key, state)

    done = rotate_tables(db_engine, TEST_KEYS, batch=1)  # keyset pagination on a text key

    assert worked(done) == {"conversation": (3, 3)}
    for key in ("telegram:5", "whatsapp:+6281200000001", "simulator:ani"):
        assert SqlConversationStore(v2_only_engine).load(key) == state


def test_a_file_space_with_its_own_resealer_is_rotated_through_it(tmp_path: Path) -> None:
    folder = tmp_path / "minutes"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(V1_ONLY.seal_bytes(b"%PDF-1.4 a", "file.minutes:a.pdf"))
    (folder / "b.pdf").write_bytes(b"%PDF-1.4 stored before sealing")
    (folder / "c.bin").write_bytes(b"junk")
    calls: list[str] = []

    def reseal(path: Path, keys: KeyRing, context: str, clear_kind: object) -> bool:
        # As the store would: open (or take the clear file as is), seal under the newest.
        calls.append(context)
        stored = path.read_bytes()
        assert callable(clear_kind)
        if stored.startswith(b"v"):
            data = keys.open_bytes(stored, context)
        elif clear_kind(stored):
            data = stored
        else:
            raise SealError(f"{path.name}: neither sealed nor a PDF")
        path.write_bytes(keys.seal_bytes(data, context))
        return True

    minutes = SealedFiles(
        "minutes",
        "minutes",
        lambda rel: f"file.minutes:{rel}",
        clear_kind=lambda data: data.startswith(b"%PDF"),
        reseal=reseal,
    )
    assert count_left_in_files(tmp_path, TEST_KEYS, spaces=[minutes]) == {"minutes": 3}

    done = rotate_files(tmp_path, TEST_KEYS, spaces=[minutes])

    assert sorted(calls) == ["file.minutes:a.pdf", "file.minutes:b.pdf", "file.minutes:c.bin"]
    assert (done[0].resealed, done[0].failed) == (2, 1)
    assert "c.bin" in done[0].failures[0]
    for name in ("a.pdf", "b.pdf"):
        opened = V2_ONLY.open_bytes((folder / name).read_bytes(), f"file.minutes:{name}")
        assert opened.startswith(b"%PDF-1.4")


def test_photos_of_the_blob_store_rotate_through_its_own_resealer(tmp_path: Path) -> None:
    # The registry entry the photo store needs (models.blobs.reseal_file holds the lock
    # the store's delete takes, and keeps the file's time for the orphan purge).
    old_store = FileBlobStore(tmp_path / "attachments", V1_ONLY)
    stored = old_store.put(tiny_png())
    photos = SealedFiles(
        "photo",
        "attachments",
        lambda rel: "file.photo:" + rel.rsplit("/", 1)[-1],
        glob="??/??/*",
        clear_kind=lambda data: sniff_image_type(data) is not None,
        reseal=reseal_file,
    )

    done = rotate_files(tmp_path, TEST_KEYS, spaces=[photos])

    assert (done[0].resealed, done[0].failed) == (1, 0)
    assert count_left_in_files(tmp_path, TEST_KEYS, spaces=[photos]) == {"photo": 0}
    assert FileBlobStore(tmp_path / "attachments", V2_ONLY).get(stored.ref) == tiny_png()

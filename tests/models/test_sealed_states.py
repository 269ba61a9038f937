"""Conversation states and recorded deliveries are sealed at rest (issue 9, item 3): the
draft a citizen is filling in (NIK, KK, names, phone), the durable copy of it, a
delivery's recorded replies and the outbox's texts hold none of it in clear, in the SQL
database (SQLite, PostgreSQL) or in Redis; a state still opens after a new key version,
and one that was tampered with gets the citizen a kind message instead of an error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, col, select

import models.database as database
from bot.inbound import InboundMessage, PhotoUpload
from bot.service import ChatService
from conversations.types import Location
from models.channels import last_inbound_at, record_outbound
from models.consent import consents_for_chat
from models.conversation_store import (
    ConversationStore,
    RedisConversationStore,
    SqlConversationStore,
)
from models.crypto import KeyRing, SealError
from models.database import upgrade_database
from models.dedup import failed_lookups_since
from models.requests import create_request, list_requests_for_chat
from models.sealed import SEALED_KEY, attach_keys
from models.sealed_registry import KEY_SPACES
from models.staff import add_staff, link_chat, staff_for_chat
from models.tables import (
    Attachment,
    Conversation,
    OutboundMessage,
    OutboxNotification,
    ProcessedMessage,
    StaffChat,
)
from staff.review import move_request
from staff.workflow import Workflows
from tests.bot.test_service import Citizen, Clock, make_service
from tests.conftest import TEST_KEYS
from tests.conversations.transcript import KK, NIK_MAN, NIK_WOMAN, USULAN_TYPED, until
from tests.images import tiny_png
from tests.models.factories import NOW, new_usulan
from tests.models.test_data_migrations import downgrade_to

# A chat id that is not a phone number: only what the citizen typed is looked for.
SENDER = "chat-77"
TYPED_PHONE = "0812 3456 7890"
IN_CLEAR = (NIK_MAN, NIK_WOMAN, KK, "budi santoso", "Budi Santoso", "Siti Aminah", "Wahyuni")
PHONES = ("81234567890", "812 3456 7890")
TABLES = ("conversation", "processed_message", "outbox_notification", "outbound_message")
NEWER = KeyRing({**TEST_KEYS.keys, 3: b"\x04" * 32}, TEST_KEYS.lookup_key)


def stored_rows(engine: Engine) -> str:
    """Every row of the state and delivery tables as the database holds it."""
    with engine.connect() as conn:
        return "\n".join(
            str(conn.execute(text(f"SELECT * FROM {table}")).all()) for table in TABLES
        )


def state_name(key: str) -> str:
    """Where the Redis store keeps a chat's state: named by the keyed hash of its key."""
    return "dtsen:conv:" + TEST_KEYS.lookup(key)


def stored_in_redis(client: redis.Redis) -> str:
    return "\n".join(
        repr(client.get(name)) for name in client.scan_iter() if client.type(name) == b"string"
    )


def assert_nothing_in_clear(stored: str) -> None:
    for value in (*IN_CLEAR, *PHONES):
        assert value not in stored, f"{value!r} in clear at rest"


def walk_to_summary(citizen: Citizen) -> str:
    citizen.walk(USULAN_TYPED)
    citizen.send(photo=PhotoUpload(tiny_png(), "image/png"))
    citizen.send(photo=PhotoUpload(tiny_png(), "image/png"))
    citizen.send(location=Location(-6.93, 107.72))
    return citizen.say(TYPED_PHONE)


# --- at rest -------------------------------------------------------------------------------


def test_a_draft_up_to_its_summary_is_sealed_in_the_database(
    db_engine: Engine, tmp_path: Path
) -> None:
    service = make_service(db_engine, SqlConversationStore(db_engine), tmp_path, Clock())
    citizen = Citizen(service, sender=SENDER)
    summary = walk_to_summary(citizen)
    # The summary names the household and the phone: the citizen reads it in clear...
    assert "Ringkasan" in summary and "Budi Santoso" in summary.title()
    # ...the state, its durable copy, the delivery's record and the outbox hold it sealed.
    stored = stored_rows(db_engine)
    assert_nothing_in_clear(stored)
    assert "v2:" in stored
    with Session(db_engine) as session:
        assert session.exec(select(OutboxNotification)).first() is not None
        assert session.exec(select(ProcessedMessage)).first() is not None
    # And the draft carries on: it opens.
    assert "Kode tiket" in citizen.say("ya")


def test_a_draft_in_redis_and_its_durable_copy_are_sealed(
    postgresql_engine: Engine, redis_client: redis.Redis, tmp_path: Path
) -> None:
    store = RedisConversationStore(redis_client, keys=TEST_KEYS, retention=timedelta(days=7))
    citizen = Citizen(make_service(postgresql_engine, store, tmp_path, Clock()), sender=SENDER)
    walk_to_summary(citizen)
    assert_nothing_in_clear(stored_in_redis(redis_client))
    assert_nothing_in_clear(stored_rows(postgresql_engine))
    assert "Kode tiket" in citizen.say("ya")


# A WhatsApp chat id is the citizen's phone number.
PHONE_CHAT = "+6281298765432"
KEY_TABLES = (
    "conversation",
    "processed_message",
    "chat_contact",
    "lookup_attempt",
    "outbox_notification",
    "outbound_message",
)


def test_a_phone_number_chat_id_is_not_in_redis_names_nor_in_key_columns(
    postgresql_engine: Engine, redis_client: redis.Redis, tmp_path: Path
) -> None:
    store = RedisConversationStore(redis_client, keys=TEST_KEYS, retention=timedelta(days=7))
    service = make_service(postgresql_engine, store, tmp_path, Clock())
    citizen = Citizen(service, sender=PHONE_CHAT)
    citizen.walk(until("Kartu Keluarga"))
    asking = Citizen(service, sender="+6281311112222")
    asking.say("menu")
    assert "NIK yang diisi" in asking.say("U-7KQ4M9")  # not this chat's: the NIK is asked
    assert "Tidak ada permohonan" in asking.say(NIK_MAN)  # a failed look-up attempt is kept
    names = [name.decode() for name in redis_client.scan_iter()]
    assert names and not any("81298765432" in name for name in names)
    assert "81298765432" not in stored_in_redis(redis_client)
    with postgresql_engine.connect() as conn:
        for table in KEY_TABLES:
            rows = str(conn.execute(text(f"SELECT * FROM {table}")).all())
            for phone in ("81298765432", "81311112222"):
                assert phone not in rows, f"a chat's phone number in clear in {table}"
        assert conn.execute(text("SELECT count(*) FROM lookup_attempt")).scalar_one() == 1
    # And the chat is found again by it: the draft goes on where it was.
    assert "nama lengkap" in citizen.say(KK)


def test_an_outbound_message_body_waiting_to_be_sent_is_sealed(db_engine: Engine) -> None:
    with Session(db_engine) as session, session.begin():
        record_outbound(
            session,
            channel="whatsapp",
            chat_id="chat-1",
            kind="status_changed",
            path="waiting",
            status="waiting",
            at=datetime(2026, 12, 1, tzinfo=UTC),
            body=f"Usulan Budi Santoso ({NIK_MAN}) diterima",
            variables={"1": "Budi Santoso"},
        )
    assert_nothing_in_clear(stored_rows(db_engine))
    with Session(db_engine) as session:
        row = session.exec(select(OutboundMessage)).one()
        assert row.body is not None and NIK_MAN in row.body
        assert row.variables == {"1": "Budi Santoso"}


# --- key versions --------------------------------------------------------------------------

STATE: dict[str, Any] = {"flow": "usulan", "answers": {"nik": NIK_MAN, "nama": "Budi Santoso"}}
KEY = "telegram:555"


@contextmanager
def engine_keys(engine: Engine, keys: KeyRing) -> Iterator[None]:
    attach_keys(engine, keys)
    try:
        yield
    finally:
        attach_keys(engine, TEST_KEYS)


def test_a_state_still_opens_after_a_newer_key_version_and_is_saved_under_it(
    db_engine: Engine, redis_client: redis.Redis
) -> None:
    stores: list[tuple[ConversationStore, ConversationStore]] = [
        (SqlConversationStore(db_engine), SqlConversationStore(db_engine)),
        (
            RedisConversationStore(redis_client, keys=TEST_KEYS, retention=timedelta(days=1)),
            RedisConversationStore(redis_client, keys=NEWER, retention=timedelta(days=1)),
        ),
    ]
    for old, new in stores:
        old.save(KEY, STATE)
        with engine_keys(db_engine, NEWER):
            assert new.load(KEY) == STATE
            new.save(KEY, {**STATE, "step": 2})
            assert new.load(KEY) == {**STATE, "step": 2}
    with db_engine.connect() as conn:
        stored = conn.execute(text("SELECT data FROM conversation")).scalar_one()
    assert "v3:" in str(stored) and NIK_MAN not in str(stored)
    assert b'"~sealed": "v3:' in (redis_client.get(state_name(KEY)) or b"")


def test_redis_states_are_resealed_under_the_newest_key_and_clear_ones_sealed(
    redis_client: redis.Redis,
) -> None:
    old = RedisConversationStore(redis_client, keys=TEST_KEYS, retention=timedelta(days=1))
    old.save(KEY, STATE)
    # As code before the sealing stored it: in clear, named by the chat's key.
    legacy = json.dumps({"updated_at": "2026-12-01T00:00:00+00:00", "data": {"nik": NIK_WOMAN}})
    redis_client.set("dtsen:conv:whatsapp:+6281200000556", legacy, px=60_000)
    new = RedisConversationStore(redis_client, keys=NEWER, retention=timedelta(days=1))

    assert new.reseal() == (2, 0)
    assert new.reseal() == (0, 0)  # nothing left under an older key, or named in clear
    assert_nothing_in_clear(stored_in_redis(redis_client))
    assert not any(b"6281200000556" in name for name in redis_client.scan_iter())
    assert new.load(KEY) == STATE
    assert new.load("whatsapp:+6281200000556") == {"nik": NIK_WOMAN}
    moved = redis_client.pttl(state_name("whatsapp:+6281200000556")) or 0
    assert 0 < moved <= 60_000  # the expiry goes with it


def test_a_redis_state_copied_under_another_chat_does_not_open_there(
    redis_client: redis.Redis,
) -> None:
    store = RedisConversationStore(redis_client, keys=TEST_KEYS, retention=timedelta(days=1))
    store.save(KEY, STATE)
    redis_client.set(state_name("telegram:999"), redis_client.get(state_name(KEY)) or b"")
    with pytest.raises(SealError):
        store.load("telegram:999")


# --- tampered values -----------------------------------------------------------------------


def tampered(sealed: str) -> str:
    middle = len(sealed) // 2
    return sealed[:middle] + ("A" if sealed[middle] != "A" else "B") + sealed[middle + 1 :]


def tamper_durable_copy(engine: Engine, key: str) -> None:
    with engine.begin() as conn:
        stored = conn.execute(
            text("SELECT data FROM conversation WHERE key = :k"), {"k": TEST_KEYS.lookup(key)}
        ).scalar_one()
        if isinstance(stored, str):  # SQLite hands JSON back as text
            stored = json.loads(stored)
        cast = "JSON" if engine.dialect.name == "postgresql" else "TEXT"
        conn.execute(
            text(f"UPDATE conversation SET data = CAST(:d AS {cast}) WHERE key = :k"),
            {
                "d": json.dumps({SEALED_KEY: tampered(stored[SEALED_KEY])}),
                "k": TEST_KEYS.lookup(key),
            },
        )


def tamper_redis(client: redis.Redis, key: str) -> None:
    envelope = json.loads(client.get(state_name(key)) or b"{}")
    envelope[SEALED_KEY] = tampered(envelope[SEALED_KEY])
    client.set(state_name(key), json.dumps(envelope), keepttl=True)


def test_a_tampered_state_gets_the_citizen_a_kind_message_and_a_fresh_start(
    db_engine: Engine, tmp_path: Path
) -> None:
    service = make_service(db_engine, SqlConversationStore(db_engine), tmp_path, Clock())
    citizen = Citizen(service, sender=SENDER)
    citizen.walk(until("Kartu Keluarga"))
    tamper_durable_copy(db_engine, "test:" + SENDER)

    answer = citizen.say(KK)
    assert "tidak bisa dibuka lagi" in answer and "Apa yang ingin Anda lakukan?" in answer
    assert "Apakah Anda setuju?" in citizen.say("1")  # and a new usulan starts cleanly


def test_with_redis_a_tampered_state_is_restored_from_the_durable_copy(
    postgresql_engine: Engine, redis_client: redis.Redis, tmp_path: Path
) -> None:
    store = RedisConversationStore(redis_client, keys=TEST_KEYS, retention=timedelta(days=7))
    citizen = Citizen(make_service(postgresql_engine, store, tmp_path, Clock()), sender=SENDER)
    citizen.walk(until("Kartu Keluarga"))
    tamper_redis(redis_client, "test:" + SENDER)
    # The durable copy opens: nothing answered is lost.
    assert "sesi Anda sempat terputus" in citizen.say(KK)
    citizen.walk([("1", "Kartu Keluarga"), (KK, "nama lengkap")])

    tamper_redis(redis_client, "test:" + SENDER)
    tamper_durable_copy(postgresql_engine, "test:" + SENDER)
    assert "tidak bisa dibuka lagi" in citizen.say("budi santoso")
    assert service_language(citizen) == "id"


def service_language(citizen: Citizen) -> str:
    return citizen.service.language_of("test", SENDER)


def test_a_retried_delivery_whose_record_was_tampered_with_is_answered_without_an_error(
    db_engine: Engine, tmp_path: Path
) -> None:
    service: ChatService = make_service(
        db_engine, SqlConversationStore(db_engine), tmp_path, Clock()
    )
    citizen = Citizen(service, sender=SENDER)
    citizen.walk(until("NIK"))
    with db_engine.begin() as conn:
        stored = conn.execute(text("SELECT id, replies FROM processed_message ORDER BY id")).all()
        row_id, replies = stored[-1]
        if isinstance(replies, str):
            replies = json.loads(replies)
        cast = "JSON" if db_engine.dialect.name == "postgresql" else "TEXT"
        conn.execute(
            text(f"UPDATE processed_message SET replies = CAST(:r AS {cast}) WHERE id = :i"),
            {"r": json.dumps({SEALED_KEY: tampered(replies[SEALED_KEY])}), "i": row_id},
        )
    retry = InboundMessage(
        channel="test", sender=SENDER, message_id=f"{citizen.id}-{citizen.counter}", text="1"
    )
    assert service.handle(retry).replies == []  # handled before: not applied again
    assert "Kartu Keluarga" in citizen.say(NIK_MAN)  # the chat carries on


# --- existing rows -------------------------------------------------------------------------


def test_states_and_deliveries_stored_in_clear_are_sealed_by_the_migration(
    db_engine: Engine,
) -> None:
    downgrade_to(db_engine, "0014")
    json_type = "JSON" if db_engine.dialect.name == "postgresql" else "TEXT"
    at = datetime(2026, 12, 1).isoformat(sep=" ")
    state = json.dumps({"answers": {"nik": NIK_MAN, "nama": "Budi Santoso"}})
    try:
        with db_engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO conversation (key, data, updated_at)"
                    f" VALUES ('telegram:1', CAST(:s AS {json_type}), :at)"
                ),
                {"s": state, "at": at},
            )
            conn.execute(
                text(
                    "INSERT INTO processed_message"
                    " (channel, message_id, chat_id, processed_at, replies, state) VALUES"
                    f" ('telegram', '9', '1', :at, CAST(:r AS {json_type}),"
                    f" CAST(:s AS {json_type}))"
                ),
                {"at": at, "r": '[{"text": "Ringkasan: Budi Santoso"}]', "s": state},
            )
            conn.execute(
                text(
                    "INSERT INTO outbox_notification (channel, chat_id, kind, text, variables,"
                    " status, attempts, due_at, created_at, position, reply, language) VALUES"
                    f" ('telegram', '1', 'reply', :t, CAST('{{}}' AS {json_type}), 'pending', 0,"
                    f" :at, :at, 0, NULL, 'id'), ('telegram', '1', 'reply', '',"
                    f" CAST('{{}}' AS {json_type}), 'sent', 1, :at, :at, 1, NULL, 'id')"
                ),
                {"at": at, "t": f"NIK {NIK_MAN} atas nama Budi Santoso"},
            )
    finally:
        upgrade_database(db_engine)

    assert_nothing_in_clear(stored_rows(db_engine))
    with Session(db_engine) as session:
        assert session.exec(select(Conversation)).one().data["answers"]["nik"] == NIK_MAN
        processed = session.exec(select(ProcessedMessage)).one()
        assert processed.replies == [{"text": "Ringkasan: Budi Santoso"}]
        assert processed.state == {"answers": {"nik": NIK_MAN, "nama": "Budi Santoso"}}
        texts = [row.text for row in session.exec(select(OutboxNotification))]
        assert sorted(texts) == ["", f"NIK {NIK_MAN} atas nama Budi Santoso"]

    downgrade_to(db_engine, "0014")  # and back, in clear again
    try:
        assert NIK_MAN in stored_rows(db_engine)
    finally:
        upgrade_database(db_engine)


def test_the_rotation_registry_opens_redis_states_as_the_store_sealed_them(
    redis_client: redis.Redis,
) -> None:
    [space] = [s for s in KEY_SPACES if s.name == "conversation states"]
    store = RedisConversationStore(redis_client, keys=TEST_KEYS, retention=timedelta(days=1))
    store.save(KEY, STATE)
    [name] = [n.decode() for n in redis_client.scan_iter(match="dtsen:" + space.pattern)]
    envelope = json.loads(redis_client.get(name) or b"{}")
    context = space.context_of(name.removeprefix("dtsen:"))
    assert TEST_KEYS.open_json(envelope[SEALED_KEY], context) == STATE


def test_chat_ids_stored_in_clear_as_keys_are_hashed_by_the_migration(
    db_engine: Engine,
) -> None:
    downgrade_to(db_engine, "0016")
    at = datetime(2026, 12, 1).isoformat(sep=" ")
    try:
        with db_engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO chat_contact (channel, chat_id, last_inbound_at)"
                    " VALUES ('whatsapp', :c, :at)"
                ),
                {"c": PHONE_CHAT, "at": at},
            )
            conn.execute(
                text(
                    "INSERT INTO lookup_attempt (chat_key, at, succeeded)"
                    " VALUES (:k, :at, false), (:k, :at, false)"
                ),
                {"k": "whatsapp:" + PHONE_CHAT, "at": at},
            )
    finally:
        upgrade_database(db_engine)
    with db_engine.connect() as conn:
        for table in KEY_TABLES:
            rows = str(conn.execute(text(f"SELECT * FROM {table}")).all())
            assert "81298765432" not in rows, f"the chat's phone number in clear in {table}"
    with Session(db_engine) as session:
        since = datetime(2026, 11, 30, tzinfo=UTC)
        assert failed_lookups_since(session, "whatsapp:" + PHONE_CHAT, since) == 2
        assert last_inbound_at(session, "whatsapp", PHONE_CHAT) == datetime(2026, 12, 1, tzinfo=UTC)


def test_outbox_chat_ids_are_hashed_and_the_recipient_sealed_by_the_migration(
    db_engine: Engine,
) -> None:
    downgrade_to(db_engine, "0021")
    json_type = "JSON" if db_engine.dialect.name == "postgresql" else "TEXT"
    at = datetime(2026, 12, 1).isoformat(sep=" ")
    try:
        with db_engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO outbox_notification (channel, chat_id, kind, text, variables,"
                    " status, attempts, due_at, created_at, position, language) VALUES"
                    f" ('whatsapp', :c, 'status_changed', '', CAST(:v AS {json_type}), 'sent', 1,"
                    " :at, :at, 0, 'id'), ('whatsapp', :c, 'status_changed', '',"
                    f" CAST(:v AS {json_type}), 'pending', 0, :at, :at, 0, 'id')"
                ),
                {
                    "c": "whatsapp:" + PHONE_CHAT,
                    "at": at,
                    "v": json.dumps(
                        {SEALED_KEY: TEST_KEYS.seal_json({}, "outbox_notification.variables")}
                    ),
                },
            )
            conn.execute(
                text(
                    "INSERT INTO outbound_message (channel, chat_id, kind, path, status,"
                    " created_at, updated_at) VALUES ('whatsapp', :c, 'reply', 'reply', 'sent',"
                    " :at, :at)"
                ),
                {"c": "whatsapp:" + PHONE_CHAT, "at": at},
            )
    finally:
        upgrade_database(db_engine)
    with db_engine.connect() as conn:
        for table in ("outbox_notification", "outbound_message"):
            rows = str(conn.execute(text(f"SELECT * FROM {table}")).all())
            assert "81298765432" not in rows, f"the chat's phone number in clear in {table}"
    with Session(db_engine) as session:
        rows = session.exec(
            select(OutboxNotification)
            .where(OutboxNotification.chat_id == "whatsapp:" + PHONE_CHAT)
            .order_by(col(OutboxNotification.id))
        ).all()
        # The row still to send knows where to; the one sent has forgotten it.
        assert [r.recipient for r in rows] == ["", "whatsapp:" + PHONE_CHAT]


# The proposer's and a village officer's WhatsApp chats, as Twilio names them (WaId).
WA_CHAT = "6281298765432"
STAFF_WA_CHAT = "6287712345601"
CHAT_TABLES = ("request", "attachment", "consent_record", "staff_chat")


def before_0024() -> str:
    """The revision migration 0024 revises (whatever was newest when it landed)."""
    revision = ScriptDirectory.from_config(database._alembic_config()).get_revision("0024")
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision


def _photo(ref: str) -> Attachment:
    return Attachment(
        ref=ref,
        content_type="image/png",
        size=1,
        sha256="0" * 64,
        channel="whatsapp",
        chat_id=WA_CHAT,
        created_at=NOW,
    )


def test_chat_ids_of_requests_photos_consents_and_staff_are_hashed_by_the_migration(
    db_engine: Engine,
) -> None:
    """Filed and linked by the app, taken back to the revision before 0024 (the ids in
    clear, as the old code stored them), then migrated: no phone number in the rows, and
    the app still finds the chat's request, photos, consent and officer, and tells the
    chat of a move."""
    with Session(db_engine) as session, session.begin():
        session.add_all([_photo("ktp-1"), _photo("unfiled-1")])
        filed = create_request(
            session,
            new_usulan(channel="whatsapp", chat_id=WA_CHAT, attachments=[("ktp-1", "ktp")]),
            now=NOW,
        )
        officer = add_staff(
            session,
            username="sri",
            display_name="Sri",
            role="village_operator",
            areas=[filed.village_code],
            at=NOW,
        )
        assert filed.id is not None and officer.id is not None
        link_chat(session, officer.id, "whatsapp", STAFF_WA_CHAT, at=NOW)
        request_id, officer_id = filed.id, officer.id

    downgrade_to(db_engine, before_0024())
    try:
        with db_engine.connect() as conn:
            # The downgrade gives the ids back, from the sealed copies and the request.
            ids = {
                t: conn.execute(text(f"SELECT chat_id FROM {t}")).scalars().all()
                for t in CHAT_TABLES
            }
            assert ids == {
                "request": [WA_CHAT],
                "attachment": [WA_CHAT, WA_CHAT],
                "consent_record": [WA_CHAT],
                "staff_chat": [STAFF_WA_CHAT],
            }
            assert "reply_to" not in {c["name"] for c in inspect(conn).get_columns("request")}
    finally:
        upgrade_database(db_engine)

    with db_engine.connect() as conn:
        for table in CHAT_TABLES:
            rows = str(conn.execute(text(f"SELECT * FROM {table}")).all())
            for phone in ("81298765432", "87712345601"):
                assert phone not in rows, f"a chat's phone number in clear in {table}"
    with Session(db_engine) as session, session.begin():
        [found] = list_requests_for_chat(session, "whatsapp", WA_CHAT)
        assert (found.id, found.reply_to) == (request_id, WA_CHAT)
        assert [c.request_id for c in consents_for_chat(session, "whatsapp", WA_CHAT)] == [
            request_id
        ]
        photos = session.exec(select(Attachment).where(Attachment.chat_id == WA_CHAT)).all()
        assert sorted((p.ref, p.request_id) for p in photos) == [
            ("ktp-1", request_id),
            ("unfiled-1", None),
        ]
        staff = staff_for_chat(session, "whatsapp", STAFF_WA_CHAT)
        assert staff is not None and staff.id == officer_id
        assert session.exec(select(StaffChat.recipient)).all() == [STAFF_WA_CHAT]
        move_request(session, found, "agendakan", staff=staff, workflows=Workflows.load(), at=NOW)
    with Session(db_engine) as session:
        [notice] = session.exec(
            select(OutboxNotification).where(OutboxNotification.request_id == request_id)
        ).all()
        assert (notice.channel, notice.recipient, notice.kind) == (
            "whatsapp",
            WA_CHAT,
            "status_changed",
        )
        assert notice.chat_id == TEST_KEYS.lookup(WA_CHAT)

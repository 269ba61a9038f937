"""The service against real databases: a message in, effects stored once, replies out."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

import bot.service
from bot.channels.base import Report
from bot.effects import EffectRunner
from bot.inbound import InboundMessage, PhotoUpload
from bot.service import ChatService
from bot.worker import Worker
from conversations.engine import Script
from conversations.flow import EngineConfig
from conversations.flows import FLOWS
from conversations.types import Location, Reply
from conversations.validators import default_regions
from models.blobs import FileBlobStore
from models.conversation_store import ConversationStore, SqlConversationStore
from models.tables import (
    Attachment,
    ConsentRecord,
    Conversation,
    HouseholdMember,
    ProcessedMessage,
    Request,
    StatusChange,
)
from staff.outbox import enqueue
from staff.workflow import Workflows
from tests.bot.test_worker import FakeNotifier
from tests.conftest import TEST_KEYS
from tests.conversations.transcript import KK, NIK_MAN, NIK_WOMAN, USULAN_TYPED, until
from tests.images import tiny_png


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=15)
        return self.now


def make_service(
    engine: Engine, store: ConversationStore, tmp_path: Path, clock: Callable[[], datetime]
) -> ChatService:
    regions = default_regions()
    blobs = FileBlobStore(tmp_path / "blobs", TEST_KEYS)
    return ChatService(
        engine=engine,
        store=store,
        blobs=blobs,
        script=Script(FLOWS, EngineConfig(), regions),
        effects=EffectRunner(regions, Workflows.load(), lookup_failures_per_hour=5, blobs=blobs),
        clock=clock,
    )


class Citizen:
    """Someone writing to the service from one chat, numbering messages like a provider."""

    def __init__(self, service: ChatService, sender: str = "6281234567890") -> None:
        self.service = service
        self.sender = sender
        self.counter = 0
        self.id = uuid.uuid4().hex  # provider message ids never repeat across chats
        self.replies: list[Reply] = []

    def send(self, **fields: object) -> str:
        self.counter += 1
        message = InboundMessage(
            channel="test", sender=self.sender, message_id=f"{self.id}-{self.counter}", **fields
        )  # type: ignore[arg-type]
        self.replies = self.service.handle(message).replies
        return "\n---\n".join(r.text for r in self.replies)

    def say(self, text: str) -> str:
        return self.send(text=text)

    def walk(self, lines: list[tuple[str, str]]) -> None:
        for said, expected in lines:
            answer = self.say(said)
            assert expected in answer, f"after {said!r} expected {expected!r} in:\n{answer}"

    def file_usulan(self, lines: list[tuple[str, str]] = USULAN_TYPED) -> str:
        self.walk(lines)
        assert "foto rumah" in self.send(photo=PhotoUpload(tiny_png(), "image/png"))
        assert "lokasi" in self.send(photo=PhotoUpload(tiny_png(), "image/png"))
        assert "Nomor HP" in self.send(location=Location(-6.93, 107.72))
        assert "Ringkasan" in self.say("0812 3456 7890")
        return self.say("ya")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(db_engine: Engine, tmp_path: Path, clock: Clock) -> ChatService:
    return make_service(db_engine, SqlConversationStore(db_engine), tmp_path, clock)


def count(engine: Engine, table: type) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def test_a_usulan_over_the_service_is_stored_with_everything_staff_need(
    service: ChatService, db_engine: Engine
) -> None:
    done = Citizen(service).file_usulan()
    assert "Kode tiket: U-" in done
    with Session(db_engine) as session:
        request = session.exec(select(Request)).one()
        assert (request.kind, request.nik, request.kk) == ("usulan", NIK_MAN, KK)
        assert request.village_code == "32.04.05.2004" and request.status == "diterima"
        assert f"{request.ticket[0]}-{request.ticket[1:]}" in done
        members = session.exec(select(HouseholdMember)).all()
        assert [m.name for m in members] == ["Sri Wahyuni", "Rina"]
        # Sex and birth date: from Sri's NIK, as said for Rina (who has none yet).
        assert [(m.sex, m.birth_date) for m in members] == [
            ("P", date(1985, 8, 17)),
            ("P", date(2015, 3, 2)),
        ]
        photos = session.exec(select(Attachment).where(Attachment.request_id == request.id)).all()
        assert sorted(p.purpose or "" for p in photos) == ["house_front", "ktp"]
        assert all(p.content_type == "image/png" for p in photos)
        consent = session.exec(select(ConsentRecord)).one()
        assert consent.request_id == request.id and consent.text_version
        [change] = session.exec(select(StatusChange)).all()
        assert (change.from_status, change.to_status) == (None, "diterima")


def test_a_repeated_delivery_gets_the_same_answer_and_is_applied_once(
    service: ChatService, db_engine: Engine
) -> None:
    citizen = Citizen(service)
    citizen.file_usulan()
    again = service.handle(
        InboundMessage(
            channel="test",
            sender=citizen.sender,
            message_id=f"{citizen.id}-{citizen.counter}",
            text="ya",
        )
    ).replies
    assert [r.text for r in again] == [r.text for r in citizen.replies]
    assert count(db_engine, Request) == 1


def test_a_restart_in_the_middle_of_a_flow_continues_where_the_citizen_was(
    db_engine: Engine, tmp_path: Path, clock: Clock
) -> None:
    first = make_service(db_engine, SqlConversationStore(db_engine), tmp_path, clock)
    citizen = Citizen(first)
    citizen.walk(USULAN_TYPED[:8])
    restarted = make_service(db_engine, SqlConversationStore(db_engine), tmp_path, clock)
    citizen.service = restarted
    assert "perkawinan" in citizen.say("Siti Aminah")


def test_a_failure_before_the_commit_loses_nothing_and_the_retry_files_once(
    service: ChatService, db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    citizen = Citizen(service)
    citizen.walk(USULAN_TYPED)
    citizen.send(photo=PhotoUpload(tiny_png(), "image/png"))
    citizen.say("lewati")
    citizen.say("lewati")
    citizen.say("081234567890")

    real_record = bot.service.record_delivery

    def database_blip(*args: object, **kwargs: object) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr(bot.service, "record_delivery", database_blip)
    citizen.counter += 1
    submit = InboundMessage(channel="test", sender=citizen.sender, message_id="submit-1", text="ya")
    with pytest.raises(ConnectionError):
        service.handle(submit)
    assert count(db_engine, Request) == 0

    monkeypatch.setattr(bot.service, "record_delivery", real_record)
    replies = service.handle(submit).replies
    assert "Kode tiket" in replies[0].text
    assert service.handle(submit).replies == replies
    assert count(db_engine, Request) == 1


def test_a_file_that_is_not_a_photo_is_refused_kindly(service: ChatService) -> None:
    citizen = Citizen(service)
    citizen.walk(USULAN_TYPED)
    answer = citizen.send(photo=PhotoUpload(b"%PDF-1.4 not a photo", "image/jpeg"))
    assert "bukan foto" in answer and "foto KTP" in answer


def test_failed_status_lookups_from_one_chat_are_slowed_down(service: ChatService) -> None:
    citizen = Citizen(service)
    citizen.walk([("status", "Permohonan mana"), ("2", "kode tiket")])
    assert "NIK yang diisi" in citizen.say("U-7KQ4M9")
    for _ in range(5):
        assert "Tidak ada permohonan" in citizen.say(NIK_MAN)
    assert "terlalu banyak" in citizen.say(NIK_MAN)


def test_status_from_another_chat_needs_the_nik_and_shows_no_personal_data(
    service: ChatService,
) -> None:
    owner = Citizen(service)
    owner.file_usulan()
    timeline = owner.say("status") and owner.say("1")
    assert "Riwayat:" in timeline and "Cinunuk" in timeline
    code = next(w for w in timeline.split() if w.startswith("U-"))
    stranger = Citizen(service, sender="6289999999999")
    stranger.walk([("status", "Permohonan mana"), ("2", "kode tiket")])
    assert "NIK yang diisi saat mengirim" in stranger.say(code)
    answer = stranger.say(NIK_MAN)
    assert "Status: Diterima" in answer and "Budi" not in answer and "Cinunuk" not in answer


def test_changing_chats_does_not_tell_which_tickets_exist(service: ChatService) -> None:
    """Ticket probing (issue 9): from another chat, a filed ticket and a free code get the
    same replies, and a wrong NIK counts against the limit for both."""
    owner = Citizen(service)
    owner.file_usulan()
    timeline = owner.say("status") and owner.say("1")
    code = next(w for w in timeline.split() if w.startswith("U-"))
    free = "U-7KQ4M9" if code != "U-7KQ4M9" else "U-7KQ4MA"
    answers = []
    for number, typed in enumerate((code, free)):
        stranger = Citizen(service, sender=f"628999999999{number}")
        stranger.walk([("status", "Permohonan mana"), ("2", "kode tiket")])
        answers.append([stranger.say(typed), *(stranger.say(NIK_WOMAN) for _ in range(6))])
    assert answers[0] == answers[1]
    assert "NIK yang diisi" in answers[0][0] and "terlalu banyak" in answers[0][-1]


def test_withdrawing_consent_flags_the_chats_requests_for_staff(
    service: ChatService, db_engine: Engine
) -> None:
    citizen = Citizen(service)
    citizen.file_usulan()
    citizen.walk([("privasi", "Pilih"), ("3", "Yakin"), ("ya", "3×24 jam")])
    with Session(db_engine) as session:
        request = session.exec(select(Request)).one()
        assert "consent_withdrawn" in request.flags
        assert session.exec(select(ConsentRecord)).one().withdrawn_at is not None


def _photo_files(tmp_path: Path) -> int:
    return sum(1 for f in (tmp_path / "blobs").rglob("*") if f.is_file())


def test_hapus_data_saya_deletes_the_draft_and_its_photos_at_once(
    service: ChatService, db_engine: Engine, tmp_path: Path
) -> None:
    """UU 27/2022: confirmed, nothing of the unfinished form is left: its photo (file and
    row), the durable copy of the conversation, the recorded bodies of its deliveries."""
    other = Citizen(service, sender="6281111111111")
    citizen = Citizen(service)
    for each in (other, citizen):
        each.walk(until("foto KTP"))
        assert "foto rumah" in each.send(photo=PhotoUpload(tiny_png(), "image/png"))
    assert count(db_engine, Attachment) == 2 and _photo_files(tmp_path) == 2
    assert "3×24 jam" in citizen.say("hapus data saya")
    done = citizen.say("ya")
    assert "termasuk 1 foto" in done and "Tidak ada permohonan yang dikirim" in done
    assert count(db_engine, Attachment) == 1 and _photo_files(tmp_path) == 1
    with Session(db_engine) as session:
        key = InboundMessage(channel="test", sender=citizen.sender).chat_key
        conversation = session.exec(select(Conversation).where(Conversation.key == key)).one()
        assert conversation.data.get("flow") is None and not conversation.data.get("answers")
        recorded = session.exec(
            select(ProcessedMessage).where(ProcessedMessage.chat_id == citizen.sender)
        ).all()
        kept = [json.dumps([m.replies, m.state]) for m in recorded]
        assert len(recorded) == len(until("foto KTP")) + 3  # every delivery still known
        assert not any(NIK_MAN in body or "Melati" in body for body in kept)
    # The other chat's form and photo are untouched.
    assert "foto rumah" in other.say("data saya") and "Foto: 1" in other.say("data saya")


def test_hapus_data_saya_flags_filed_requests_for_staff_and_stops_processing(
    service: ChatService, db_engine: Engine, tmp_path: Path
) -> None:
    citizen = Citizen(service)
    citizen.file_usulan()
    citizen.say("hapus data saya")
    done = citizen.say("1")
    assert "dihapus paling lambat" in done and "tidak ikut terhapus" in done
    with Session(db_engine) as session:
        request = session.exec(select(Request)).one()
        assert request.erasure_requested_at is not None and request.erased_at is None
        assert "consent_withdrawn" in request.flags
        assert session.exec(select(ConsentRecord)).one().withdrawn_at is not None
    # Its photos wait for the staff's erasure (they are part of the filed request).
    assert count(db_engine, Attachment) == 2 and _photo_files(tmp_path) == 2


def test_conversation_state_in_redis_with_requests_in_the_database(
    db_engine: Engine, redis_client: object, tmp_path: Path, clock: Clock
) -> None:
    from models.conversation_store import RedisConversationStore

    store = RedisConversationStore(redis_client, keys=TEST_KEYS, retention=timedelta(days=14))  # type: ignore[arg-type]
    service = make_service(db_engine, store, tmp_path, clock)
    assert "Kode tiket" in Citizen(service).file_usulan()
    assert count(db_engine, Request) == 1


def test_someone_already_in_another_open_household_is_flagged_for_staff(
    service: ChatService, db_engine: Engine
) -> None:
    Citizen(service).file_usulan()  # lists Sri Wahyuni (NIK_WOMAN) as a member
    alone = [
        *USULAN_TYPED[:4],
        (NIK_WOMAN, "Kartu Keluarga"),
        *until("Siapa saja")[5:],
        ("tidak ada", "Lantai"),  # a household of one: no members asked
        *USULAN_TYPED[len(until("Lantai")) : len(until("kondisi"))],
        ("2 4", "Bantuan apa"),  # no members: their occupation is not offered
        *USULAN_TYPED[len(until("Bantuan apa")) :],
    ]
    assert "Kode tiket" in Citizen(service, sender="6285555555555").file_usulan(alone)
    with Session(db_engine) as session:
        second = session.exec(select(Request).where(Request.nik_lookup == NIK_WOMAN)).one()
        assert "member_in_other_request" in second.flags
        first = session.exec(select(Request).where(Request.nik_lookup == NIK_MAN)).one()
        assert "member_in_other_request" not in first.flags


def test_with_redis_a_crash_between_commit_and_state_save_is_healed_by_the_retry(
    db_engine: Engine, redis_client: object, tmp_path: Path, clock: Clock
) -> None:
    from models.conversation_store import RedisConversationStore

    store = RedisConversationStore(redis_client, keys=TEST_KEYS, retention=timedelta(days=14))  # type: ignore[arg-type]
    service = make_service(db_engine, store, tmp_path, clock)
    citizen = Citizen(service)
    citizen.walk(USULAN_TYPED[:8])
    before = store.load("test:" + citizen.sender)

    def redis_down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("redis went away")

    real_save = store.save
    store.save = redis_down  # type: ignore[method-assign]

    mother = InboundMessage("test", citizen.sender, message_id="crash-1", text="Siti Aminah")
    with pytest.raises(ConnectionError):
        service.handle(mother)
    assert store.load("test:" + citizen.sender) == before  # the state save was lost...

    store.save = real_save  # type: ignore[method-assign]
    replies = service.handle(mother).replies  # ...the provider retries the same delivery
    assert "perkawinan" in replies[-1].text
    citizen.walk([("kawin", "Pekerjaan")])  # and the chat carries on from there


def test_every_message_records_when_the_citizen_last_wrote(
    service: ChatService, db_engine: Engine, clock: Clock
) -> None:
    from models.channels import last_inbound_at

    Citizen(service, sender="628111").say("menu")
    with Session(db_engine) as session:
        assert last_inbound_at(session, "test", "628111") == clock.now


def test_cek_status_speaks_the_regions_words_for_a_later_stage(
    service: ChatService, db_engine: Engine, clock: Clock
) -> None:
    from models.requests import change_status

    owner = Citizen(service)
    owner.file_usulan()
    with Session(db_engine) as session, session.begin():
        request = session.exec(select(Request)).one()
        change_status(session, request, "musyawarah", actor="staff:1", at=clock())
    timeline = owner.say("status") and owner.say("1")
    assert "Status sekarang: Permohonan Anda akan dibahas di musyawarah desa/kelurahan" in timeline
    assert "Diterima, menunggu pemeriksaan petugas desa/kelurahan" in timeline  # history
    # What the stage means: who, no time limit in Permensos, what next, whom to ask.
    assert "Yang mengerjakan: Kepala desa/lurah bersama peserta musyawarah." in timeline
    assert "SOP daerah tidak menetapkan batas waktu untuk tahap ini." in timeline
    assert "Sesudah itu: Permohonan Anda disetujui musyawarah dan sedang diperiksa kecamatan." in (
        timeline
    )
    assert "Ada pertanyaan? Tanyakan ke Kantor desa/kelurahan" in timeline


def test_a_replayed_delivery_keeps_every_detail_of_the_replies(service: ChatService) -> None:
    citizen = Citizen(service)
    citizen.walk(USULAN_TYPED)
    citizen.send(photo=PhotoUpload(tiny_png(), "image/png"))
    citizen.say("lewati")
    asked = InboundMessage("test", citizen.sender, message_id="loc-skip", text="lewati")
    first = service.handle(asked).replies
    assert first[-1].asks_phone
    assert service.handle(asked).replies == first


def test_a_staff_member_gets_the_area_summary_by_writing_ringkasan(
    db_engine: Engine, tmp_path: Path, clock: Clock
) -> None:
    from bot.staff_chat import StaffCommands
    from models.staff import add_staff, link_chat
    from staff.chat_link import link_code

    regions = default_regions()
    workflows = Workflows.load()
    blobs = FileBlobStore(tmp_path / "blobs", TEST_KEYS)
    service = ChatService(
        engine=db_engine,
        store=SqlConversationStore(db_engine),
        blobs=blobs,
        script=Script(FLOWS, EngineConfig(), regions),
        effects=EffectRunner(regions, workflows, lookup_failures_per_hour=5, blobs=blobs),
        staff_commands=StaffCommands(workflows, cutoff_day=17, secret="test-secret"),
        clock=clock,
    )
    Citizen(service).file_usulan()
    with Session(db_engine) as session, session.begin():
        sri = add_staff(
            session,
            username="sri",
            display_name="Sri",
            role="village_operator",
            areas=["32.04.05.2004"],
            at=clock(),
        )
        assert sri.id is not None
        link_chat(session, sri.id, "test", "62811000", at=clock())
        code = link_code("test-secret", sri, clock.now)
    # Her second phone is linked by the code the dashboard shows her.
    assert "tidak cocok" in Citizen(service, sender="62822000").say("HUBUNGKAN sri ABCDEFGH")
    linked = Citizen(service, sender="62822000").say(f"HUBUNGKAN sri {code}")
    assert "sekarang terhubung" in linked
    assert "Cinunuk" in Citizen(service, sender="62822000").say("ringkasan")
    summary = Citizen(service, sender="62811000").say("ringkasan")
    assert "Cinunuk" in summary and "1" in summary
    # A citizen typing the same word just talks to the bot.
    assert "Apa yang ingin" in Citizen(service, sender="62899999").say("ringkasan")


# -- the outbox: every reply is a row with its own delivery state -------------------------


def menu_message(citizen: Citizen, message_id: str) -> InboundMessage:
    return InboundMessage(channel="test", sender=citizen.sender, message_id=message_id, text="menu")


def test_a_retried_delivery_is_handed_only_the_replies_not_confirmed_sent(
    service: ChatService,
) -> None:
    citizen = Citizen(service)
    first = service.handle(menu_message(citizen, "m-1"))
    assert len(first.to_send) >= 2 and all(ref is not None for ref, _ in first.to_send)
    (sent_ref, _), (failed_ref, failed_reply), *rest = first.to_send
    report = Report()
    report.sent(sent_ref)
    report.retry(failed_ref, "network")
    report.release(ref for ref, _ in rest)
    service.report(report.results)

    again = service.handle(menu_message(citizen, "m-1"))  # the provider retries

    assert again.replies == first.replies  # the whole answer is still known...
    # ...but only what did not go out is handed over for sending, in order.
    assert [reply for _, reply in again.to_send] == [failed_reply, *(r for _, r in rest)]
    done = Report()
    for ref, _ in again.to_send:
        done.sent(ref)
    service.report(done.results)
    assert service.handle(menu_message(citizen, "m-1")).to_send == []


def test_replies_a_dead_webhook_left_are_sent_by_the_worker_with_their_choices(
    service: ChatService, db_engine: Engine, clock: Clock
) -> None:
    citizen = Citizen(service)
    handled = service.handle(menu_message(citizen, "m-1"))  # ...and the webhook dies here
    fake = FakeNotifier("test")
    worker = Worker(db_engine, {"test": fake})
    assert asyncio.run(worker.run_once(clock.now + timedelta(seconds=30))) == 0  # its lease
    assert asyncio.run(worker.run_once(clock.now + timedelta(minutes=3))) == len(handled.replies)
    assert [n.reply for _, n in fake.sent] == handled.replies  # choices and all, in order
    assert service.handle(menu_message(citizen, "m-1")).to_send == []


def test_a_notification_held_for_the_chat_comes_after_the_replies_to_its_next_message(
    service: ChatService, db_engine: Engine, clock: Clock
) -> None:
    citizen = Citizen(service)
    with Session(db_engine) as session, session.begin():
        enqueue(
            session, channel="test", chat_id=citizen.sender, kind="k", text="Kabar", at=clock.now
        )
    worker = Worker(db_engine, {"test": FakeNotifier("test", path="waiting")})
    assert asyncio.run(worker.run_once(clock.now)) == 1  # held: outside WhatsApp's window

    handled = service.handle(menu_message(citizen, "m-1"))

    texts = [reply.text for _, reply in handled.to_send]
    assert texts[:-1] == [reply.text for reply in handled.replies] and texts[-1] == "Kabar"
    assert service.handle(menu_message(citizen, "m-2")).to_send[-1][1].text != "Kabar"

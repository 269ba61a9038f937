"""A sanggahan from the chat to the citizen's notice, decided and told as a sanggahan.

A citizen objects to a recipient over the real service; the village operator finds it in
the queue, the musyawarah upholds or rejects it, the meeting is closed, and the citizen
reads a notice that says what happened to the objection: never "masuk DTSEN" for an
upheld one, never "mengusulkan lagi" for a rejected one.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.service import ChatService
from conversations.tickets import format_ticket
from models.conversation_store import SqlConversationStore
from models.tables import Musyawarah, MusyawarahItem, Request, StaffAccount
from staff import musyawarah
from staff.review import QueueFilters, queue_for
from tests.bot.test_service import Citizen, Clock, make_service
from tests.conversations.transcript import NIK_WOMAN
from tests.staff.test_review import VILLAGES, WORKFLOWS, act, outbox, staff_team

VILLAGE = VILLAGES["national"]  # Cinunuk, Kab. Bandung: the national workflow
NOTE = "Penerima masih tinggal di alamat itu dan belum mampu"

OBJECTION = {
    "id": [
        ("menu", "Apa yang ingin"),
        ("2", "Identitas Anda dirahasiakan"),
        ("setuju", "Sanggahan tentang apa?"),
        ("1", "desa/kelurahan yang sama"),
        ("cinunuk", "Pilih desa/kelurahan"),
        ("1", "Nama lengkap orang yang disanggah"),
        ("Haji Darmawan", "NIK orang itu"),
        ("lewati", "Dusun"),
        ("Sukamaju", "RT"),
        ("2", "RW"),
        ("5", "Bantuan apa yang diterima"),
        ("1", "alasannya"),
        ("sudah mampu", "Ceritakan singkat"),
        ("Punya dua mobil dan toko besar", "foto rumah orang itu"),
        ("lewati", "lokasi"),
        ("lewati", "NIK Anda"),
        (NIK_WOMAN, "Nama lengkap Anda"),
        ("Sri Wahyuni", "Ringkasan"),
    ],
    "en": [
        ("menu", "Apa yang ingin"),
        ("English", "What would you like"),
        ("2", "Your name and NIK are not told to the person you report"),
        ("yes", "What is your objection about?"),
        ("1", "In which village"),
        ("cinunuk", "Choose your village"),
        ("1", "Full name of the person you report"),
        ("Haji Darmawan", "That person's NIK"),
        ("skip", "dusun"),
        ("Sukamaju", "RT"),
        ("2", "RW"),
        ("5", "What aid does that person receive?"),
        ("1", "What is the reason?"),
        ("now well-off", "Tell us a little more"),
        ("Owns two cars and a big shop", "photo of that person's house"),
        ("skip", "location"),
        ("skip", "Type your NIK"),
        (NIK_WOMAN, "Your full name"),
        ("Sri Wahyuni", "Summary of your objection"),
    ],
}

# The exact notices (national workflow, no deadline at the kecamatan stage).
UPHELD = {
    "id": (
        "Kabar Sanggahan {ticket}:\n"
        "Musyawarah desa/kelurahan memutuskan: sanggahan Anda diterima. Data yang Anda sanggah "
        "diusulkan untuk dikeluarkan atau diperbaiki.\n"
        "Permohonan Anda disetujui musyawarah dan sedang diperiksa kecamatan.\n"
        "Berikutnya: petugas memeriksa datanya, lalu dikirim ke Kementerian Sosial. Kami kabari "
        "setiap ada perubahan.\n"
        'Ketik "menu" lalu pilih Cek status untuk melihat riwayatnya.'
    ),
    "en": (
        "News on your Objection {ticket}:\n"
        "The village meeting decided: your objection is upheld. The data you objected to is "
        "proposed to be removed or corrected.\n"
        "Approved by the village meeting, being checked by the kecamatan.\n"
        "Next: the staff check the data, then it goes to the Ministry of Social Affairs. We "
        "will tell you about every change.\n"
        'Type "menu" and choose Check status to see its history.'
    ),
}
REJECTED = {
    "id": (
        "Kabar Sanggahan {ticket}:\n"
        "Musyawarah desa/kelurahan memutuskan: sanggahan Anda ditolak. Data tetap seperti "
        "sekarang.\n"
        f"Alasan: {NOTE}\n"
        "Yang bisa Anda lakukan: tanyakan ke kantor desa/kelurahan dengan membawa kode tiket "
        "ini, atau kirim sanggahan baru jika ada bukti baru.\n"
        'Ketik "menu" lalu pilih Cek status untuk melihat riwayatnya.'
    ),
    "en": (
        "News on your Objection {ticket}:\n"
        "The village meeting decided: your objection is rejected. The data stays as it is.\n"
        f"Reason: {NOTE}\n"
        "What you can do: ask at the village office, bringing this ticket code, or send a new "
        "objection if you have new evidence.\n"
        'Type "menu" and choose Check status to see its history.'
    ),
}
STATUS_NOW = {
    "id": "Sanggahan Anda ditolak, data tetap seperti sekarang. Diputuskan oleh: Musyawarah "
    "desa/kelurahan",
    "en": "Your objection was rejected, the data stays as it is. Decided by: The village meeting",
}
# How the village operator finds the objection in the queue: where the person objected to lives.
OBJECTION_FOUND_BY = QueueFilters(kind="sanggahan", dusun="sukamaju", rt="2", rw="5")
# What a sanggahan must never be told (the usulan's words).
NEVER = ("masuk DTSEN", "mengusulkan lagi", "now in DTSEN", "apply again", "not eligible")


@pytest.fixture
def service(db_engine: Engine, tmp_path: Path) -> ChatService:
    return make_service(db_engine, SqlConversationStore(db_engine), tmp_path, Clock())


def staff_of(session: Session, staff_id: int) -> StaffAccount:
    staff = session.get(StaffAccount, staff_id)
    assert staff is not None
    return staff


def object_in_chat(service: ChatService, language: str, sender: str) -> str:
    return object_as(Citizen(service, sender=sender), language)


def object_as(citizen: Citizen, language: str) -> str:
    citizen.walk(OBJECTION[language])
    done = citizen.say("ya" if language == "id" else "yes")
    ticket = next(word for word in done.split() if word.startswith("S-"))
    return ticket.rstrip(".")


@pytest.fixture
def team(db_engine: Engine) -> dict[str, int]:
    return staff_team(db_engine, VILLAGE)


def decide_at_musyawarah(
    engine: Engine,
    team: dict[str, int],
    ticket: str,
    decision: str,
    note: str | None,
    *,
    found_by: QueueFilters = OBJECTION_FOUND_BY,
) -> str:
    """The village operator finds the request in the queue (a sanggahan by its dusun, RT
    and RW), puts it on a musyawarah, the village head records the decision and closes the
    meeting. Returns the text of the last notice written for the citizen."""
    operator, head = team["village_operator"], team["village_head"]
    with Session(engine) as session:
        found = queue_for(session, staff_of(session, operator), found_by)
        assert [format_ticket(r.ticket) for r in found] == [ticket]
        request_id = found[0].id
        assert request_id is not None
    held_on = found[0].created_at + timedelta(days=7)
    with Session(engine) as session, session.begin():
        meeting = musyawarah.plan(
            session,
            village_code=VILLAGE,
            held_on=held_on,
            place="Balai Desa Cinunuk",
            staff=staff_of(session, operator),
            at=held_on - timedelta(days=6),
        )
        request = session.get(Request, request_id)
        assert request is not None
        musyawarah.add_to_agenda(
            session,
            meeting,
            [request],
            staff=staff_of(session, operator),
            workflows=WORKFLOWS,
            at=held_on - timedelta(days=6),
        )
        meeting_id = meeting.id
    with Session(engine) as session, session.begin():
        item = session.exec(
            select(MusyawarahItem).where(MusyawarahItem.musyawarah_id == meeting_id)
        ).one()
        musyawarah.record_decision(
            session, item, decision, note, staff=staff_of(session, head), at=held_on
        )
    with Session(engine) as session, session.begin():
        meeting = session.get(Musyawarah, meeting_id)
        assert meeting is not None
        musyawarah.close(
            session,
            meeting,
            berita_acara_number="140/07/DS/2026",
            berita_acara_date=date(2026, 11, 30),
            attendance=["Kepala Desa", "Ketua RT 05", "TKSK"],
            minutes_ref=None,
            staff=staff_of(session, head),
            workflows=WORKFLOWS,
            at=held_on + timedelta(hours=2),
        )
    return outbox(engine, request_id)[-1].text


@pytest.mark.parametrize("language", ["id", "en"])
def test_an_upheld_sanggahan_is_told_its_data_is_proposed_for_removal_or_correction(
    db_engine: Engine, service: ChatService, team: dict[str, int], language: str
) -> None:
    ticket = object_in_chat(service, language, sender=f"62812000{language}1")

    notice = decide_at_musyawarah(db_engine, team, ticket, "diterima", None)

    assert notice == UPHELD[language].format(ticket=ticket)
    assert not any(words in notice for words in NEVER)


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_rejected_sanggahan_is_told_the_data_stays_and_why(
    db_engine: Engine, service: ChatService, team: dict[str, int], language: str
) -> None:
    citizen = Citizen(service, sender=f"62812000{language}2")
    ticket = object_as(citizen, language)

    notice = decide_at_musyawarah(db_engine, team, ticket, "ditolak", NOTE)

    assert notice == REJECTED[language].format(ticket=ticket)
    assert not any(words in notice for words in NEVER)
    # Cek status tells the same: the objection rejected, the data as it is.
    citizen.say("menu")
    citizen.say("cek status")
    status = citizen.say("1")
    assert STATUS_NOW[language] in status
    assert not any(words in status for words in NEVER)


def test_an_upheld_sanggahan_decided_by_the_minister_is_not_told_masuk_dtsen(
    db_engine: Engine, service: ChatService, team: dict[str, int]
) -> None:
    ticket = object_in_chat(service, "id", sender="6281200099")
    decide_at_musyawarah(db_engine, team, ticket, "diterima", None)
    with Session(db_engine) as session:
        request = session.exec(select(Request).where(col(Request.kind) == "sanggahan")).one()
        assert request.id is not None
    for action, role in (
        ("teruskan", "kecamatan"),
        ("kirim_siks", "dinsos_verifier"),
        ("ditetapkan", "dinsos_verifier"),
    ):
        act(db_engine, request.id, action, team[role], at=request.created_at + timedelta(days=20))

    decided = outbox(db_engine, request.id)[-1].text
    assert "Menteri Sosial sudah menetapkan data DTSEN yang baru" in decided
    assert "sudah dikeluarkan atau diperbaiki" in decided
    assert not any(words in decided for words in NEVER)


def test_a_sanggahan_closed_before_the_meeting_is_not_told_the_meeting_decided(
    db_engine: Engine, service: ChatService, team: dict[str, int]
) -> None:
    """The operator closes a duplicate objection at once ("tutup", before any musyawarah):
    the citizen reads who closed it, not "Diputuskan oleh: Musyawarah desa/kelurahan"."""
    citizen = Citizen(service, sender="6281200077")
    object_as(citizen, "id")
    with Session(db_engine) as session:
        request = session.exec(select(Request).where(col(Request.kind) == "sanggahan")).one()
        assert request.id is not None

    act(db_engine, request.id, "tutup", team["village_operator"], note="Sanggahan ganda")

    notice = outbox(db_engine, request.id)[-1].text
    assert "Diputuskan oleh: Petugas desa/kelurahan" in notice
    assert "Alasan: Sanggahan ganda" in notice
    assert "usyawarah" not in notice.split("Alasan:")[0]  # no meeting decided anything
    citizen.say("menu")
    citizen.say("cek status")
    status = citizen.say("1")
    assert "Diputuskan oleh: Petugas desa/kelurahan" in status
    assert not any(words in notice + status for words in NEVER)

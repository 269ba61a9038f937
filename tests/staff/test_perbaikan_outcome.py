"""A perbaikan data from the chat to the citizen's notices, decided and told as a correction.

Budi's own name and address are wrong in DTSEN. He files a correction over the real
service; the village operator finds it in the queue by its dusun, RT and RW, the
musyawarah accepts or rejects it, the meeting is closed, and Budi reads what happened. An
accepted correction is forwarded, not yet made: DTSEN changes only with the Minister's
penetapan (Permensos 3/2021 Pasal 12), and only then is he told his data is corrected.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.service import ChatService
from models.conversation_store import SqlConversationStore
from models.tables import Request
from staff.bnba import BnbaSelection, export_bnba
from staff.kind_words import decision_line
from staff.review import QueueFilters
from tests.bot.test_service import Citizen, Clock, make_service
from tests.conversations.transcript import KK, NIK_MAN
from tests.staff.test_review import WORKFLOWS, act, outbox, staff_team
from tests.staff.test_sanggahan_outcome import VILLAGE, decide_at_musyawarah

NOTE = "KTP yang dilampirkan tidak terbaca; bawa KTP asli ke kantor desa"
FOUND_BY = QueueFilters(kind="perbaikan", dusun="krajan", rt="3", rw="5")

CORRECTION = {
    "id": [
        ("menu", "Apa yang ingin"),
        ("perbaikan data", "datanya salah"),
        ("setuju", "Data siapa yang salah?"),
        ("1", "NIK dan nama Anda yang benar"),
        (f"{NIK_MAN} Budi Santoso", "Kartu Keluarga"),
        (KK, "desa/kelurahan"),
        ("cinunuk", "Alamat rumah yang benar"),
        ("Jl. Melati Gg. 2, Dusun Krajan", "RT/RW"),
        ("3/5", "Data apa yang salah di DTSEN?"),
        ("1 9", "tercatat sekarang"),
        ("Budi Santosa, Dusun Lama", "foto Kartu Keluarga"),
        ("lewati", "Nomor HP"),
        ("0812 3456 7890", "Ringkasan perbaikan data Anda"),
    ],
    "en": [
        ("menu", "Apa yang ingin"),
        ("English", "What would you like"),
        ("data correction", "whose data is wrong"),
        ("yes", "Whose data is wrong?"),
        ("1", "Type your correct NIK and name"),
        (f"{NIK_MAN} Budi Santoso", "family card (KK) number"),
        (KK, "In which village"),
        ("cinunuk", "The correct home address"),
        ("Jl. Melati Gg. 2, Dusun Krajan", "RT/RW"),
        ("3/5", "Which data is wrong in DTSEN?"),
        ("1 9", "How is it listed now"),
        ("Budi Santosa, Dusun Lama", "photo of the family card"),
        ("skip", "phone"),
        ("0812 3456 7890", "Summary of your data correction"),
    ],
}

# The exact notices (national workflow: no deadline at the kecamatan stage).
ACCEPTED = {
    "id": (
        "Kabar Perbaikan data {ticket}:\n"
        "Musyawarah desa/kelurahan memutuskan: perbaikan data Anda diterima dan diteruskan "
        "untuk diperiksa sampai Dinas Sosial. Data di DTSEN belum berubah sampai ditetapkan "
        "Menteri Sosial.\n"
        "Permohonan Anda disetujui musyawarah dan sedang diperiksa kecamatan.\n"
        "Berikutnya: petugas memeriksa datanya, lalu dikirim ke Kementerian Sosial. Kami kabari "
        "setiap ada perubahan.\n"
        'Ketik "menu" lalu pilih Cek status untuk melihat riwayatnya.'
    ),
    "en": (
        "News on your Data correction {ticket}:\n"
        "The village meeting decided: your data correction is accepted and goes on to be "
        "checked, up to the Dinas Sosial. DTSEN does not change until the Minister of Social "
        "Affairs decides it.\n"
        "Approved by the village meeting, being checked by the kecamatan.\n"
        "Next: the staff check the data, then it goes to the Ministry of Social Affairs. We "
        "will tell you about every change.\n"
        'Type "menu" and choose Check status to see its history.'
    ),
}
CORRECTED = {
    "id": (
        "Kabar Perbaikan data {ticket}:\n"
        "Menteri Sosial sudah menetapkan data DTSEN yang baru: data Anda sudah diperbaiki "
        "sesuai permohonan ini.\n"
        "Tidak ada lagi yang perlu Anda lakukan untuk permohonan ini.\n"
        'Ketik "menu" lalu pilih Cek status untuk melihat riwayatnya.'
    ),
    "en": (
        "News on your Data correction {ticket}:\n"
        "The Minister of Social Affairs has decided the new DTSEN data: your data is corrected "
        "as this request asked.\n"
        "There is nothing more you need to do for this request.\n"
        'Type "menu" and choose Check status to see its history.'
    ),
}
REJECTED = {
    "id": (
        "Kabar Perbaikan data {ticket}:\n"
        "Musyawarah desa/kelurahan memutuskan: perbaikan data Anda ditolak. Data tetap seperti "
        "sekarang.\n"
        f"Alasan: {NOTE}\n"
        "Yang bisa Anda lakukan: tanyakan ke kantor desa/kelurahan dengan membawa kode tiket "
        "ini serta KTP dan KK asli, atau kirim perbaikan baru dengan foto dokumen yang jelas.\n"
        'Ketik "menu" lalu pilih Cek status untuk melihat riwayatnya.'
    ),
    "en": (
        "News on your Data correction {ticket}:\n"
        "The village meeting decided: your data correction is rejected. The data stays as it "
        "is.\n"
        f"Reason: {NOTE}\n"
        "What you can do: ask at the village office, bringing this ticket code and your "
        "original KTP and KK, or send a new correction with a clear photo of the document.\n"
        'Type "menu" and choose Check status to see its history.'
    ),
}
# What a correction must never be told before the Minister's penetapan.
TOO_EARLY = ("sudah diperbaiki", "is corrected", "masuk DTSEN", "now in DTSEN", "mengusulkan lagi")


@pytest.fixture
def service(db_engine: Engine, tmp_path: Path) -> ChatService:
    return make_service(db_engine, SqlConversationStore(db_engine), tmp_path, Clock())


@pytest.fixture
def team(db_engine: Engine) -> dict[str, int]:
    return staff_team(db_engine, VILLAGE)


def correct_in_chat(service: ChatService, language: str, sender: str) -> str:
    citizen = Citizen(service, sender=sender)
    citizen.walk(CORRECTION[language])
    done = citizen.say("ya" if language == "id" else "yes")
    ticket = next(word for word in done.split() if word.startswith("P-"))
    return ticket.rstrip(".")


def the_request(engine: Engine) -> Request:
    with Session(engine) as session:
        return session.exec(select(Request).where(col(Request.kind) == "perbaikan")).one()


@pytest.mark.parametrize("language", ["id", "en"])
def test_an_accepted_correction_is_forwarded_and_told_corrected_only_at_the_penetapan(
    db_engine: Engine, service: ChatService, team: dict[str, int], language: str
) -> None:
    ticket = correct_in_chat(service, language, sender=f"62813000{language}1")

    accepted = decide_at_musyawarah(db_engine, team, ticket, "diterima", None, found_by=FOUND_BY)

    assert accepted == ACCEPTED[language].format(ticket=ticket)
    assert not any(words in accepted for words in TOO_EARLY)
    request = the_request(db_engine)
    assert request.id is not None
    for action, role in (
        ("teruskan", "kecamatan"),
        ("kirim_siks", "dinsos_verifier"),
        ("ditetapkan", "dinsos_verifier"),
    ):
        act(db_engine, request.id, action, team[role], at=request.created_at + timedelta(days=20))
    notices = [n.text for n in outbox(db_engine, request.id)]
    assert not any(words in text for text in notices[:-1] for words in TOO_EARLY)
    assert notices[-1] == CORRECTED[language].format(ticket=ticket)


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_rejected_correction_is_told_the_data_stays_and_why(
    db_engine: Engine, service: ChatService, team: dict[str, int], language: str
) -> None:
    ticket = correct_in_chat(service, language, sender=f"62813000{language}2")

    notice = decide_at_musyawarah(db_engine, team, ticket, "ditolak", NOTE, found_by=FOUND_BY)

    assert notice == REJECTED[language].format(ticket=ticket)


def test_the_perbaikan_list_has_the_wrong_fields_and_their_right_values(
    db_engine: Engine, service: ChatService, team: dict[str, int], tmp_path: Path
) -> None:
    ticket = correct_in_chat(service, "id", sender="6281300099")
    decide_at_musyawarah(db_engine, team, ticket, "diterima", None, found_by=FOUND_BY)
    out = tmp_path / "perbaikan.csv"

    rows = export_bnba(
        db_engine,
        BnbaSelection(area=VILLAGE, kind="perbaikan"),
        out,
        "csv",
        staff_id=None,
        workflows=WORKFLOWS,
    )

    assert rows == 1
    with out.open(encoding="utf-8-sig", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["Tiket"] == ticket and row["Jenis Permohonan"] == "Perbaikan data"
    assert row["Status"] == "Verifikasi kecamatan"
    assert (row["Dusun"], row["RT"], row["RW"]) == ("Krajan", "003", "005")
    assert (row["Nomor NIK"], row["Nomor KK"], row["Nama"]) == (NIK_MAN, KK, "Budi Santoso")
    assert row["Data yang Salah"] == "Nama, Alamat atau RT/RW"
    assert row["Data yang Benar"] == (
        "Nama: Budi Santoso; Alamat atau RT/RW: Jl. Melati Gg. 2, Dusun Krajan, RT/RW 003/005"
    )
    assert row["Tercatat Sekarang"] == "Budi Santosa, Dusun Lama"
    assert row["Foto Dokumen"] == "Tidak ada" and "document_photo_missing" in row["Tanda"]
    # The sanggahan and usulan lists do not hold it.
    assert (
        export_bnba(
            db_engine,
            BnbaSelection(area=VILLAGE, kind="sanggahan"),
            tmp_path / "s.csv",
            "csv",
            staff_id=None,
        )
        == 0
    )


@pytest.mark.parametrize("kind", ["perbaikan", "sanggahan"])
def test_a_rejection_that_goes_on_to_dinas_sosial_in_bekasi_is_not_told_as_final(kind: str) -> None:
    # Bekasi: Dinas Sosial approves or rejects after the muskel (seed 004 langkah 5).
    bekasi = WORKFLOWS.for_village("32.75.01.1001")
    national = WORKFLOWS.for_village(VILLAGE)
    onward = decision_line(kind, bekasi, "verval_muskel", "tidak_layak", "id")
    final = decision_line(kind, national, "musyawarah", "tidak_layak", "id")
    words = "sanggahan Anda" if kind == "sanggahan" else "perbaikan data Anda"
    assert onward == (
        f"Musyawarah desa/kelurahan menilai {words} tidak diterima. Penilaian ini diteruskan "
        "ke Dinas Sosial, yang memutuskan akhirnya."
    )
    assert final is not None and "Data tetap seperti sekarang." in final

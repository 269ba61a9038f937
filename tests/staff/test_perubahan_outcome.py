"""A laporan perubahan from the chat to the citizen's notice, decided and told as a change.

A household reports a death over the real service; the village operator finds it in the
queue (by kind, dusun, RT, RW and the "no death letter" flag), the musyawarah accepts or
rejects it, the meeting is closed, and the citizen reads a notice that says what happened
to the report: accepted means forwarded to Dinas Sosial, never "already removed" or "aid
stopped"; only the Minister's penetapan changes the register (Permensos 3/2021 Pasal 12).
The report is in the laporan perubahan list, and the digest counts it.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.inbound import PhotoUpload
from bot.service import ChatService
from conversations.tickets import format_ticket
from models.conversation_store import SqlConversationStore
from models.tables import Musyawarah, MusyawarahItem, Request
from staff import musyawarah
from staff.bnba import BnbaSelection, export_bnba
from staff.kind_words import decision_line
from staff.notices import status_notice
from staff.review import QueueFilters, queue_for
from tests.bot.test_service import Citizen, Clock, make_service
from tests.conversations.transcript import KK, NIK_MAN, NIK_WOMAN
from tests.images import tiny_png
from tests.staff.test_review import VILLAGES, WORKFLOWS, act, outbox, staff_team
from tests.staff.test_sanggahan_outcome import staff_of

VILLAGE = VILLAGES["national"]  # Cinunuk, Kab. Bandung: the national workflow
NOTE = "Menurut RT, almarhumah tercatat di KK lain"

# A death in the household, reported without the surat kematian (a witness instead).
DEATH = {
    "id": [
        ("menu", "Apa yang ingin"),
        ("4", "Apakah Anda setuju?"),
        ("setuju", "Perubahan apa"),
        ("1", "nomor Kartu Keluarga"),
        (KK, "Di desa/kelurahan mana"),
        ("cinunuk", "Pilih desa/kelurahan"),
        ("1", "Dusun"),
        ("Sukamaju", "RT/RW"),
        ("2/5", "yang meninggal"),
        ("Siti Aminah", "NIK orang itu"),
        (NIK_WOMAN, "Tanggal meninggal"),
        ("20-11-2026", "foto surat kematian"),
        ("lewati", "saksi"),
        ("Ahmad Fauzi", "Nomor HP saksi"),
        ("0812 3456 7890", "pelapor"),
        (f"{NIK_MAN} Budi Santoso", "Ringkasan laporan perubahan"),
    ],
    "en": [
        ("menu", "Apa yang ingin"),
        ("English", "What would you like"),
        ("4", "Do you agree?"),
        ("yes", "What change"),
        ("1", "family card (KK) number"),
        (KK, "In which village"),
        ("cinunuk", "Choose your village"),
        ("1", "dusun"),
        ("Sukamaju", "RT/RW"),
        ("2/5", "who died"),
        ("Siti Aminah", "That person's NIK"),
        (NIK_WOMAN, "Date of death"),
        ("20-11-2026", "death certificate"),
        ("skip", "witness"),
        ("Ahmad Fauzi", "phone number"),
        ("0812 3456 7890", "reporter"),
        (f"{NIK_MAN} Budi Santoso", "Summary of your change report"),
    ],
}

# The exact notices (national workflow: the kecamatan checks next, no deadline there).
ACCEPTED = {
    "id": (
        "Kabar Laporan perubahan {ticket}:\n"
        "Musyawarah desa/kelurahan memutuskan: laporan perubahan Anda diterima dan diteruskan "
        "ke Dinas Sosial. Data DTSEN baru berubah setelah ditetapkan Menteri Sosial.\n"
        "Permohonan Anda disetujui musyawarah dan sedang diperiksa kecamatan.\n"
        "Berikutnya: petugas memeriksa datanya, lalu dikirim ke Kementerian Sosial. Kami kabari "
        "setiap ada perubahan.\n"
        'Ketik "menu" lalu pilih Cek status untuk melihat riwayatnya.'
    ),
    "en": (
        "News on your Change report {ticket}:\n"
        "The village meeting decided: your change report is accepted and goes on to the Dinas "
        "Sosial. The DTSEN data changes only once the Minister of Social Affairs decides it.\n"
        "Approved by the village meeting, being checked by the kecamatan.\n"
        "Next: the staff check the data, then it goes to the Ministry of Social Affairs. We "
        "will tell you about every change.\n"
        'Type "menu" and choose Check status to see its history.'
    ),
}
REJECTED = {
    "id": (
        "Kabar Laporan perubahan {ticket}:\n"
        "Musyawarah desa/kelurahan memutuskan: laporan perubahan Anda ditolak. Data tetap "
        "seperti sekarang.\n"
        f"Alasan: {NOTE}\n"
        "Yang bisa Anda lakukan: tanyakan ke kantor desa/kelurahan dengan membawa kode tiket "
        "ini, atau kirim laporan baru jika ada bukti baru (misalnya surat kematian).\n"
        'Ketik "menu" lalu pilih Cek status untuk melihat riwayatnya.'
    ),
    "en": (
        "News on your Change report {ticket}:\n"
        "The village meeting decided: your change report is rejected. The data stays as it "
        "is.\n"
        f"Reason: {NOTE}\n"
        "What you can do: ask at the village office, bringing this ticket code, or send a new "
        "report if you have new evidence (for example a death certificate).\n"
        'Type "menu" and choose Check status to see its history.'
    ),
}
STATUS_NOW = {
    "id": "Laporan perubahan Anda ditolak, data tetap seperti sekarang. Diputuskan oleh: "
    "Musyawarah desa/kelurahan",
    "en": "Your change report was rejected, the data stays as it is. Decided by: The village "
    "meeting",
}
# What a change report must never be told: an usulan's words, or a change already made.
NEVER = (
    "masuk DTSEN",
    "mengusulkan lagi",
    "now in DTSEN",
    "apply again",
    "not eligible",
    "sudah dihapus",
    "dihentikan",
    "removed",
    "stopped",
)


@pytest.fixture
def service(db_engine: Engine, tmp_path: Path) -> ChatService:
    return make_service(db_engine, SqlConversationStore(db_engine), tmp_path, Clock())


@pytest.fixture
def team(db_engine: Engine) -> dict[str, int]:
    return staff_team(db_engine, VILLAGE)


def report_death(citizen: Citizen, language: str) -> str:
    citizen.walk(DEATH[language])
    done = citizen.say("ya" if language == "id" else "yes")
    ticket = next(word for word in done.split() if word.startswith("M-"))
    return ticket.rstrip(".")


def decide_at_musyawarah(
    engine: Engine, team: dict[str, int], ticket: str, decision: str, note: str | None
) -> int:
    """The village operator finds the report in the queue (laporan perubahan, Dusun
    Sukamaju, RT 2, RW 5, reported without a death letter), puts it on a musyawarah; the
    village head records the decision and closes the meeting. Returns the request's id."""
    operator, head = team["village_operator"], team["village_head"]
    with Session(engine) as session:
        found = queue_for(
            session,
            staff_of(session, operator),
            QueueFilters(
                kind="perubahan", dusun="sukamaju", rt="2", rw="5", flag="death_letter_missing"
            ),
        )
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
            berita_acara_number="141/07/DS/2026",
            berita_acara_date=date(2026, 11, 30),
            attendance=["Kepala Desa", "Ketua RT 02", "TKSK"],
            minutes_ref=None,
            staff=staff_of(session, head),
            workflows=WORKFLOWS,
            at=held_on + timedelta(hours=2),
        )
    return request_id


@pytest.mark.parametrize("language", ["id", "en"])
def test_an_accepted_death_report_is_told_it_goes_on_to_dinas_sosial(
    db_engine: Engine, service: ChatService, team: dict[str, int], language: str
) -> None:
    ticket = report_death(Citizen(service, sender=f"62813000{language}1"), language)

    request_id = decide_at_musyawarah(db_engine, team, ticket, "diterima", None)

    notice = outbox(db_engine, request_id)[-1].text
    assert notice == ACCEPTED[language].format(ticket=ticket)
    assert not any(words in notice for words in NEVER)


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_rejected_death_report_is_told_the_data_stays_and_why(
    db_engine: Engine, service: ChatService, team: dict[str, int], language: str
) -> None:
    citizen = Citizen(service, sender=f"62813000{language}2")
    ticket = report_death(citizen, language)

    request_id = decide_at_musyawarah(db_engine, team, ticket, "ditolak", NOTE)

    notice = outbox(db_engine, request_id)[-1].text
    assert notice == REJECTED[language].format(ticket=ticket)
    assert not any(words in notice for words in NEVER)
    # Cek status tells the same.
    citizen.say("menu")
    citizen.say("cek status")
    status = citizen.say("1")
    assert STATUS_NOW[language] in status
    assert not any(words in status for words in NEVER)


def test_a_change_decided_by_the_minister_is_told_the_new_data_holds_it_never_masuk_dtsen(
    db_engine: Engine, service: ChatService, team: dict[str, int]
) -> None:
    ticket = report_death(Citizen(service, sender="6281300099"), "id")
    request_id = decide_at_musyawarah(db_engine, team, ticket, "diterima", None)
    with Session(db_engine) as session:
        request = session.get(Request, request_id)
        assert request is not None
    for action, role in (
        ("teruskan", "kecamatan"),
        ("kirim_siks", "dinsos_verifier"),
        ("ditetapkan", "dinsos_verifier"),
    ):
        act(db_engine, request_id, action, team[role], at=request.created_at + timedelta(days=20))

    decided = outbox(db_engine, request_id)[-1].text
    assert (
        "Menteri Sosial sudah menetapkan data DTSEN yang baru dengan perubahan yang Anda "
        "laporkan." in decided
    )
    assert not any(words in decided for words in NEVER)


def test_the_laporan_perubahan_list_has_the_household_the_change_and_the_reporter(
    db_engine: Engine, service: ChatService, team: dict[str, int], tmp_path: Path
) -> None:
    citizen = Citizen(service, sender="6281300077")
    ticket = report_death(citizen, "id")
    # A second report from another chat, the member's NIK not known, with the surat
    # kematian: no witness asked.
    other = Citizen(service, sender="6281300078")
    other.walk([*DEATH["id"][:10], ("lewati", "Tanggal meninggal"), ("19-11-2026", "surat")])
    assert "pelapor" in other.send(photo=PhotoUpload(tiny_png(), "image/png"))
    other.say("3204051708850004 Dedi Kurnia")
    second = next(w for w in other.say("ya").split() if w.startswith("M-")).rstrip(".")
    decide_at_musyawarah(db_engine, team, ticket, "diterima", None)

    out = tmp_path / "perubahan.csv"
    rows = export_bnba(
        db_engine,
        BnbaSelection(area="32.04.05", kind="perubahan"),
        out,
        "csv",
        staff_id=team["village_operator"],
        workflows=WORKFLOWS,
    )

    assert rows == 2
    with out.open(encoding="utf-8-sig", newline="") as f:
        listed = {row["Tiket"]: row for row in csv.DictReader(f)}
    death = listed[ticket]
    assert death["Jenis Permohonan"] == "Laporan perubahan"
    assert death["Status"] == "Verifikasi kecamatan"
    assert death["Tanda"] == "death_letter_missing"
    assert (death["Desa/Kelurahan"], death["Dusun"], death["RT"], death["RW"]) == (
        "Cinunuk",
        "Sukamaju",
        "002",
        "005",
    )
    assert death["Nomor KK"] == KK and death["Jenis Perubahan"] == "Anggota keluarga meninggal"
    assert (death["Nama Anggota"], death["NIK Anggota"]) == ("Siti Aminah", NIK_WOMAN)
    assert death["Tanggal Kejadian"] == "20-11-2026" and death["Surat Kematian"] == "Tidak ada"
    assert (death["Saksi"], death["HP Saksi"]) == ("Ahmad Fauzi", "081234567890")
    assert (death["NIK Pelapor"], death["Nama Pelapor"]) == (NIK_MAN, "Budi Santoso")
    with_letter = listed[second]
    assert with_letter["Surat Kematian"] == "Ada (foto)" and with_letter["Saksi"] == ""
    assert with_letter["NIK Anggota"] == "" and with_letter["Nama Pelapor"] == "Dedi Kurnia"
    # Not in the usulan's BNBA: a change report proposes no household.
    bnba = tmp_path / "bnba.csv"
    assert (
        export_bnba(
            db_engine,
            BnbaSelection(area="32.04.05"),
            bnba,
            "csv",
            staff_id=team["village_operator"],
        )
        == 0
    )


def test_where_dinas_sosial_decides_after_the_meeting_a_rejection_is_not_told_final() -> None:
    """Bekasi: the muskel's "tidak layak" goes on to Dinas Sosial, which approves or rejects
    (seed 004 langkah 5): the citizen is not told the data stays."""
    bekasi = WORKFLOWS.for_village(VILLAGES["bekasi"])
    said = decision_line("perubahan", bekasi, "verval_muskel", "tidak_layak", "id")
    assert said == (
        "Musyawarah desa/kelurahan menilai laporan perubahan Anda tidak diterima. Penilaian "
        "ini diteruskan ke Dinas Sosial, yang memutuskan akhirnya."
    )
    national = WORKFLOWS.for_village(VILLAGE)
    final = decision_line("perubahan", national, "musyawarah", "tidak_layak", "id")
    assert final is not None and final.endswith("Data tetap seperti sekarang.")
    accepted = decision_line("perubahan", bekasi, "verval_muskel", "layak", "en")
    assert accepted is not None and "goes on to the Dinas Sosial" in accepted


@pytest.mark.parametrize("language", ["id", "en"])
def test_no_stage_of_any_region_tells_a_change_report_an_usulan_outcome(language: str) -> None:
    """Every move of every shipped workflow, told for a laporan perubahan: never "masuk
    DTSEN", never "apply again", never a change already made or an aid stopped."""
    request = Request(
        ticket="M7KQ4M9",
        kind="perubahan",
        subtype="death",
        status="diterima",
        channel="test",
        chat_id="x",
        village_code=VILLAGE,
        nik=NIK_MAN,
        name="Budi Santoso",
        answers={},
        flags=[],
        language=language,
    )
    told = 0
    for workflow in WORKFLOWS.all():
        for move in workflow.transitions:
            notice = status_notice(
                request,
                workflow=workflow,
                source=workflow.stage(move.origin),
                target=workflow.stage(move.target),
                note="catatan",
                entered=date(2026, 12, 1),
                action=move.action,
            )
            assert not any(words in notice.text for words in NEVER), (workflow.id, move)
            assert len(notice.text) <= 600
            told += 1
    assert told > 40

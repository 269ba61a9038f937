"""The BNBA export, opened the way Dinas Sosial opens it: openpyxl and the csv module."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from conversations.tickets import format_ticket
from conversations.timezones import NATIONAL
from models.requests import NewMember, create_request
from models.tables import ExportLog, HouseholdMember, Musyawarah, MusyawarahItem, Request
from staff.bnba import (
    BNBA_COLUMNS,
    BnbaError,
    BnbaSelection,
    bnba_rows,
    export_bnba,
    format_for,
    write_bnba,
    write_csv,
    write_xlsx,
)
from staff.sanggahan_list import SANGGAHAN_COLUMNS
from staff.workflow import Workflows
from tests.models.factories import NIK_C, NIK_D, NOW, fresh_nik, new_sanggahan, new_usulan

WORKFLOWS = Workflows.load()

TODAY = date(2026, 11, 23)
CINUNUK = "32.04.05.2004"  # Desa Cinunuk, Kec. Cileunyi, Kabupaten Bandung, Jawa Barat
CIMEKAR = "32.04.05.2003"  # same kecamatan
MARGAASIH = "32.04.10.2001"  # Kec. Margaasih, same kabupaten
KOTA_BANDUNG = "32.73.01.1001"
RETIRED = "11.01.15.2007"  # Kampung Baru: retired since Permendagri 56/2015
# Structurally valid numbers for Kec. Cileunyi (3204 05); not real people.
HEAD_NIK = "3204054101900001"  # woman, born 01-01-1990
HUSBAND_NIK = "3204051203850002"  # man, born 12-03-1985
CHILD_NIK = "3204055208150003"  # girl, born 12-08-2015
KK = "3204050101200001"

EXPECTED_HEADER = [
    "ID DTKS",
    "Provinsi",
    "Kabupaten/Kota",
    "Kecamatan",
    "Desa/Kelurahan",
    "Alamat",
    "Dusun",
    "RT",
    "RW",
    "Nomor KK",
    "Nomor NIK",
    "Nama",
    "Tanggal Lahir",
    "Tempat Lahir",
    "Jenis Kelamin",
    "Nama Ibu Kandung",
    "Hubungan Keluarga",
    "Pekerjaan",
    "Disabilitas",
    "Tiket",
    "Jenis Permohonan",
    "Status",
    "Tanda",
    "Diusulkan Oleh",
    "Nama Pengusul",
    "NIK Pengusul",
    "HP Pengusul",
]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder for the exports alone (the SQLite database lives beside it)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def answers(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "birth_place": "Bandung",
        "birth_date": "1990-01-01",
        "mother_name": "Enok Suminar",
        "relationship": "kepala_keluarga",
        "occupation": "buruh",
        "dusun": "Dusun Sukamaju",
        "rt": "003",
        "rw": "005",
        "street": "Jl. Melati Gg. 2 No. 4",
        "floor": "tanah",
    }
    values.update(overrides)
    return values


def file_usulan(engine: Engine, **overrides: Any) -> int:
    values: dict[str, Any] = {
        "village_code": CINUNUK,
        "nik": HEAD_NIK,
        "kk": KK,
        "name": "Siti Aminah",
        "answers": answers(),
        "members": [
            NewMember(nik=HUSBAND_NIK, name="Budi Santoso", relationship="istri_suami"),
            NewMember(nik=CHILD_NIK, name="Rina", relationship="anak"),
            NewMember(nik=None, name="Ujang", relationship="anak"),
        ],
    }
    values.update(overrides)
    with Session(engine) as session, session.begin():
        request = create_request(session, new_usulan(**values), now=NOW)
        assert request.id is not None
        return request.id


def xlsx(
    engine: Engine, out: Path, selection: BnbaSelection, name: str = "bnba.xlsx"
) -> list[list[Any]]:
    path = out / name
    write_bnba(engine, selection, path, "xlsx", today=TODAY)
    sheet = load_workbook(path).active
    assert sheet is not None
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def names(rows: list[list[Any]]) -> list[str]:
    return [row[11] for row in rows[1:]]


def test_one_row_per_person_in_the_dinsos_column_order(db_engine: Engine, out: Path) -> None:
    request_id = file_usulan(db_engine)
    with Session(db_engine) as session:
        request = session.get(Request, request_id)
        assert request is not None
        # Every row says which request it comes from, its kind, stage and flags.
        # No proposer: the household filed it itself (the proposer's columns stay empty).
        about = [format_ticket(request.ticket), "Usulan", "diterima", None, *[None] * 4]
    path = out / "bnba.xlsx"
    assert write_bnba(db_engine, BnbaSelection(CINUNUK), path, "xlsx", today=TODAY) == 4

    sheet = load_workbook(path).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == EXPECTED_HEADER
    assert list(BNBA_COLUMNS) == EXPECTED_HEADER
    place = ["Jawa Barat", "Kabupaten Bandung", "Cileunyi", "Cinunuk"]
    address = ["Jl. Melati Gg. 2 No. 4", "Dusun Sukamaju", "003", "005", KK]
    head = ["P", "Enok Suminar", "Kepala keluarga", "Buruh harian lepas", None]
    husband = [None, "L", None, "Istri atau suami", None, None]
    child = [None, "P", None, "Anak", None, None]
    assert rows[1:] == [
        [None, *place, *address, HEAD_NIK, "Siti Aminah", "01-01-1990", "Bandung", *head, *about],
        [None, *place, *address, HUSBAND_NIK, "Budi Santoso", "12-03-1985", *husband, *about],
        [None, *place, *address, CHILD_NIK, "Rina", "12-08-2015", *child, *about],
        # No NIK: no birth date or sex to derive; the rest of the household's data is there.
        [None, *place, *address, None, "Ujang", None, None, None, None, "Anak", None, None, *about],
    ]


def test_numbers_stay_16_digit_text_and_the_sheet_is_ready_to_filter(
    db_engine: Engine, out: Path
) -> None:
    file_usulan(db_engine)
    path = out / "bnba.xlsx"
    write_bnba(db_engine, BnbaSelection(CINUNUK), path, "xlsx", today=TODAY)

    sheet = load_workbook(path).active
    assert sheet is not None
    head = {title: sheet.cell(2, i) for i, title in enumerate(EXPECTED_HEADER, start=1)}
    for title in ("Nomor KK", "Nomor NIK", "RT", "RW", "Tanggal Lahir"):
        assert head[title].data_type == "s", title
        assert head[title].number_format == "@", title
    assert head["Nomor NIK"].value == HEAD_NIK and len(HEAD_NIK) == 16
    assert head["Nomor KK"].value == "3204050101200001"  # all digits, none rounded away
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:AA5"
    assert sheet.column_dimensions["K"].width >= 18  # a NIK fits


def test_formula_like_text_stays_text(db_engine: Engine, out: Path) -> None:
    street = '=HYPERLINK("http://example.invalid","klik")'
    file_usulan(db_engine, answers=answers(street=street, birth_place="+62 Bandung"))
    rows = xlsx(db_engine, out, BnbaSelection(CINUNUK))
    sheet = load_workbook(out / "bnba.xlsx").active
    assert sheet is not None
    assert rows[1][5] == street and sheet.cell(2, 6).data_type == "s"

    buffer = io.BytesIO()  # the dashboard streams into a response like this
    write_bnba(db_engine, BnbaSelection(CINUNUK), buffer, "csv", today=TODAY)
    first = list(csv.reader(io.StringIO(buffer.getvalue().decode("utf-8-sig"))))[1]
    assert first[5] == "'" + street  # neutralised for spreadsheets (OWASP)
    assert first[13] == "'+62 Bandung"


def test_region_names_come_from_the_codes_a_retired_code_from_the_retired_list(
    db_engine: Engine, out: Path
) -> None:
    file_usulan(db_engine, village_code=RETIRED, members=[])
    file_usulan(db_engine, village_code="32.04.05.2999", nik=HUSBAND_NIK, members=[])  # unknown
    retired = xlsx(db_engine, out, BnbaSelection("11.01"))
    assert retired[1][1:5] == ["Aceh", "Kabupaten Aceh Selatan", "Bakongan Timur", "Kampung Baru"]
    unknown = xlsx(db_engine, out, BnbaSelection("32.04.05"), name="unknown.xlsx")
    assert unknown[1][1:5] == ["Jawa Barat", "Kabupaten Bandung", "Cileunyi", None]


def test_an_area_takes_its_own_villages_only_and_never_sanggahan(
    db_engine: Engine, out: Path
) -> None:
    file_usulan(db_engine, village_code=CINUNUK, name="Di Cinunuk", members=[])
    file_usulan(db_engine, village_code=CIMEKAR, name="Di Cimekar", nik=fresh_nik(), members=[])
    file_usulan(db_engine, village_code=MARGAASIH, name="Di Margaasih", nik=fresh_nik(), members=[])
    file_usulan(
        db_engine, village_code=KOTA_BANDUNG, name="Di Kota Bandung", nik=fresh_nik(), members=[]
    )
    with Session(db_engine) as session, session.begin():
        create_request(session, new_sanggahan(village_code=CINUNUK), now=NOW)

    desa = names(xlsx(db_engine, out, BnbaSelection(CINUNUK), "desa.xlsx"))
    kecamatan = names(xlsx(db_engine, out, BnbaSelection("32.04.05"), "kec.xlsx"))
    kabupaten = names(xlsx(db_engine, out, BnbaSelection("3204"), "kab.xlsx"))
    assert desa == ["Di Cinunuk"]
    assert kecamatan == ["Di Cimekar", "Di Cinunuk"]  # by village code: 2003 before 2004
    assert kabupaten == ["Di Cimekar", "Di Cinunuk", "Di Margaasih"]


def test_status_filter(db_engine: Engine, out: Path) -> None:
    waiting = file_usulan(db_engine, name="Menunggu", members=[])
    file_usulan(db_engine, name="Ditolak", nik=HUSBAND_NIK, members=[])
    with Session(db_engine) as session, session.begin():
        for request in session.exec(select(Request)):
            request.status = "diterima" if request.id == waiting else "ditolak"
            session.add(request)
    selection = BnbaSelection(CINUNUK, statuses=("diterima", "musyawarah"))
    assert names(xlsx(db_engine, out, selection)) == ["Menunggu"]


def plan_musyawarah(engine: Engine, decisions: dict[int, str | None]) -> int:
    with Session(engine) as session, session.begin():
        meeting = Musyawarah(village_code=CINUNUK, held_on=NOW, place="Balai desa", created_at=NOW)
        session.add(meeting)
        session.flush()
        assert meeting.id is not None
        for position, (request_id, decision) in enumerate(decisions.items(), start=1):
            session.add(
                MusyawarahItem(
                    musyawarah_id=meeting.id,
                    request_id=request_id,
                    position=position,
                    decision=decision,
                )
            )
        return meeting.id


def test_a_musyawarah_export_lists_what_the_meeting_found_layak(
    db_engine: Engine, out: Path
) -> None:
    layak = file_usulan(db_engine, name="Layak")
    tidak = file_usulan(db_engine, name="Tidak Layak", nik=HUSBAND_NIK, members=[])
    undecided = file_usulan(db_engine, name="Belum", nik=CHILD_NIK, members=[])
    file_usulan(db_engine, name="Tidak Diagendakan", nik="3204050505800004", members=[])
    with Session(db_engine) as session, session.begin():
        objection = create_request(session, new_sanggahan(village_code=CINUNUK), now=NOW).id
    assert objection is not None
    meeting = plan_musyawarah(
        db_engine, {layak: "layak", tidak: "tidak_layak", undecided: None, objection: "layak"}
    )

    decided = xlsx(db_engine, out, BnbaSelection(CINUNUK, musyawarah_id=meeting))
    assert names(decided) == ["Layak", "Budi Santoso", "Rina", "Ujang"]  # head + members
    everything = BnbaSelection("32.04", musyawarah_id=meeting, all_decisions=True)
    assert sorted(set(names(xlsx(db_engine, out, everything, "all.xlsx")))) == [
        "Belum",
        "Budi Santoso",
        "Layak",
        "Rina",
        "Tidak Layak",
        "Ujang",
    ]


@pytest.mark.parametrize(
    ("selection", "complaint"),
    [
        (BnbaSelection("32.04.99"), "bukan kode wilayah Kemendagri"),
        (BnbaSelection("cinunuk"), "bukan kode wilayah Kemendagri"),
        (BnbaSelection("32"), "provinsi"),
        (BnbaSelection(CINUNUK, musyawarah_id=987654), "musyawarah 987654 tidak ada"),
    ],
)
def test_a_wrong_selection_is_refused_before_any_file_exists(
    sqlite_engine: Engine, out: Path, selection: BnbaSelection, complaint: str
) -> None:
    path = out / "bnba.xlsx"
    with pytest.raises(BnbaError, match=complaint):
        write_bnba(sqlite_engine, selection, path, "xlsx", today=TODAY)
    assert list(out.iterdir()) == []


def test_a_musyawarah_outside_the_area_is_refused(sqlite_engine: Engine) -> None:
    meeting = plan_musyawarah(sqlite_engine, {})
    with pytest.raises(BnbaError, match=r"di luar 32\.04\.10"):
        write_bnba(
            sqlite_engine, BnbaSelection("32.04.10", musyawarah_id=meeting), io.BytesIO(), "csv"
        )


def test_the_csv_has_the_same_rows_and_opens_in_excel_as_utf8(db_engine: Engine, out: Path) -> None:
    file_usulan(db_engine, name="Siti Aminah", members=[NewMember(HUSBAND_NIK, "Ñoman", "anak")])
    rows = xlsx(db_engine, out, BnbaSelection(CINUNUK))
    path = out / "bnba.csv"
    assert write_bnba(db_engine, BnbaSelection(CINUNUK), path, "csv", today=TODAY) == 2

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    assert b'"3204054101900001"' in raw  # quoted: import tools keep it as text
    with path.open(encoding="utf-8-sig", newline="") as handle:
        parsed = list(csv.reader(handle))
    assert parsed == [[value or "" for value in row] for row in rows]
    assert parsed[2][11] == "Ñoman"


def test_every_export_is_logged_with_who_when_and_how_many(db_engine: Engine, out: Path) -> None:
    file_usulan(db_engine)
    meeting = plan_musyawarah(db_engine, {})
    at = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    rows = export_bnba(db_engine, BnbaSelection("3204"), out / "a.xlsx", "xlsx", staff_id=7, now=at)
    export_bnba(
        db_engine,
        BnbaSelection(CINUNUK, musyawarah_id=meeting),
        out / "b.csv",
        "csv",
        staff_id=None,
        now=at + timedelta(minutes=1),
    )
    with Session(db_engine) as session:
        logs = session.exec(select(ExportLog).order_by(col(ExportLog.at))).all()
    assert [
        (e.staff_id, e.at, e.area_code, e.musyawarah_id, e.file_format, e.rows) for e in logs
    ] == [
        (7, at, "32.04", None, "xlsx", rows),
        (None, at + timedelta(minutes=1), CINUNUK, meeting, "csv", 0),
    ]
    assert rows == 4


def test_a_failed_export_leaves_no_file_and_no_log(sqlite_engine: Engine, out: Path) -> None:
    file_usulan(sqlite_engine)
    path = out / "bnba.csv"

    class Boom(Exception):
        pass

    def explode(*_args: Any, **_kwargs: Any) -> Any:
        raise Boom

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("staff.bnba.write_csv", explode)
        with pytest.raises(Boom):
            export_bnba(sqlite_engine, BnbaSelection(CINUNUK), path, "csv", staff_id=1)
    assert list(out.iterdir()) == []
    with Session(sqlite_engine) as session:
        assert session.exec(select(ExportLog)).all() == []


def test_format_comes_from_the_file_name() -> None:
    assert format_for(Path("BNBA Cinunuk.XLSX")) == "xlsx"
    assert format_for(Path("bnba.csv")) == "csv"
    with pytest.raises(BnbaError, match=r"\.xlsx atau \.csv"):
        format_for(Path("bnba.xls"))


# --- memory ---------------------------------------------------------------------------------


def fill_quickly(engine: Engine, households: int, members: int) -> None:
    """`households` usulan of 1 + `members` people, inserted in two executemany batches."""
    requests = [
        {
            "id": n + 1,
            "ticket": f"U{n:06d}",
            "kind": "usulan",
            "subtype": "family",
            "status": "diterima",
            "channel": "telegram",
            "chat_id": str(n),
            "village_code": (CINUNUK, CIMEKAR)[n % 2],
            "nik": f"320405{(n % 28) + 41:02d}0190{n % 9999 + 1:04d}",
            "kk": f"32040501012{n:05d}",
            "name": f"Kepala Keluarga {n}",
            "answers": answers(),
            "flags": [],
            "language": "id",
            "created_at": NOW,
            "updated_at": NOW,
        }
        for n in range(households)
    ]
    people = [
        {
            "request_id": n + 1,
            "position": p,
            "nik": f"320405{(n + p) % 28 + 1:02d}0315{(n * members + p) % 9999 + 1:04d}",
            "name": f"Anggota {n}-{p}",
            "relationship": "anak",
        }
        for n in range(households)
        for p in range(1, members + 1)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Request), requests)
        conn.execute(insert(HouseholdMember), people)


def peak(work: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_database_stream_keeps_memory_flat(sqlite_engine: Engine, out: Path) -> None:
    fill_quickly(sqlite_engine, households=625, members=3)  # 2,500 people
    selection = BnbaSelection("32.04.05")

    def streamed() -> None:  # cursor -> rows -> CSV file, 100 database rows at a time
        path = out / "s.csv"
        assert (
            write_bnba(sqlite_engine, selection, path, "csv", today=TODAY, fetch_rows=100) == 2500
        )

    streamed()  # warm up: compiled-statement and look-up caches are not per export

    def naive() -> None:  # every row in a list first
        with sqlite_engine.connect() as conn:
            rows = list(bnba_rows(conn, selection, regions=_regions(), today=TODAY))
        with (out / "n.csv").open("wb") as handle:
            write_csv(rows, handle)

    streamed_peak, naive_peak = peak(streamed), peak(naive)
    # The streamed peak is one fetch batch, whatever the number of people (~0.3 MB here
    # against ~1.5 MB for the list, which grows by ~0.5 kB a person).
    assert streamed_peak < naive_peak / 3, (streamed_peak, naive_peak)


def test_the_xlsx_writer_keeps_memory_flat() -> None:
    # openpyxl under tracemalloc is slow: a hundred rows show the trend.
    place = ("Jawa Barat", "Kabupaten Bandung", "Cileunyi", "Cinunuk", "Jl. Melati 4", "Dusun 1")
    born = ("01-01-1990", "Bandung", "P", "Ibu", "Kepala keluarga")

    def rows(count: int) -> Iterator[tuple[str, ...]]:
        return (("", *place, "003", "005", KK, HEAD_NIK, f"Orang {n}", *born) for n in range(count))

    def naive(count: int) -> None:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        for values in list(rows(count)):
            sheet.append(values)
        workbook.save(io.BytesIO())

    small = peak(lambda: write_xlsx(rows(30), io.BytesIO()))
    large = peak(lambda: write_xlsx(rows(130), io.BytesIO()))
    naive_small = peak(lambda: naive(30))
    naive_large = peak(lambda: naive(130))
    # 100 more rows: the naive workbook grows by ~5 kB a row, the streamed one stays put.
    assert large - small < 40_000, (small, large)
    assert naive_large - naive_small > 300_000, (naive_small, naive_large)


def _regions() -> Any:
    from conversations.validators import default_regions

    return default_regions()


def test_rows_stream_in_a_stable_order(sqlite_engine: Engine) -> None:
    fill_quickly(sqlite_engine, households=30, members=2)
    with sqlite_engine.connect() as conn:
        rows = list(
            bnba_rows(
                conn, BnbaSelection("32.04.05"), regions=_regions(), today=TODAY, fetch_rows=7
            )
        )
    assert len(rows) == 90
    keys = [(row[4], row[9]) for row in rows]  # desa, KK (one per household here)
    assert keys == sorted(keys)
    assert [row[11] for row in rows[:3]] == ["Kepala Keluarga 1", "Anggota 1-1", "Anggota 1-2"]
    json.dumps(rows)  # plain strings only


# -- every list: the request's columns, withdrawn consent, one list per kind ----------------------


def withdraw(engine: Engine, request_id: int) -> None:
    with Session(engine) as session, session.begin():
        request = session.get(Request, request_id)
        assert request is not None
        request.flags = [*request.flags, "consent_withdrawn"]
        session.add(request)


def test_a_withdrawn_request_is_in_no_list_unless_asked_for_and_the_asking_is_logged(
    db_engine: Engine, out: Path
) -> None:
    kept = file_usulan(db_engine, name="Tetap Diproses", members=[])
    gone = file_usulan(db_engine, name="Menarik Persetujuan", nik=fresh_nik(), members=[])
    withdraw(db_engine, gone)
    with Session(db_engine) as session, session.begin():
        objection = create_request(session, new_sanggahan(village_code=CINUNUK), now=NOW)
        objection.flags = ["consent_withdrawn"]
        session.add(objection)

    assert names(xlsx(db_engine, out, BnbaSelection(CINUNUK))) == ["Tetap Diproses"]
    sanggahan = xlsx(db_engine, out, BnbaSelection(CINUNUK, kind="sanggahan"), name="s.xlsx")
    assert len(sanggahan) == 1  # the header only
    both = BnbaSelection(CINUNUK, include_withdrawn=True)
    assert sorted(names(xlsx(db_engine, out, both, name="all.xlsx"))) == [
        "Menarik Persetujuan",
        "Tetap Diproses",
    ]
    rows = xlsx(db_engine, out, both, name="all2.xlsx")
    withdrawn_row = next(row for row in rows if row[11] == "Menarik Persetujuan")
    tanda = BNBA_COLUMNS.index("Tanda")
    assert withdrawn_row[tanda] == "consent_withdrawn"  # the Tanda column says why

    export_bnba(db_engine, BnbaSelection(CINUNUK), out / "a.csv", "csv", staff_id=3)
    export_bnba(db_engine, both, out / "b.csv", "csv", staff_id=3)
    with Session(db_engine) as session:
        logged = session.exec(select(ExportLog).order_by(col(ExportLog.id))).all()
    assert [(e.list_name, e.withdrawn_included, e.rows) for e in logged] == [
        ("bnba", False, 1),
        ("bnba", True, 2),
    ]
    assert kept != gone


def test_the_sanggahan_list_has_one_row_per_objection_and_never_the_objector(
    db_engine: Engine, out: Path
) -> None:
    file_usulan(db_engine, members=[])
    with Session(db_engine) as session, session.begin():
        objection = create_request(
            session,
            new_sanggahan(
                village_code=CINUNUK,
                name="Pelapor Rahasia",
                answers={
                    "subject_dusun": "Sukamaju",
                    "subject_rt": "002",
                    "subject_rw": "005",
                    "reason": "meninggal",
                    "reason_detail": "Meninggal bulan lalu",
                    "subject_programmes": ["pkh", "bpnt"],
                },
            ),
            now=NOW,
        )
        ticket = objection.ticket

    path = out / "sanggahan.xlsx"
    selection = BnbaSelection(CINUNUK, kind="sanggahan")
    assert write_bnba(db_engine, selection, path, "xlsx", today=TODAY, workflows=WORKFLOWS) == 1
    sheet = load_workbook(path).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == list(SANGGAHAN_COLUMNS)
    assert rows[1] == [
        format_ticket(ticket),
        "Sanggahan",
        "Diterima",  # the national workflow's first stage, by name
        None,
        NOW.astimezone(NATIONAL).strftime("%d-%m-%Y"),
        "Jawa Barat",
        "Kabupaten Bandung",
        "Cileunyi",
        "Cinunuk",
        "Sukamaju",
        "002",
        "005",
        "Orang Mampu",
        NIK_D,
        "Ada penerima bantuan yang tidak layak",
        "Sudah meninggal",
        "Meninggal bulan lalu",
        "PKH (bantuan tunai keluarga), Sembako / BPNT",
        "Surat kematian: tidak ada",
    ]
    assert not any("Pelapor" in str(value) or value == NIK_C for row in rows for value in row)


def test_the_bnba_of_a_four_person_household_has_four_complete_rows(
    db_engine: Engine, out: Path
) -> None:
    file_usulan(
        db_engine,
        members=[
            NewMember(
                nik=HUSBAND_NIK,
                name="Budi Santoso",
                relationship="istri_suami",
                sex="L",
                birth_date=date(1985, 3, 12),
            ),
            NewMember(
                nik=CHILD_NIK,
                name="Rina",
                relationship="anak",
                sex="P",
                birth_date=date(2015, 8, 12),
                occupation="pelajar",
                disability=True,
                birth_place="Bandung",
                mother_name="Siti Aminah",
            ),
            # No NIK yet: the chat asked her sex and birth date.
            NewMember(
                nik=None, name="Ujang", relationship="anak", sex="L", birth_date=date(2019, 1, 5)
            ),
        ],
    )
    rows = xlsx(db_engine, out, BnbaSelection(CINUNUK))[1:]
    column = {title: i for i, title in enumerate(BNBA_COLUMNS)}
    assert len(rows) == 4
    for row in rows:
        for title in ("Nama", "Tanggal Lahir", "Jenis Kelamin", "Hubungan Keluarga", "Tiket"):
            assert row[column[title]], (title, row)
    assert [(row[column["Tanggal Lahir"]], row[column["Jenis Kelamin"]]) for row in rows] == [
        ("01-01-1990", "P"),
        ("12-03-1985", "L"),
        ("12-08-2015", "P"),
        ("05-01-2019", "L"),
    ]
    # Place of birth and mother's name wherever the citizen gave them, head and members.
    assert [(row[column["Tempat Lahir"]], row[column["Nama Ibu Kandung"]]) for row in rows] == [
        ("Bandung", "Enok Suminar"),
        (None, None),
        ("Bandung", "Siti Aminah"),
        (None, None),
    ]
    # Occupation and disability where the citizen gave them, empty (not "no") where not.
    assert [(row[column["Pekerjaan"]], row[column["Disabilitas"]]) for row in rows] == [
        ("Buruh harian lepas", None),
        (None, None),
        ("Pelajar atau mahasiswa", "Ya"),
        (None, None),
    ]

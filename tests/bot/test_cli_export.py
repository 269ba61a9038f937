"""`dtsen-bot export bnba`: the file, what it prints (never personal data), and its errors."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.cli import main
from bot.cli.export import export
from models.database import create_db_engine, upgrade_database
from models.requests import create_request
from models.tables import ExportLog, Musyawarah
from tests.conftest import TEST_KEYS
from tests.models.factories import NIK_A, NIK_B, NOW, new_perubahan, new_sanggahan, new_usulan

CINUNUK = "32.04.05.2004"
Run = Callable[..., Result]


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    url = f"sqlite:///{tmp_path}/export.db"
    monkeypatch.setenv("DATABASE_URL", url)
    # Keys: DATA_KEYS and LOOKUP_KEY are the test keys (conftest).
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    engine = create_db_engine(url, TEST_KEYS)
    upgrade_database(engine)
    with Session(engine) as session, session.begin():
        create_request(session, new_usulan(village_code=CINUNUK), now=NOW)  # 1 + 2 members
    return engine


@pytest.fixture
def run() -> Run:
    runner = CliRunner()
    # The command is registered on `main` by the CLI root; invoke the group directly when
    # it is not (yet), so these tests do not depend on that one line.
    registered = main.get_command(click.Context(main), "export") is not None

    def invoke(*args: str) -> Result:
        if registered:
            return runner.invoke(main, ["export", "bnba", *args])
        return runner.invoke(export, ["bnba", *args])

    return invoke


def test_writes_the_xlsx_prints_path_and_count_never_the_rows(
    engine: Engine, run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "BNBA Cinunuk.xlsx"
    result = run("--area", CINUNUK, "--out", str(path))

    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {path}: 3 rows, one per person.\n"
    for secret in (NIK_A, NIK_B, "Siti Aminah", "Budi Santoso"):
        assert secret not in result.output
    sheet = load_workbook(path).active
    assert sheet is not None
    assert [row[10] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        NIK_A,
        NIK_B,
        None,
    ]
    with Session(engine) as session:
        (log,) = session.exec(select(ExportLog)).all()
    assert (log.staff_id, log.area_code, log.file_format, log.rows) == (None, CINUNUK, "xlsx", 3)


def test_writes_the_csv_for_a_kabupaten(engine: Engine, run: Run, tmp_path: Path) -> None:
    path = tmp_path / "bnba.csv"
    result = run("--area", "3204", "--status", "diterima", "--out", str(path))

    assert result.exit_code == 0, result.output
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 4 and rows[0][0] == "ID DTKS"


def test_a_musyawarah_without_layak_decisions_says_how_to_list_them_all(
    engine: Engine, run: Run, tmp_path: Path
) -> None:
    with Session(engine) as session, session.begin():
        meeting = Musyawarah(village_code=CINUNUK, held_on=NOW, place="Balai", created_at=NOW)
        session.add(meeting)
        session.flush()
        meeting_id = meeting.id
    result = run("--area", CINUNUK, "--musyawarah", str(meeting_id), "--out", f"{tmp_path}/m.csv")

    assert result.exit_code == 0, result.output
    assert "0 rows" in result.output and "--all-decisions" in result.output


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--area", CINUNUK, "--out", "bnba.xls"], "berakhiran .xlsx atau .csv"),
        (["--area", CINUNUK, "--out", "bnba"], "berakhiran .xlsx atau .csv"),
        (["--area", "32.04.99", "--out", "bnba.xlsx"], "bukan kode wilayah Kemendagri"),
        (["--area", "32", "--out", "bnba.xlsx"], "provinsi"),
        (["--area", CINUNUK, "--musyawarah", "404", "--out", "b.csv"], "musyawarah 404 tidak ada"),
        (["--area", CINUNUK, "--all-decisions", "--out", "b.csv"], "needs --musyawarah"),
        (["--out", "bnba.xlsx"], "Missing option '--area'"),
    ],
)
def test_a_wrong_request_exits_2_with_a_clear_message_and_writes_nothing(
    engine: Engine,
    run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    complaint: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.iterdir())
    result = run(*args)

    assert result.exit_code == 2, result.output
    assert complaint in result.output
    assert sorted(tmp_path.iterdir()) == before
    with Session(engine) as session:
        assert session.exec(select(ExportLog)).all() == []


def test_an_unwritable_place_is_an_error_not_a_traceback(
    engine: Engine, run: Run, tmp_path: Path
) -> None:
    result = run("--area", CINUNUK, "--out", str(tmp_path / "missing" / "bnba.csv"))

    assert result.exit_code == 1
    assert "cannot write" in result.output


def test_the_sanggahan_list_and_withdrawn_requests_on_request_only(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as session, session.begin():
        create_request(session, new_sanggahan(village_code=CINUNUK), now=NOW)
        withdrawn = create_request(
            session, new_sanggahan(village_code=CINUNUK, subject_name="Sudah Ditarik"), now=NOW
        )
        withdrawn.flags = ["consent_withdrawn"]
        session.add(withdrawn)
    runner = CliRunner()
    default = tmp_path / "sanggahan.csv"
    result = runner.invoke(main, ["export", "sanggahan", "--area", CINUNUK, "--out", str(default)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {default}: 1 sanggahan, one per row.\n"
    with default.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["Tiket", "Jenis Permohonan", "Status", "Tanda"]
    assert [row[12] for row in rows[1:]] == ["Orang Mampu"]

    every = tmp_path / "semua.csv"
    asked = ["export", "sanggahan", "--area", CINUNUK, "--include-withdrawn", "--out", str(every)]
    assert runner.invoke(main, asked).output == f"Wrote {every}: 2 sanggahan, one per row.\n"
    with Session(engine) as session:
        logs = session.exec(select(ExportLog)).all()
    assert [(e.list_name, e.withdrawn_included, e.rows) for e in logs] == [
        ("sanggahan", False, 1),
        ("sanggahan", True, 2),
    ]


def test_the_laporan_perubahan_list_leaves_out_withdrawn_reports_unless_asked(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as session, session.begin():
        create_request(session, new_perubahan(village_code=CINUNUK), now=NOW)
        withdrawn = create_request(
            session, new_perubahan(village_code=CINUNUK, subject_name="Sudah Ditarik"), now=NOW
        )
        withdrawn.flags = ["consent_withdrawn"]
        session.add(withdrawn)
    runner = CliRunner()
    default = tmp_path / "perubahan.csv"
    result = runner.invoke(main, ["export", "perubahan", "--area", CINUNUK, "--out", str(default)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {default}: 1 laporan perubahan, one per row.\n"
    with default.open(encoding="utf-8-sig", newline="") as handle:
        listed = list(csv.DictReader(handle))
    assert [row["Nama Anggota"] for row in listed] == ["Siti Aminah"]
    assert listed[0]["Jenis Perubahan"] == "Anggota keluarga meninggal"
    assert listed[0]["Nama Pelapor"] == "Budi Santoso" and listed[0]["Saksi"] == "Pak RT"
    assert listed[0]["Surat Kematian"] == "Tidak ada"

    every = tmp_path / "semua.csv"
    asked = ["export", "perubahan", "--area", CINUNUK, "--include-withdrawn", "--out", str(every)]
    assert (
        runner.invoke(main, asked).output == f"Wrote {every}: 2 laporan perubahan, one per row.\n"
    )
    with Session(engine) as session:
        logs = session.exec(select(ExportLog)).all()
    assert [(e.list_name, e.withdrawn_included, e.rows) for e in logs] == [
        ("perubahan", False, 1),
        ("perubahan", True, 2),
    ]

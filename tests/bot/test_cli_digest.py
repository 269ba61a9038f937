"""`dtsen-bot digest --area CODE` prints the summary staff receive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session

from bot.cli.digest import digest
from models.database import create_db_engine, upgrade_database
from models.requests import change_status, create_request
from tests.conftest import TEST_KEYS
from tests.models.factories import fresh_nik, new_sanggahan, new_usulan
from tests.staff.regional import own_region_dir


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/digest.db"
    monkeypatch.setenv("DATABASE_URL", url)
    # Keys: DATA_KEYS and LOOKUP_KEY are the test keys (conftest).
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CUTOFF_DAY", "17")
    # Kab. Bandung with time standards of its own (the national default has none).
    monkeypatch.setenv("WORKFLOWS_DIR", str(own_region_dir(tmp_path / "workflows")))
    engine = create_db_engine(url, TEST_KEYS)
    upgrade_database(engine)
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        create_request(
            session,
            new_usulan(village_code="32.04.05.2004", answers={"dusun": "Krajan"}),
            now=now - timedelta(hours=2),
        )
        create_request(
            session, new_sanggahan(village_code="32.04.05.2004"), now=now - timedelta(hours=1)
        )
        late = create_request(
            session,
            new_usulan(village_code="32.04.05.2001", nik=fresh_nik()),
            now=now - timedelta(days=60),
        )
        change_status(session, late, "musyawarah", actor="staff:1", at=now - timedelta(days=59))
    engine.dispose()
    return url


def test_the_village_summary_is_printed_in_bahasa_indonesia(database: str) -> None:
    result = CliRunner().invoke(digest, ["--area", "32.04.05.2004"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Ringkasan DTSEN · Cinunuk"
    assert any(
        line.endswith(": 2 (usulan 1, sanggahan 1, perbaikan 0, perubahan 0)") for line in lines
    )
    assert "• Krajan: usulan 1, sanggahan 0, perbaikan 0, perubahan 0" in lines
    assert "Menunggu musyawarah: 0" in lines
    assert "Lewat waktu standar: tidak ada." in lines
    assert lines[-1].startswith("Batas kirim DTSEN:")


def test_the_kecamatan_summary_starts_with_what_is_late(database: str) -> None:
    result = CliRunner().invoke(digest, ["--area", "32.04.05", "--language", "en"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "DTSEN summary · Cileunyi"
    assert lines[3] == "Past the time standard: 1"
    assert "Cileunyi Kulon" in lines[4] and "working days late" in lines[4]
    assert "Waiting for the musyawarah: 1" in lines


def test_since_counts_new_requests_from_that_moment(database: str) -> None:
    # Two days ahead: a date in the future in every Indonesian zone at any hour (after 17:00
    # UTC, "tomorrow" in UTC has already begun in Jakarta).
    later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")
    result = CliRunner().invoke(digest, ["--area", "32.04.05.2004", "--since", later])
    assert result.exit_code == 0, result.output
    assert any(
        line.startswith("Tidak ada permohonan baru sejak") for line in result.output.splitlines()
    )


@pytest.mark.parametrize(
    ("area", "complaint"),
    [("32.4", "not an area code"), ("32.04.99", "not a Kemendagri region code")],
)
def test_a_wrong_area_is_refused(database: str, area: str, complaint: str) -> None:
    result = CliRunner().invoke(digest, ["--area", area])
    assert result.exit_code == 2 and complaint in result.output

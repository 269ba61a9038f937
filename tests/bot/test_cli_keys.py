"""`dtsen-bot keys add / rotate / retire`: a key version comes, the data moves to it, the
old version goes, and the app still reads everything."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session, select

from bot.cli import main
from models.crypto import load_keys
from models.database import create_db_engine, upgrade_database
from models.requests import create_request, find_open_usulan_by_nik
from models.tables import HouseholdMember
from tests.models.factories import NOW, fresh_nik, new_sanggahan, new_usulan

NIKS = [fresh_nik() for _ in range(3)]


def keys(*args: str) -> Result:
    return CliRunner().invoke(main, ["keys", *args])


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database filed under the key file's first version (keys kept in DATA_DIR)."""
    monkeypatch.delenv("DATA_KEYS")
    monkeypatch.delenv("LOOKUP_KEY")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/keys.db")
    engine = create_db_engine(
        f"sqlite:///{tmp_path}/keys.db", load_keys(None, None, tmp_path / "data")
    )
    upgrade_database(engine)
    with Session(engine) as session, session.begin():
        for n in range(3):
            create_request(session, new_usulan(nik=NIKS[n], chat_id=f"k{n}"), now=NOW)
        create_request(session, new_sanggahan(subject_nik=fresh_nik()), now=NOW)
    engine.dispose()
    return tmp_path / "data"


def test_add_rotate_retire_with_the_key_file(data_dir: Path, tmp_path: Path) -> None:
    added = keys("add")
    assert added.exit_code == 0, added.output
    assert "Key version 2 added" in added.output and "restart" in added.output
    assert sorted(load_keys(None, None, data_dir).keys) == [1, 2]

    dry = keys("rotate", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "request.nik: 4 left" in dry.output and "household_member.name: 6 left" in dry.output

    early = keys("retire", "1")
    assert early.exit_code != 0 and "still sealed under version 1" in early.output

    rotated = keys("rotate", "--batch", "2")
    assert rotated.exit_code == 0, rotated.output
    assert "Nothing is left under an older version" in rotated.output
    assert "household_member: 6/6" in rotated.output  # progress, batch by batch
    assert "Total left: 0" in keys("rotate", "--dry-run").output

    retired = keys("retire", "1")
    assert retired.exit_code == 0, retired.output
    ring = load_keys(None, None, data_dir)
    assert sorted(ring.keys) == [2]
    # The app with the version 2 alone reads everything and finds NIKs as before.
    engine = create_db_engine(f"sqlite:///{tmp_path}/keys.db", ring)
    with Session(engine) as session:
        assert {m.name for m in session.exec(select(HouseholdMember))} == {"Budi Santoso", "Ani"}
        for nik in NIKS:
            found = find_open_usulan_by_nik(session, nik)
            assert found is not None and found.nik == nik and found.answers["lantai"] == "tanah"
    engine.dispose()


def test_rotate_again_is_harmless(data_dir: Path) -> None:
    keys("add")
    assert keys("rotate").exit_code == 0
    again = keys("rotate")
    assert again.exit_code == 0 and "Done" in again.output and "0 rows" in again.output


def test_with_keys_in_the_environment_add_prints_the_new_value_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DATA_KEYS holds versions 1 and 2 (conftest).
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    added = keys("add")
    assert added.exit_code == 0, added.output
    line = next(x for x in added.output.splitlines() if x.startswith("DATA_KEYS="))
    assert [part.split(":")[0] for part in line.removeprefix("DATA_KEYS=").split(",")] == [
        "1",
        "2",
        "3",
    ]
    assert not (tmp_path / "data").exists()


def test_with_keys_in_the_environment_retire_prints_them_without_the_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    retired = keys("retire", "1")  # an empty database: nothing under version 1
    assert retired.exit_code == 0, retired.output
    line = next(x for x in retired.output.splitlines() if x.startswith("DATA_KEYS="))
    assert line.removeprefix("DATA_KEYS=").split(":")[0] == "2" and "," not in line
    refused = keys("retire", "2")
    assert refused.exit_code != 0 and "newest" in refused.output

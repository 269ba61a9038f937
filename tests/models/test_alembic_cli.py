"""The alembic command line on a populated database: it seals with the app's keys."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session

from models.database import MIGRATIONS_DIR, upgrade_database
from models.requests import find_open_usulan_by_nik
from tests.models.factories import NIK_A, NIK_B
from tests.models.test_data_migrations import downgrade_to, old_usulan


def alembic(engine: Engine, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    url = engine.url.render_as_string(hide_password=False)
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(MIGRATIONS_DIR / "alembic.ini"), *args],
        env={**os.environ, "DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_alembic_upgrade_seals_existing_rows_with_the_apps_keys(db_engine: Engine) -> None:
    # It used to stop at 0013 on any database with a request: the CLI had no keys.
    downgrade_to(db_engine, "0012")
    old_usulan(db_engine)
    done = alembic(db_engine, "upgrade", "head")
    assert done.returncode == 0, done.stderr
    with db_engine.connect() as conn:
        stored = conn.execute(text("SELECT nik FROM request")).scalar_one()
    assert stored.startswith("v2:") and NIK_A not in stored
    with Session(db_engine) as session:  # the app's engine (the same keys) opens it
        found = find_open_usulan_by_nik(session, NIK_A)
        assert found is not None and found.nik == NIK_A


def test_without_keys_it_stops_saying_which_and_makes_no_key_file(
    db_engine: Engine, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    downgrade_to(db_engine, "0012")
    try:
        old_usulan(db_engine)
        done = alembic(
            db_engine, "upgrade", "head", DATA_KEYS="", LOOKUP_KEY="", DATA_DIR=str(data_dir)
        )
        assert done.returncode != 0
        assert "DATA_KEYS" in done.stderr
        assert not data_dir.exists()  # no keys made that nobody would keep
        with db_engine.connect() as conn:  # and nothing half-sealed: still in clear
            assert (
                conn.execute(
                    text("SELECT nik FROM household_member WHERE nik IS NOT NULL")
                ).scalar_one()
                == NIK_B
            )
    finally:
        upgrade_database(db_engine)

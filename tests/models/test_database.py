"""Engines, migrations and the health probe, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Boolean, Date, String, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, SQLModel, select

import models.database as database
from models.database import (
    create_db_engine,
    database_status,
    head_revision,
    normalise_url,
    upgrade_database,
)
from models.sealed import LookupDigest, SealedText, SealedValue
from models.tables import Conversation, LookupAttempt, ProcessedMessage, Request
from tests.conftest import TEST_KEYS
from tests.models.factories import NOW

EXPECTED_TABLES = {
    "request",
    "household_member",
    "proposer",
    "attachment",
    "status_change",
    "consent_record",
    "processed_message",
    "lookup_attempt",
    "conversation",
    "chat_contact",
    "outbound_message",
    "staff_account",
    "staff_area",
    "staff_chat",
    "access_log",
    "musyawarah",
    "musyawarah_item",
    "transition_document",
    "request_document",
    "export_log",
    "outbox_notification",
    "process_keys",
}


def _affinity(diff: Any) -> bool:
    """A sealed or hashed column still typed VARCHAR(n) on SQLite (migrations 0013 and 0019
    leave them): SQLite types are affinities, and VARCHAR(n) and TEXT are both TEXT, with
    no length limit. A sealed date or yes/no still typed DATE/BOOLEAN (0023 leaves them):
    a NUMERIC affinity, which keeps sealed text ("v2:…", never a number) as text."""
    if not (isinstance(diff, list) and diff[0][0] == "modify_type"):
        return False
    before, now = diff[0][-2], diff[0][-1]
    return (isinstance(now, SealedText | LookupDigest) and isinstance(before, String)) or (
        isinstance(now, SealedValue) and isinstance(before, Date | Boolean)
    )


def test_migrated_schema_matches_the_models(db_engine: Engine) -> None:
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, SQLModel.metadata)
        if conn.dialect.name == "sqlite":
            diffs = [d for d in diffs if not _affinity(d)]
        assert diffs == []
        assert set(inspect(conn).get_table_names()) == EXPECTED_TABLES | {"alembic_version"}


def test_upgrade_twice_is_harmless(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        session.add(LookupAttempt(chat_key="telegram:1", at=NOW, succeeded=False))
        session.commit()
    upgrade_database(db_engine)
    upgrade_database(db_engine)
    assert database_status(db_engine)["revision"] == head_revision()
    with Session(db_engine) as session:
        assert len(session.exec(select(LookupAttempt)).all()) == 1


def test_downgrade_to_base_and_back(db_engine: Engine) -> None:
    config = database._alembic_config()
    try:
        with db_engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        with db_engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    finally:
        upgrade_database(db_engine)
    assert database_status(db_engine)["ok"] is True


def test_status_of_a_migrated_database(db_engine: Engine) -> None:
    status = database_status(db_engine)
    assert status == {
        "ok": True,
        "backend": db_engine.dialect.name,
        "revision": head_revision(),
        "error": None,
    }


def test_status_of_an_empty_database(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    status = database_status(engine)
    assert status["ok"] is False
    assert status["revision"] is None
    assert "expects" in status["error"]
    upgrade_database(engine)
    assert database_status(engine)["ok"] is True
    engine.dispose()


def test_status_of_an_unreachable_database_does_not_raise() -> None:
    engine = create_db_engine("postgresql://nobody@127.0.0.1:1/none")
    started = time.monotonic()
    status = database_status(engine)
    assert time.monotonic() - started < 5
    assert status["ok"] is False
    assert status["backend"] == "postgresql"
    assert status["revision"] is None
    assert status["error"]
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_url_normalisation(url: str, driver: str) -> None:
    assert normalise_url(url).drivername == driver


def test_unsupported_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        create_db_engine("mysql://u@h/db")


def test_sqlite_engine_settings(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "dtsen.db"
    engine = create_db_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15_000
    assert path.parent.is_dir()
    engine.dispose()


def test_sqlite_savepoint_rolls_back_inside_the_outer_transaction(sqlite_engine: Engine) -> None:
    # The sqlite3 driver's legacy mode gets SAVEPOINT wrong; the engine takes BEGIN over.
    with Session(sqlite_engine) as session:
        session.add(LookupAttempt(chat_key="a", at=NOW, succeeded=True))
        nested = session.begin_nested()
        session.add(LookupAttempt(chat_key="b", at=NOW, succeeded=True))
        session.flush()
        nested.rollback()
        session.commit()
    with Session(sqlite_engine) as session:
        # The chat key is kept as its keyed hash (compared, never read back).
        kept = [a.chat_key for a in session.exec(select(LookupAttempt))]
        assert kept == [TEST_KEYS.lookup("a")]


def test_sqlite_keeps_transaction_control_after_an_autocommit_connection(
    sqlite_engine: Engine,
) -> None:
    with sqlite_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("SELECT 1")
    # The same pooled connection again: the driver must not be back in its legacy mode
    # (isolation_level "" = the driver emits BEGIN itself, and skips it before SAVEPOINT).
    with sqlite_engine.connect() as conn:
        assert conn.connection.dbapi_connection is not None
        assert conn.connection.dbapi_connection.isolation_level is None
    test_sqlite_savepoint_rolls_back_inside_the_outer_transaction(sqlite_engine)


def test_foreign_keys_are_enforced(db_engine: Engine) -> None:
    from models.tables import StatusChange

    with Session(db_engine) as session, pytest.raises(IntegrityError):
        session.add(StatusChange(request_id=999, at=NOW, actor="x", to_status="diterima"))
        session.flush()


def test_datetimes_come_back_aware_in_utc(db_engine: Engine) -> None:
    jakarta = timezone(timedelta(hours=7))
    local = datetime(2025, 11, 20, 16, 0, tzinfo=jakarta)
    with Session(db_engine) as session:
        session.add(Conversation(key="k", data={}, updated_at=local))
        session.commit()
    with Session(db_engine) as session:
        stored = session.exec(select(Conversation)).one().updated_at
    assert stored == local
    assert stored.tzinfo == UTC
    assert stored.hour == 9


def test_naive_datetimes_are_refused(db_engine: Engine) -> None:
    with Session(db_engine) as session, pytest.raises(StatementError, match="naive"):
        session.add(LookupAttempt(chat_key="k", at=datetime(2025, 1, 1), succeeded=True))
        session.flush()


def test_json_columns_round_trip_and_null_state(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        session.add(
            ProcessedMessage(
                channel="telegram",
                message_id="1",
                chat_id="1",
                processed_at=NOW,
                replies=[{"text": "Terima kasih 🙏", "choices": []}],
                state=None,
            )
        )
        session.commit()
    with db_engine.connect() as conn:
        # SQL NULL, not the JSON text 'null'.
        assert (
            conn.execute(
                text("SELECT count(*) FROM processed_message WHERE state IS NULL")
            ).scalar()
            == 1
        )
    with Session(db_engine) as session:
        row = session.exec(select(ProcessedMessage)).one()
        assert row.replies == [{"text": "Terima kasih 🙏", "choices": []}]
        assert row.state is None


def test_migration_scripts_ship_inside_the_package() -> None:
    # upgrade_database must work from an installed wheel: the scripts are package files.
    migrations = database.MIGRATIONS_DIR
    assert (migrations / "__init__.py").is_file()
    assert (migrations / "versions" / "__init__.py").is_file()
    assert (migrations / "env.py").is_file()
    assert (migrations / "script.py.mako").is_file()
    assert migrations.parent == Path(database.__file__).resolve().parent
    assert head_revision() == "0026"


def test_request_table_defaults(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        session.add(
            Request(
                ticket="U234567",
                kind="usulan",
                subtype="self",
                channel="telegram",
                chat_id="1",
                village_code="32.04.01.2001",
                nik="3204014101900001",
                name="X",
                language="id",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        session.commit()
        request = session.exec(select(Request)).one()
        assert (request.status, request.answers, request.flags) == ("diterima", {}, [])
        assert request.closed_at is None

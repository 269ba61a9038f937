"""Fixtures shared by the whole suite: real SQLite, PostgreSQL and Redis, no mocks.

PostgreSQL: one throwaway database per test session (created from TEST_POSTGRES_URL, migrated
once, tables emptied before each test, dropped at the end). Redis: TEST_REDIS_URL (a
database number of its own: it is flushed around every test). An unreachable service skips
the tests that need it, except under CI=true, where it fails them.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (the tables on SQLModel.metadata, for emptying them)
from models.conversation_store import (
    ConversationStore,
    RedisConversationStore,
    SqlConversationStore,
)
from models.crypto import KeyRing
from models.database import create_db_engine, normalise_url, upgrade_database

# Hostile-input fuzzing (tests/*/test_*_fuzz.py): a bounded budget by default and in CI;
# HYPOTHESIS_PROFILE=long for the longer runs whose figures go in the notes. No deadline:
# a shared CI machine is slow at times, and speed is not what these tests are about.
hypothesis_settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile(
    "long", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The keys every test database is sealed with (two versions: values under the older one
# still open, as after a rotation that has not run yet).
TEST_KEYS = KeyRing({1: b"\x01" * 32, 2: b"\x02" * 32}, b"\x03" * 32)
# Every process a test starts (serve, the CLI) and every Settings() opens them the same way.
_B64 = {v: base64.urlsafe_b64encode(bytes([v]) * 32).decode() for v in (1, 2, 3)}
os.environ.setdefault("DATA_KEYS", f"1:{_B64[1]},2:{_B64[2]}")
os.environ.setdefault("LOOKUP_KEY", _B64[3])

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"

# Photos are taken as sent unless a test asks for checks and KTP reading (Settings(
# photo_checks="read_ktp")): most tests send tiny placeholder images, and reading a card
# costs a second of CPU. tests/bot/photos and the KTP transcripts turn them on.
os.environ.setdefault("PHOTO_CHECKS", "off")
CONVERSATION_RETENTION = timedelta(days=7)


def require_service(name: str, reachable: bool, detail: str = "") -> None:
    """Skip when a service is missing, but fail under CI=true: there it is a broken setup."""
    if reachable:
        return
    message = f"{name} is not reachable" + (f" ({detail})" if detail else "")
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{message}; CI=true, so a missing service is a failure", pytrace=False)
    pytest.skip(message)


# --- databases -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database file migrated by `upgrade_database`; each test gets a copy (a copy
    takes a millisecond, a migration about fifty)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "dtsen.db"
    engine = create_db_engine(f"sqlite:///{path}", TEST_KEYS)
    upgrade_database(engine)
    engine.dispose()
    # Everything into the main file, so copying that one file copies the database.
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def sqlite_engine(_sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite database in a file of its own."""
    path = tmp_path / "db" / "dtsen.db"
    path.parent.mkdir()
    shutil.copyfile(_sqlite_template, path)
    engine = create_db_engine(f"sqlite:///{path}", TEST_KEYS)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _postgresql_database() -> Iterator[Engine]:
    admin_url = normalise_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect():
            pass
    except SQLAlchemyError as exc:
        admin.dispose()
        reason = (str(exc).strip().splitlines() or [""])[0]
        require_service("PostgreSQL", False, f"{admin_url.render_as_string()}: {reason}")
    name = f"dtsen_test_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = create_db_engine(
        admin_url.set(database=name).render_as_string(hide_password=False), TEST_KEYS
    )
    try:
        upgrade_database(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _empty_all_tables(engine: Engine) -> None:
    # Fresh connections: ones pooled by the previous test may hold session state (advisory
    # locks). Reconnecting to a local server costs a few milliseconds.
    engine.dispose()
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
        existing = set(
            conn.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
        )
        known = [t.name for t in SQLModel.metadata.sorted_tables if t.name in existing]
        unknown = sorted(existing - set(known) - {"alembic_version"})
        if unknown:
            quoted = ", ".join(f'"{name}"' for name in unknown)
            conn.exec_driver_sql(f"TRUNCATE {quoted} CASCADE")
        # DELETE, children first: on tables this small it is ~20x faster than TRUNCATE,
        # which creates new files for every table. Ids are not reset; tests must not rely
        # on them.
        for name in reversed(known):
            conn.exec_driver_sql(f'DELETE FROM "{name}"')


@pytest.fixture
def postgresql_engine(_postgresql_database: Engine) -> Engine:
    """The session's migrated PostgreSQL database, emptied for this test."""
    _empty_all_tables(_postgresql_database)
    return _postgresql_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db_engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty database; the test runs once per backend."""
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    return engine


# --- redis ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        require_service("Redis", False, f"{url}: {exc}")
    finally:
        client.close()
    return url


@pytest.fixture
def redis_client(_redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(_redis_url, socket_connect_timeout=3, socket_timeout=5)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


# --- conversation stores -------------------------------------------------------------------

StoreFactory = Callable[..., ConversationStore]


@pytest.fixture(params=["sql-sqlite", "sql-postgresql", "redis"])
def conversation_store_factory(request: pytest.FixtureRequest) -> StoreFactory:
    """Builds stores of one backend over the same database, e.g. with a test clock.

    Keyword arguments: `clock` (all backends), `lock_expiry` (Redis only, ignored by SQL).
    """
    backend: str = request.param
    if backend == "redis":
        client: redis.Redis = request.getfixturevalue("redis_client")

        def make_redis(
            *, clock: Callable[[], datetime] | None = None, lock_expiry: timedelta | None = None
        ) -> ConversationStore:
            options: dict[str, Any] = {"clock": clock} if clock else {}
            if lock_expiry is not None:
                options["lock_expiry"] = lock_expiry
            return RedisConversationStore(
                client, keys=TEST_KEYS, retention=CONVERSATION_RETENTION, **options
            )

        return make_redis

    engine: Engine = request.getfixturevalue(backend.removeprefix("sql-") + "_engine")

    def make_sql(
        *, clock: Callable[[], datetime] | None = None, lock_expiry: timedelta | None = None
    ) -> ConversationStore:
        return SqlConversationStore(engine, clock=clock) if clock else SqlConversationStore(engine)

    return make_sql


@pytest.fixture
def conversation_store(conversation_store_factory: StoreFactory) -> ConversationStore:
    """A conversation store; the test runs once per backend (sql-sqlite, sql-postgresql,
    redis)."""
    return conversation_store_factory()

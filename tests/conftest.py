"""Fixtures shared by the whole suite: real SQLite, PostgreSQL and Redis, no mocks.

PostgreSQL: one throwaway database per test session (created from TEST_POSTGRES_URL, migrated
once, tables truncated before each test, dropped at the end). Redis: TEST_REDIS_URL (a
database number of its own: it is flushed around every test). An unreachable service skips
the tests that need it, except under CI=true, where it fails them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from models.conversation_store import (
    ConversationStore,
    RedisConversationStore,
    SqlConversationStore,
)
from models.database import create_db_engine, normalise_url, upgrade_database

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
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


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite database in a file (in a not-yet-existing directory)."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'db' / 'dtsen.db'}")
    upgrade_database(engine)
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
    engine = create_db_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade_database(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _truncate_all(engine: Engine) -> None:
    # Connections left in the pool by the previous test may hold session state (advisory
    # locks); start from fresh ones. Cheap on a local server.
    engine.dispose()
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
        tables = conn.scalars(
            text(
                "SELECT quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
            )
        ).all()
        if tables:
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


@pytest.fixture
def postgresql_engine(_postgresql_database: Engine) -> Engine:
    """The session's migrated PostgreSQL database, emptied for this test."""
    _truncate_all(_postgresql_database)
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
            return RedisConversationStore(client, retention=CONVERSATION_RETENTION, **options)

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

"""Engines, migrations and a health probe for the two supported databases.

SQLite is the zero-setup default (one file, one process); PostgreSQL is production. Both get
the same schema through Alembic; the caller upgrades an empty database on start.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from models.crypto import KeyRing
from models.sealed import attach_keys

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported where it is used: a web worker or the CLI that finds the schema
# current never needs it at import time (start-up cost).

MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"

# Execution option for read-only work on SQLite (health checks, loads): start the transaction
# DEFERRED so it does not queue behind a writer. Everything else begins IMMEDIATE.
DEFERRED_BEGIN: Final = "dtsen_deferred_begin"

SQLITE_BUSY_TIMEOUT_MS: Final = 15_000
POSTGRES_CONNECT_TIMEOUT_S: Final = 5

# Arbitrary but fixed: serialises concurrent `upgrade_database` calls from several workers.
_MIGRATION_LOCK_ID: Final = 0x647473656E_0001  # "dtsen" + 1


# A JSON escape for NUL that is not itself an escaped backslash followed by "u0000".
_JSON_NUL: Final = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def _json_serializer(value: Any) -> str:
    # Names and answers are mostly Indonesian text; keep them readable in the database.
    dumped = json.dumps(value, ensure_ascii=False)
    # Last line of defence behind the edge (`conversations.cleantext`): PostgreSQL reads
    # "\u0000" in a json column as an error the moment a query takes the value as text.
    return _JSON_NUL.sub(r"\1", dumped) if "\\u0000" in dumped else dumped


def normalise_url(url: str) -> URL:
    """Parse `url`, pointing bare PostgreSQL URLs at psycopg 3 (the driver we ship)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


# A web worker runs its handlers on anyio's 40 threads; each holds at most one pooled
# connection for a message (plus the advisory-lock connection without Redis). A pool as large
# as the concurrency never opens and closes connections under load; several workers or
# hosts behind one PostgreSQL want pgbouncer (deploy/SCALING.md).
DEFAULT_POOL_SIZE: Final = 40
# Idle connections are replaced before servers or proxies reap them, instead of a ping
# before every checkout; a connection that died anyway fails one request, which the
# provider retries, and the pool is emptied of its siblings at once.
POOL_RECYCLE_S: Final = 1800


def create_db_engine(
    url: str, keys: KeyRing | None = None, *, pool_size: int = DEFAULT_POOL_SIZE
) -> Engine:
    """An Engine for a `sqlite:///path` or `postgresql://…` URL, configured for this app.

    `keys` seal and open personal data (`models.sealed`); without them the engine works
    for everything but that, which it refuses."""
    parsed = normalise_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(parsed)
    elif backend == "postgresql":
        engine = _postgres_engine(parsed, pool_size)
    else:
        raise ValueError(f"unsupported database backend {backend!r} (use sqlite or postgresql)")
    if keys is not None:
        attach_keys(engine, keys)
    return engine


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:")
    if not in_memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        # Web workers hand connections between threads; the pool keeps one user at a time.
        connect_args={"check_same_thread": False},
        # An in-memory database exists per connection: share one, or every session is empty.
        poolclass=StaticPool if in_memory else None,
        json_serializer=_json_serializer,
        hide_parameters=True,  # errors would print names, addresses and NIKs into logs
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 driver (its legacy mode breaks
        # SAVEPOINT and transactional DDL); SQLAlchemy emits BEGIN below instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                # Readers do not block the writer and vice versa.
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # Using a connection with isolation_level="AUTOCOMMIT" hands it back to the driver's
        # legacy mode when it returns to the pool; take control again on every checkout.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        # IMMEDIATE takes the write lock up front. A DEFERRED transaction that reads and then
        # writes fails at once with "database is locked" when another writer committed in
        # between (WAL snapshot conflict), and busy_timeout cannot help; IMMEDIATE just waits.
        connection.exec_driver_sql("BEGIN" if options.get(DEFERRED_BEGIN) else "BEGIN IMMEDIATE")

    return engine


def _postgres_engine(url: URL, pool_size: int) -> Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        # Keeps health checks and start-up quick when the server is unreachable.
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max(pool_size // 4, 2),
        pool_recycle=POOL_RECYCLE_S,
        pool_pre_ping=False,
        connect_args=connect_args,
        json_serializer=_json_serializer,
        hide_parameters=True,  # errors would print names, addresses and NIKs into logs
    )


def _alembic_config() -> Config:
    from alembic.config import Config

    # No alembic.ini needed: the scripts are located relative to this package, so the same
    # call works from the repository and from an installed wheel.
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@cache
def head_revision() -> str | None:
    """The newest migration shipped with the code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def upgrade_database(engine: Engine) -> None:
    """Bring the schema to the newest migration; a no-op when it is already there."""
    from alembic import command

    config = _alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several workers may start at once; the second waits, then finds nothing to do.
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_ID}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty (unmigrated) database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect().execution_options(**{DEFERRED_BEGIN: True}) as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    return revision


def database_status(engine: Engine) -> dict[str, Any]:
    """`{"ok", "backend", "revision", "error"}` for health checks; never raises.

    `ok` means reachable AND at the newest migration: a schema behind the code is not healthy.
    """
    backend = engine.dialect.name
    try:
        revision = current_revision(engine)
    except Exception as exc:  # a probe reports failures, it does not propagate them
        return {"ok": False, "backend": backend, "revision": None, "error": _describe(exc)}
    head = head_revision()
    if revision != head:
        error = f"database at revision {revision or 'none'}, code expects {head}"
        return {"ok": False, "backend": backend, "revision": revision, "error": error}
    return {"ok": True, "backend": backend, "revision": revision, "error": None}


def _describe(exc: BaseException) -> str:
    # First line only: SQLAlchemy appends the SQL and a documentation link.
    first_line = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"[:300]

"""Conversation state in the application database (the default backend)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Executable
from sqlmodel import Session, col

from models.conversation_store.base import (
    Clock,
    LockTimeout,
    chat_label,
    describe_error,
    encode_state,
    utcnow,
)
from models.conversation_store.locks import KeyedLocks
from models.crypto import SealError
from models.database import DEFERRED_BEGIN
from models.sealed import keys_of
from models.tables import Conversation

# One registry per process for SQLite, keyed by database and chat: a SQLite file is only
# ever served by one process, so in-process locks are the whole story.
_SQLITE_LOCKS: Final = KeyedLocks()

_POLL_FIRST_S: Final = 0.005
_POLL_MAX_S: Final = 0.1


def advisory_lock_id(key: str) -> int:
    """A stable signed 64-bit id for `pg_advisory_lock` (Python's `hash()` is salted per
    process, so workers would disagree). Namespaced so other advisory locks do not clash."""
    digest = hashlib.blake2b(f"dtsen-conversation:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class SqlConversationStore:
    """Rows of the `conversation` table. Locks: PostgreSQL session-level advisory locks
    (safe across web workers and hosts); SQLite: in-process locks (one process per file)."""

    # Rows of the caller's own database.
    joins_transaction = True

    def __init__(self, engine: Engine, *, clock: Clock = utcnow) -> None:
        self._engine = engine
        self._clock = clock
        self._postgres = engine.dialect.name == "postgresql"
        # PostgreSQL: threads of this process queue here first, so waiting costs neither a
        # pooled connection nor polling; the advisory lock then excludes other processes.
        self._local_locks = KeyedLocks() if self._postgres else _SQLITE_LOCKS
        self._local_prefix = "" if self._postgres else f"{engine.url}\x00"

    @property
    def engine(self) -> Engine:
        return self._engine

    @contextmanager
    def _connection(
        self, session: Session | None, *, read_only: bool = False
    ) -> Iterator[Connection]:
        if session is not None:
            # The caller's transaction: committed or rolled back together with its work.
            yield session.connection()
        elif read_only:
            with self._engine.connect().execution_options(**{DEFERRED_BEGIN: True}) as conn:
                yield conn
        else:
            with self._engine.begin() as conn:
                yield conn

    def load(self, key: str, *, session: Session | None = None) -> dict[str, Any] | None:
        statement = select(col(Conversation.data)).where(col(Conversation.key) == key)
        with self._connection(session, read_only=True) as conn:
            data = conn.execute(statement).scalar_one_or_none()
        return dict(data) if data is not None else None

    def save(self, key: str, data: dict[str, Any], *, session: Session | None = None) -> None:
        encode_state(data)  # same validation as Redis: fail here, not inside the flush
        values = {"key": key, "data": data, "updated_at": self._clock()}
        with self._connection(session) as conn:
            if conn.dialect.name == "postgresql":
                pg = postgresql_insert(Conversation).values(values)
                upsert: Executable = pg.on_conflict_do_update(
                    index_elements=["key"],
                    set_={"data": pg.excluded.data, "updated_at": pg.excluded.updated_at},
                )
            elif conn.dialect.name == "sqlite":
                lite = sqlite_insert(Conversation).values(values)
                upsert = lite.on_conflict_do_update(
                    index_elements=["key"],
                    set_={"data": lite.excluded.data, "updated_at": lite.excluded.updated_at},
                )
            else:
                raise NotImplementedError(f"no upsert for {conn.dialect.name}")
            conn.execute(upsert)

    def delete(self, key: str, *, session: Session | None = None) -> None:
        with self._connection(session) as conn:
            conn.execute(delete(Conversation).where(col(Conversation.key) == key))

    @contextmanager
    def lock(self, key: str, *, timeout: float = 10.0) -> Iterator[None]:
        deadline = time.monotonic() + timeout
        held = False
        try:
            with self._local_locks.hold(self._local_prefix + key, timeout=timeout):
                if not self._postgres:
                    held = True
                    yield
                    return
                with self._advisory_lock(key, timeout=timeout, deadline=deadline):
                    held = True
                    yield
        except LockTimeout as timed_out:
            if held or timed_out.chat:  # raised by the holder's own work: not ours
                raise
            # Named here, where the keys are at hand, by its keyed hash (never its key).
            raise LockTimeout(timeout, chat=self._label(key)) from None

    def _label(self, key: str) -> str:
        try:
            return chat_label(keys_of(self._engine.dialect), key)
        except SealError:  # an engine made without keys (some tests): unnamed
            return ""

    @contextmanager
    def _advisory_lock(self, key: str, *, timeout: float, deadline: float) -> Iterator[None]:
        lock_id = advisory_lock_id(key)
        # A dedicated connection: the lock belongs to its database session, which ends (and
        # frees the lock) if this process dies. Autocommit, so it is not "idle in transaction".
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        held = False
        try:
            delay = _POLL_FIRST_S
            while not conn.execute(
                text("SELECT pg_try_advisory_lock(:id)"), {"id": lock_id}
            ).scalar_one():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LockTimeout(timeout)
                time.sleep(min(delay, remaining))
                delay = min(delay * 2, _POLL_MAX_S)
            held = True
            yield
        finally:
            if held:
                self._advisory_unlock(conn, lock_id)
            conn.close()

    @staticmethod
    def _advisory_unlock(conn: Connection, lock_id: int) -> None:
        try:
            released = bool(
                conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id}).scalar_one()
            )
        except Exception:
            released = False
        if not released:
            # Never return a connection that may still hold the lock to the pool: discarding
            # it ends the database session, which releases every lock it held.
            conn.invalidate()

    def purge(self, *, older_than: datetime) -> int:
        statement = delete(Conversation).where(col(Conversation.updated_at) < older_than)
        with self._engine.begin() as conn:
            return conn.execute(statement).rowcount

    def health(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "ok": False,
            "backend": "sql",
            "dialect": self._engine.dialect.name,
        }
        try:
            with self._connection(None, read_only=True) as conn:
                # Touches the table, so an unmigrated database is reported too.
                conn.execute(select(col(Conversation.key)).limit(1)).all()
        except Exception as exc:  # a probe reports, it does not raise
            status["error"] = describe_error(exc)
            return status
        status["ok"] = True
        return status

"""Counters for what a piece of work costs in round trips: SQL statements sent through an
Engine, and commands or pipelines sent to Redis. Instruments real connections (no fakes)."""

from __future__ import annotations

import threading
from typing import Any

import redis
from sqlalchemy import Engine, event


class StatementCounter:
    """Counts statements the Engine sends (BEGIN/COMMIT are not statements here)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.statements: list[str] = []
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN"):
            return  # SQLite's BEGIN IMMEDIATE goes through here; PostgreSQL's does not
        with self._lock:
            self.count += 1
            self.statements.append(statement.split("\n", 1)[0][:120])

    def reset(self) -> None:
        with self._lock:
            self.count = 0
            self.statements = []


class _RoundTrips:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def reset(self) -> None:
        with self.lock:
            self.count = 0


def counting_redis(store: Any) -> _RoundTrips:
    """Counts the round trips of the Redis client behind `store` (one per command sent, one
    per pipeline). A store without Redis counts nothing."""
    trips = _RoundTrips()
    client: redis.Redis | None = getattr(store, "redis_client", None) or getattr(
        store, "_client", None
    )
    if client is None:
        return trips
    pool = client.connection_pool
    base = pool.connection_class

    class Counting(base):  # type: ignore[misc, valid-type]
        handshaking = False

        def on_connect_check_health(self, check_health: bool = True) -> None:
            # The hand-shake of a new connection (HELLO, CLIENT SETINFO) is not the work's.
            self.handshaking = True
            try:
                super().on_connect_check_health(check_health)
            finally:
                self.handshaking = False

        def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            if not self.handshaking:
                with trips.lock:
                    trips.count += 1
            super().send_packed_command(command, check_health)

    pool.connection_class = Counting
    pool.reset()  # connections made before now were of the plain class
    return trips

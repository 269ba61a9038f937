"""Which running processes hold which key versions, so rotation never outruns one of them.

A key version added with `dtsen-bot keys add` reaches a process only when it restarts (the
ring is read at start). A value `keys rotate` re-seals under that version would not open in
a process still running without it: a citizen's draft or a staff page would fail there. So
every `serve` process (each web worker) and every `worker` process keeps a row in
`process_keys` (host, pid, start, last seen, its versions), written at start and refreshed
every `HEARTBEAT` by a task of its own (one small UPDATE per interval, nothing per message),
and deleted at a clean stop. `keys rotate` and `keys retire` read the live rows and refuse
while one lacks the newest version.

A row not refreshed for `STALE_AFTER` (a process killed, a host gone) is ignored and
deleted by the next reader. The command line's own commands do not register: they run
with whatever keys they are given and end.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from models.tables import ProcessKeys

log = logging.getLogger(__name__)

HEARTBEAT: Final = timedelta(seconds=30)
# Three missed heartbeats: a process that stalls for one (a long GC, a busy database) is
# still counted; one killed is forgotten within a minute and a half.
STALE_AFTER: Final = 3 * HEARTBEAT

_TABLE = ProcessKeys.__table__  # type: ignore[attr-defined]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LiveProcess:
    host: str
    pid: int
    role: str
    started_at: datetime
    seen_at: datetime
    versions: frozenset[int]

    def describe(self) -> str:
        held = ", ".join(str(v) for v in sorted(self.versions)) or "none"
        return (
            f"{self.role} on {self.host}, pid {self.pid}, running since "
            f"{self.started_at:%Y-%m-%d %H:%M:%S} UTC (key versions {held})"
        )


@dataclass(frozen=True)
class ThisProcess:
    """How this process is named in `process_keys`."""

    role: str
    host: str
    pid: int
    started_at: datetime

    @property
    def id(self) -> str:
        return f"{self.host}:{self.pid}"

    @classmethod
    def here(cls, role: str, *, now: datetime | None = None) -> ThisProcess:
        return cls(role, socket.gethostname(), os.getpid(), now or _now())


def _versions_text(versions: Iterable[int]) -> str:
    return ",".join(str(v) for v in sorted(set(versions)))


def _parse_versions(text: str) -> frozenset[int]:
    return frozenset(int(v) for v in text.split(",") if v.strip().isdigit())


def announce(
    engine: Engine, process: ThisProcess, versions: Iterable[int], *, now: datetime | None = None
) -> None:
    """Record (or refresh) that `process` is alive and holds `versions`."""
    at = now or _now()
    values = {
        "host": process.host,
        "pid": process.pid,
        "role": process.role,
        "started_at": process.started_at,
        "seen_at": at,
        "versions": _versions_text(versions),
    }
    refresh = update(_TABLE).where(_TABLE.c.id == process.id).values(**values)
    with engine.begin() as conn:
        if conn.execute(refresh).rowcount:
            return
    try:
        with engine.begin() as conn:
            conn.execute(insert(_TABLE).values(id=process.id, **values))
    except IntegrityError:  # another task of this process inserted it meanwhile
        with engine.begin() as conn:
            conn.execute(refresh)


def forget(engine: Engine, process: ThisProcess) -> None:
    """A clean stop: this process no longer serves."""
    with engine.begin() as conn:
        conn.execute(
            delete(_TABLE).where(
                _TABLE.c.id == process.id, _TABLE.c.started_at == process.started_at
            )
        )


def live_processes(
    engine: Engine, *, now: datetime | None = None, stale_after: timedelta = STALE_AFTER
) -> list[LiveProcess]:
    """The processes seen within `stale_after`, oldest start first; older rows are deleted."""
    cutoff = (now or _now()) - stale_after
    with engine.begin() as conn:
        conn.execute(delete(_TABLE).where(_TABLE.c.seen_at < cutoff))
        rows = conn.execute(select(_TABLE).order_by(_TABLE.c.started_at, _TABLE.c.id)).all()
    return [
        LiveProcess(
            row.host,
            row.pid,
            row.role,
            row.started_at,
            row.seen_at,
            _parse_versions(row.versions),
        )
        for row in rows
    ]


def lacking_version(
    engine: Engine, version: int, *, now: datetime | None = None
) -> list[LiveProcess]:
    """The live processes that do not hold key `version`."""
    return [p for p in live_processes(engine, now=now) if version not in p.versions]


async def keep_announcing(
    engine: Engine,
    versions: Iterable[int],
    role: str,
    *,
    every: timedelta = HEARTBEAT,
    clock: Callable[[], datetime] = _now,
) -> None:
    """This process's row, refreshed every `every` until cancelled, then deleted. A failed
    write (the database down) is logged and tried at the next beat: it never stops the
    process, and rotation then sees the row go stale, which it ignores."""
    process = ThisProcess.here(role, now=clock())
    held = tuple(versions)
    try:
        while True:
            try:
                await asyncio.to_thread(announce, engine, process, held, now=clock())
            except Exception as exc:
                log.warning("could not record this process's key versions: %s", type(exc).__name__)
            await asyncio.sleep(every.total_seconds())
    finally:
        try:
            await asyncio.shield(asyncio.to_thread(forget, engine, process))
        except Exception:  # stopping anyway; the row goes stale
            log.debug("could not forget this process's key versions", exc_info=True)

"""Running processes record the key versions they hold; `dtsen-bot keys rotate` and
`retire` refuse while a live one lacks the newest (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select

from bot.cli import main
from bot.cli.keys import EXIT_PROCESS_BEHIND
from models.process_keys import (
    STALE_AFTER,
    ThisProcess,
    announce,
    keep_announcing,
    lacking_version,
    live_processes,
)
from models.tables import ProcessKeys

STARTED = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
OLD_SERVE = ThisProcess("serve", "web-1", 4242, STARTED)


def keys(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *args: str) -> Result:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REDIS_URL", "")
    return CliRunner().invoke(main, ["keys", *args])


def rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ProcessKeys)).scalar_one())


def test_a_process_announces_refreshes_and_is_forgotten_when_stale(db_engine: Engine) -> None:
    now = datetime.now(UTC)
    announce(db_engine, OLD_SERVE, [1], now=now)
    announce(db_engine, OLD_SERVE, [2, 1], now=now + timedelta(seconds=30))  # a refresh
    (seen,) = live_processes(db_engine, now=now + timedelta(seconds=31))
    assert (seen.host, seen.pid, seen.role, seen.versions) == ("web-1", 4242, "serve", {1, 2})
    assert seen.started_at == STARTED
    assert lacking_version(db_engine, 2, now=now + timedelta(seconds=31)) == []
    assert [p.pid for p in lacking_version(db_engine, 3, now=now)] == [4242]
    # Not seen for three heartbeats: ignored, and its row deleted.
    later = now + timedelta(seconds=30) + STALE_AFTER + timedelta(seconds=1)
    assert live_processes(db_engine, now=later) == []
    assert rows(db_engine) == 0


def test_the_heartbeat_task_writes_its_row_and_deletes_it_on_stop(db_engine: Engine) -> None:
    async def run() -> list[frozenset[int]]:
        task = asyncio.create_task(
            keep_announcing(db_engine, (1, 2), "worker", every=timedelta(seconds=0.05))
        )
        for _ in range(200):
            await asyncio.sleep(0.02)
            if rows(db_engine):
                break
        held = [p.versions for p in live_processes(db_engine)]
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return held

    assert asyncio.run(run()) == [frozenset({1, 2})]
    assert rows(db_engine) == 0  # a clean stop forgets it


def test_rotate_refuses_while_a_live_process_lacks_the_newest_version(
    db_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    announce(db_engine, OLD_SERVE, [1])  # started before version 2 was added
    announce(db_engine, ThisProcess("worker", "web-1", 77, STARTED), [1, 2])

    refused = keys(db_engine, monkeypatch, tmp_path, "rotate")
    assert refused.exit_code == EXIT_PROCESS_BEHIND, refused.output
    assert "Refused: 1 running process(es) do not hold key version 2" in refused.output
    assert "serve on web-1, pid 4242, running since 2026-12-02 09:30:00 UTC" in refused.output
    assert "pid 77" not in refused.output  # it holds version 2
    assert "Done in" not in refused.output  # nothing was re-sealed

    also = keys(db_engine, monkeypatch, tmp_path, "retire", "1")
    assert also.exit_code == EXIT_PROCESS_BEHIND and "pid 4242" in also.output

    # Restarted with version 2 (the same row, refreshed): rotation runs.
    announce(db_engine, OLD_SERVE, [1, 2])
    rotated = keys(db_engine, monkeypatch, tmp_path, "rotate")
    assert rotated.exit_code == 0, rotated.output
    assert "Nothing is left under an older version" in rotated.output


def test_a_stale_process_does_not_hold_rotation_back_and_force_goes_on(
    db_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    announce(db_engine, OLD_SERVE, [1], now=datetime.now(UTC) - STALE_AFTER - timedelta(1))
    gone = keys(db_engine, monkeypatch, tmp_path, "rotate")
    assert gone.exit_code == 0, gone.output
    assert rows(db_engine) == 0  # purged by the check

    announce(db_engine, OLD_SERVE, [1])
    forced = keys(db_engine, monkeypatch, tmp_path, "rotate", "--force")
    assert forced.exit_code == 0, forced.output
    assert "--force: rotating although 1 running process(es) lack key version 2" in forced.output
    # A dry run only counts: never refused.
    dry = keys(db_engine, monkeypatch, tmp_path, "rotate", "--dry-run")
    assert dry.exit_code == 0 and "Total left: 0" in dry.output

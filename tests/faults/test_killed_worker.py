"""A web worker killed (SIGKILL: out of memory, a node lost) at any point of a message: the
provider's retry of that message is answered, and the citizen's usulan is filed exactly
once. The chat's lock dies with its holder (a Redis lease the holder renews while working,
or PostgreSQL's advisory lock, which ends with the database session)."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from models.tables import Request
from tests.faults.servers import Server, SimulatedCitizen, server_env

# Delays after sending "ya" at the summary before the kill, from "not yet read" through
# "filing" to "committed, reply not yet sent" (the filing takes a few ms here).
KILL_AFTER_S = (0.0, 0.008, 0.03)


@pytest.mark.parametrize("store", ["redis", "postgresql"])
def test_a_worker_killed_mid_message_leaves_nothing_lost_or_doubled(
    store: str,
    postgresql_engine: Engine,
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    redis_url = redis_client.connection_pool.connection_kwargs
    url = f"redis://127.0.0.1:{redis_url.get('port', 6379)}/{redis_url.get('db', 0)}"
    database = postgresql_engine.url.render_as_string(hide_password=False)
    env = server_env(database, url if store == "redis" else None, tmp_path / "data")
    server = Server(env, tmp_path / "serve.log")
    server.start()
    try:
        for n, delay in enumerate(KILL_AFTER_S):
            citizen = SimulatedCitizen(server.url, f"killed-{store}-{n}", serial=100 + n)
            citizen.reach_summary()
            message_id = f"{citizen.user}-final"
            sent = threading.Thread(target=_send_ignoring_errors, args=(citizen, message_id))
            sent.start()
            time.sleep(delay)
            server.signal(signal.SIGKILL)
            sent.join()
            server.wait()
            server.start()  # a fresh process, as a supervisor would start
            # The provider retries the delivery it never got an answer for.
            retry = citizen.post({"text": "ya"}, message_id=message_id)
            assert retry.status_code == 200, retry.text
            assert "Kode tiket: U-" in retry.text
            again = citizen.post({"text": "ya"}, message_id=message_id)
            assert again.json() == retry.json()  # a second retry changes nothing
    finally:
        server.stop()
    with Session(postgresql_engine) as session:
        filed = session.execute(
            select(Request.chat_id, func.count()).group_by(Request.chat_id)
        ).all()
    assert sorted(count for _, count in filed) == [1] * len(KILL_AFTER_S)


def _send_ignoring_errors(citizen: SimulatedCitizen, message_id: str) -> None:
    # The worker dies under it: the provider sees no answer and retries.
    with contextlib.suppress(httpx.HTTPError):
        citizen.post({"text": "ya"}, message_id=message_id)

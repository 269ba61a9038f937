"""`dtsen-bot serve --workers N`: several processes on PostgreSQL, never on SQLite; replies
without the Nagle delay; SIGTERM lets messages in flight finish."""

from __future__ import annotations

import signal
import socket
import threading
from pathlib import Path

import httpx
import redis
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.cli.serve import listening_socket, serve
from models.tables import ProcessedMessage
from tests.faults.servers import Server, SimulatedCitizen, server_env


def test_several_workers_on_sqlite_are_refused_with_the_reason(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        serve, ["--workers", "2"], env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    )
    assert result.exit_code == 2
    assert "need PostgreSQL" in result.output
    result = CliRunner().invoke(
        serve, [], env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "WEB_CONCURRENCY": "3"}
    )
    assert result.exit_code == 2 and "3 workers" in result.output


def test_connections_accepted_by_a_worker_have_nagle_off() -> None:
    listener = listening_socket("127.0.0.1", 0)
    try:
        client = socket.create_connection(listener.getsockname()[:2])
        accepted, _ = listener.accept()
        # Inherited from the listening socket: small replies leave at once, not after the
        # client's delayed ACK (~40 ms a request on keep-alive connections).
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        accepted.close()
        client.close()
    finally:
        listener.close()


def test_two_workers_serve_chats_and_sigterm_lets_messages_in_flight_finish(
    postgresql_engine: Engine, redis_client: redis.Redis, tmp_path: Path
) -> None:
    kwargs = redis_client.connection_pool.connection_kwargs
    redis_url = f"redis://127.0.0.1:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
    database = postgresql_engine.url.render_as_string(hide_password=False)
    server = Server(
        server_env(database, redis_url, tmp_path / "data"), tmp_path / "serve.log", workers=2
    )
    server.start()
    cut: list[str] = []  # message ids sent but not answered
    lock = threading.Lock()
    started = threading.Barrier(21)

    def chat(n: int) -> None:
        citizen = SimulatedCitizen(server.url, f"worker-chat-{n}", serial=200 + n)
        assert "Apa yang ingin Anda lakukan?" in citizen.say("menu")  # both workers warm
        started.wait()
        for _ in range(5):
            try:
                response = citizen.post({"text": "menu"})
            except httpx.HTTPError:
                # Refused, or reset while waiting in the listen queue after SIGTERM.
                with lock:
                    cut.append(f"{citizen.user}-{citizen.counter}")
                return
            assert "Apa yang ingin Anda lakukan?" in response.text

    try:
        threads = [threading.Thread(target=chat, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        started.wait()
        server.signal(signal.SIGTERM)
        for thread in threads:
            thread.join()
        assert server.wait() == 0
    finally:
        server.stop()
    # Every message a worker had begun was finished and answered: none of the unanswered
    # ones was handled, so the provider's retry starts clean.
    with Session(postgresql_engine) as session:
        handled = set(session.exec(select(ProcessedMessage.message_id)))
    assert not handled & set(cut)
    assert len(handled) >= 20  # the first message of every chat, at least


def test_several_outbox_worker_processes_are_refused_on_sqlite(tmp_path: Path) -> None:
    from bot.cli.worker import worker

    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    result = CliRunner().invoke(worker, ["--processes", "2"], env=env)
    assert result.exit_code == 2 and "need PostgreSQL" in result.output
    result = CliRunner().invoke(worker, ["--processes", "2", "--once"], env=env)
    assert result.exit_code == 2 and "--once" in result.output

"""PostgreSQL unreachable while the server runs: webhooks answer 503 with Retry-After (the
provider delivers again later), /readyz says so while /healthz stays up, and the server
recovers by itself when the database is back (no restart)."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import Engine
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from tests.doubles.twilio_api import ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER, inbound_form
from tests.faults.servers import Server, server_env
from tests.faults.tcp_proxy import TcpProxy

PUBLIC = "https://bot.example.go.id"


def whatsapp(server: Server, text: str) -> httpx.Response:
    form = inbound_form("6281299990000", body=text)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + "/webhook/whatsapp", form)
    return httpx.post(
        f"{server.url}/webhook/whatsapp",
        data=form,
        headers={"X-Twilio-Signature": signature},
        timeout=30,
    )


def simulator(server: Server, text: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/simulator/messages", json={"user": "down-1", "text": text}, timeout=30
    )


def test_database_unreachable_then_back(postgresql_engine: Engine, tmp_path: Path) -> None:
    url = postgresql_engine.url
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).up()
    through_proxy = url.set(host="127.0.0.1", port=proxy.port)
    env = server_env(through_proxy.render_as_string(hide_password=False), None, tmp_path / "d")
    env.update(
        {
            "PUBLIC_BASE_URL": PUBLIC,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_WHATSAPP_FROM": TWILIO_NUMBER,
            "TWILIO_API_BASE_URL": "http://127.0.0.1:9",  # never called: replies are TwiML
        }
    )
    server = Server(env, tmp_path / "serve.log")
    server.start()
    try:
        assert simulator(server, "menu").status_code == 200
        assert whatsapp(server, "menu").status_code == 200

        proxy.down()
        for send in (simulator, whatsapp):
            answer = send(server, "menu")
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"] == "5"
            assert "Traceback" not in answer.text and "psycopg" not in answer.text
        ready = httpx.get(f"{server.url}/readyz", timeout=30)
        assert ready.status_code == 503 and ready.json()["database"]["ok"] is False
        assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200

        proxy.up()  # the same address again: the database is back
        # The provider's next delivery; a pooled connection that died with the outage may
        # cost one more 503 before the pool is refreshed.
        answers = [simulator(server, "menu").status_code for _ in range(3)]
        assert answers[-1] == 200 and answers.count(503) <= 1, answers
        assert whatsapp(server, "menu").status_code == 200
        assert httpx.get(f"{server.url}/readyz", timeout=30).status_code == 200
    finally:
        server.stop()
        proxy.down()

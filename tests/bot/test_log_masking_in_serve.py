"""`dtsen-bot serve` in a process of its own: a database error while an usulan is filed
is logged with its traceback, and neither the NIK, the KK nor a name appears in clear."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from models.process_keys import LiveProcess, live_processes
from tests.conversations.transcript import KK, NIK_MAN, USULAN_TYPED
from tests.images import tiny_png

REFUSE_SQLITE = (
    "CREATE TRIGGER refuse_request BEFORE INSERT ON request "
    "BEGIN SELECT RAISE(ABORT, 'disk is full'); END"
)
# PostgreSQL's error names the row's NIK column, as a real constraint error would
# (Key (nik)=...): since the sealing, that is the sealed value, never the NIK.
REFUSE_POSTGRES = (
    "CREATE FUNCTION refuse_request() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'cannot file %%', NEW.nik; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER refuse_request BEFORE INSERT ON request "
    "FOR EACH ROW EXECUTE FUNCTION refuse_request()",
)
UNDO_POSTGRES = (
    "DROP TRIGGER IF EXISTS refuse_request ON request",
    "DROP FUNCTION IF EXISTS refuse_request()",
)


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def refusing_database(db_engine: Engine) -> Iterator[Engine]:
    yield db_engine
    if db_engine.dialect.name == "postgresql":
        with db_engine.begin() as conn:
            for statement in UNDO_POSTGRES:
                conn.exec_driver_sql(statement)


def test_a_database_error_during_submit_is_logged_without_personal_data(
    refusing_database: Engine, tmp_path: Path, free_tcp_port: int
) -> None:
    engine = refusing_database
    log_path = tmp_path / "serve.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM", "TWILIO"))},
        "DATABASE_URL": _url(engine),
        "DATA_DIR": str(tmp_path / "var"),
        "REDIS_URL": "",
        "PUBLIC_BASE_URL": "",
        "WORKER_IN_SERVE": "false",
    }
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "dtsen-bot"), "serve", "--port", str(free_tcp_port)],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{free_tcp_port}"
        with httpx.Client(base_url=base, timeout=30) as client:
            _wait_until_up(client, server)

            def send(**fields: object) -> httpx.Response:
                return client.post("/api/simulator/messages", json={"user": "demo", **fields})

            for said, _expected in USULAN_TYPED:
                assert send(text=said).status_code == 200
            photo = "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
            send(photo=photo)
            send(photo=photo)
            send(location={"lat": -6.93, "lon": 107.72})
            assert "Ringkasan" in send(text="0812 3456 7890").text

            with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    for statement in REFUSE_POSTGRES:
                        conn.exec_driver_sql(statement)
                else:
                    conn.exec_driver_sql(REFUSE_SQLITE)
            assert send(text="ya").status_code == 500
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)

    logged = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" in logged  # the error was logged, with its traceback
    for secret in (NIK_MAN, KK, "Budi Santoso", "Jl. Melati"):
        assert secret not in logged, secret
    if engine.dialect.name == "postgresql":
        # The database itself never sees the NIK: its error names the sealed value.
        assert "cannot file v2:" in logged


def _announced(engine: Engine) -> list[LiveProcess]:
    """The live processes, once the server's first heartbeat (a task of its start) is in."""
    deadline = time.monotonic() + 30
    while not (found := live_processes(engine)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def _wait_until_up(client: httpx.Client, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError("serve exited before it answered")
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("serve did not answer /healthz within a minute")


# A WhatsApp chat is named by its phone number. The database refuses the request at the
# submit; on PostgreSQL its error names the row's chat id, as a constraint error would
# (Key (chat_id)=...), and SQLAlchemy's traceback lists every parameter of the insert.
REFUSE_CHAT_POSTGRES = (
    "CREATE FUNCTION refuse_request() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'cannot file for %%', NEW.chat_id; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER refuse_request BEFORE INSERT ON request "
    "FOR EACH ROW EXECUTE FUNCTION refuse_request()",
)
PHONE = "6281234567890"
PHONE_FORMS = (PHONE, "+" + PHONE, "0" + PHONE[2:], PHONE[2:], "0812 3456 7890", "0812-3456-7890")
PUBLIC = "https://bot.example.go.id"


def test_a_whatsapp_chat_failing_in_the_database_is_logged_without_its_phone_number(
    refusing_database: Engine, tmp_path: Path, free_tcp_port: int
) -> None:
    from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

    from tests.doubles.twilio_api import (
        ACCOUNT_SID,
        AUTH_TOKEN,
        TWILIO_NUMBER,
        inbound_form,
        running_twilio_api,
    )

    engine = refusing_database
    log_path = tmp_path / "serve.log"
    with running_twilio_api() as twilio, log_path.open("wb") as log:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM", "TWILIO"))},
            "DATABASE_URL": _url(engine),
            "DATA_DIR": str(tmp_path / "var"),
            "REDIS_URL": "",
            "PUBLIC_BASE_URL": PUBLIC,
            "WORKER_IN_SERVE": "false",
            "PHOTO_CHECKS": "off",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_WHATSAPP_FROM": TWILIO_NUMBER,
            "TWILIO_API_BASE_URL": twilio.url,
            "LOG_LEVEL": "DEBUG",  # whatever a developer logs on the way, too
        }
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "dtsen-bot"), "serve", "--port", str(free_tcp_port)],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{free_tcp_port}", timeout=30) as client:
                _wait_until_up(client, server)
                # Serving, it has recorded the key versions it holds (for `keys rotate`).
                (serving,) = _announced(engine)
                assert (serving.pid, serving.role, serving.versions) == (
                    server.pid,
                    "serve",
                    {1, 2},
                )

                def send(**fields: str) -> httpx.Response:
                    form = inbound_form(PHONE, **fields)
                    signature = RequestValidator(AUTH_TOKEN).compute_signature(
                        PUBLIC + "/webhook/whatsapp", form
                    )
                    return client.post(
                        "/webhook/whatsapp", data=form, headers={"X-Twilio-Signature": signature}
                    )

                def photo() -> httpx.Response:
                    url = twilio.add_media(tiny_png(), "image/png")
                    return send(
                        MessageType="image",
                        NumMedia="1",
                        MediaUrl0=url,
                        MediaContentType0="image/png",
                    )

                for said, expected in USULAN_TYPED:
                    answered = send(body=said)
                    assert expected in answered.text, (said, answered.text)
                assert "foto rumah" in photo().text
                assert "lokasi" in photo().text
                located = send(MessageType="location", Latitude="-6.93", Longitude="107.72")
                assert "Nomor HP" in located.text
                assert "Ringkasan" in send(body="0812-3456-7890").text

                with engine.begin() as conn:
                    if engine.dialect.name == "postgresql":
                        for statement in REFUSE_CHAT_POSTGRES:
                            conn.exec_driver_sql(statement)
                    else:
                        conn.exec_driver_sql(REFUSE_SQLITE)
                assert send(body="ya").status_code == 500
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)

    assert live_processes(engine) == []  # stopped cleanly: forgotten
    logged = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" in logged and "INSERT INTO request" in logged  # the error was logged
    for form in (*PHONE_FORMS, NIK_MAN, KK):
        assert form not in logged, form

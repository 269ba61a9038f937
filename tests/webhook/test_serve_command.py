"""`dtsen-bot serve`: what it tells the operator before starting, and how it starts uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import bot.cli.serve
from bot.cli.serve import (
    browser_url,
    describe_database,
    describe_state_store,
    serve,
    startup_lines,
)
from bot.settings import Settings


def test_sqlite_is_shown_as_an_absolute_file_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert describe_database("sqlite:///dtsen-bot.db") == f"SQLite file {tmp_path}/dtsen-bot.db"
    assert "in memory" in describe_database("sqlite://")


def test_postgres_shows_host_and_database_never_the_password() -> None:
    text = describe_database("postgresql://dtsen:s3cret@db.example:5433/dtsen")

    assert text == "PostgreSQL at db.example:5433, database dtsen"
    assert "s3cret" not in text
    assert "dtsen:" not in text


def test_conversation_state_location() -> None:
    in_db = describe_state_store(Settings(redis_url=None))
    in_redis = describe_state_store(Settings(redis_url="redis://:hunter2@cache:6380/2"))

    assert "database" in in_db
    assert in_redis == "in Redis at cache:6380, db 2"


def test_wildcard_hosts_are_shown_as_loopback() -> None:
    assert browser_url("0.0.0.0", 8000) == "http://127.0.0.1:8000/"
    assert browser_url("::1", 8080) == "http://[::1]:8080/"


def test_serve_prints_where_things_are_then_runs_uvicorn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    calls: list[dict[str, Any]] = []

    def fake_run(settings: Settings, host: str, port: int, workers: int) -> None:
        calls.append({"host": host, "port": port, "workers": workers})
        print("UVICORN STARTED")

    monkeypatch.setattr(bot.cli.serve, "_run_uvicorn", fake_run)
    env = {
        "DATABASE_URL": "postgresql://dtsen:s3cret@db.example/dtsen",
        "REDIS_URL": "",
        "SIMULATOR_ENABLED": "true",
    }

    result = CliRunner().invoke(serve, ["--port", "8123"], env=env)

    assert result.exit_code == 0, result.output
    out = result.output
    assert "http://127.0.0.1:8123/" in out
    assert "http://127.0.0.1:8123/healthz" in out
    assert "PostgreSQL at db.example" in out
    assert "s3cret" not in out
    assert "conversation states" in out
    # Printed before starting, stopped message after.
    assert out.index("Chat page") < out.index("UVICORN STARTED") < out.index("stopped")
    assert calls == [{"host": "127.0.0.1", "port": 8123, "workers": 1}]


def test_serve_says_when_the_chat_page_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(bot.cli.serve, "_run_uvicorn", lambda *args: None)

    result = CliRunner().invoke(
        serve, [], env={"SIMULATOR_ENABLED": "false", "DATABASE_URL": "sqlite://"}
    )

    assert result.exit_code == 0, result.output
    assert "Chat page:        off" in result.output


def test_serve_says_where_the_staff_dashboard_is_and_whether_whatsapp_is_on() -> None:
    from bot.cli.serve import startup_lines
    from tests.webhook.support import settings_for_test

    off = startup_lines(settings_for_test(), "127.0.0.1", 8000)
    assert "Staff dashboard:  http://127.0.0.1:8000/staff/  (accounts: dtsen-bot staff add)" in off
    assert any(line.startswith("WhatsApp:         off") for line in off)
    on = startup_lines(
        settings_for_test(
            public_base_url="https://bot.example.go.id",
            twilio_account_sid="AC1",
            twilio_auth_token="secret",
        ),
        "127.0.0.1",
        8000,
    )
    assert "WhatsApp:         webhook at https://bot.example.go.id/webhook/whatsapp" in on


def test_serve_warns_when_the_chat_page_is_on_at_a_public_address() -> None:
    public = "https://bot.example.go.id"
    quiet = startup_lines(Settings(_env_file=None, public_base_url=public), "0.0.0.0", 8000)
    assert any(line.startswith("Chat page:        off") for line in quiet)
    assert not any("WARNING" in line for line in quiet)
    asked = Settings(_env_file=None, public_base_url=public, simulator_enabled=True)
    loud = startup_lines(asked, "0.0.0.0", 8000)
    assert any(line.startswith("WARNING: the chat page is on at a public address") for line in loud)

"""`dtsen-bot telegram set-webhook` and `dtsen-bot telegram polling`, against the local Bot
API double (the polling command runs as a real process and is stopped with Ctrl-C)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.doubles.telegram_bot_api import TelegramBotApiDouble, Updates

SECRET = "cli-Secret_0123456789"


@pytest.fixture
def double() -> Iterator[TelegramBotApiDouble]:
    with TelegramBotApiDouble() as running:
        yield running


def env_for(double: TelegramBotApiDouble, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": double.token,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": double.base_url,
        "TELEGRAM_FILE_BASE_URL": double.file_base_url,
        "PUBLIC_BASE_URL": "https://bot.example.go.id",
        "ALLOW_INSECURE_WEBHOOKS": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dtsen.db'}",
        "DATA_DIR": str(tmp_path / "var"),
        "REDIS_URL": "",
        **extra,
    }


def set_webhook(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["telegram", "set-webhook", *args], env=env)
    return result.exit_code, result.output


def test_set_webhook_registers_the_url_the_secret_and_the_update_kinds(
    double: TelegramBotApiDouble, tmp_path: Path
) -> None:
    code, output = set_webhook(env_for(double, tmp_path))

    assert code == 0, output
    [call] = double.calls_to("setWebhook")
    assert call.params["url"] == "https://bot.example.go.id/webhook/telegram"
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert call.params.get("drop_pending_updates") in (None, False)
    assert "https://bot.example.go.id/webhook/telegram" in output and SECRET not in output
    # The "/" menu comes with it, in Indonesian and (for English-language apps) English.
    assert sorted(double.commands) == ["", "en"]
    assert double.commands[""][0] == {"command": "menu", "description": "Menu utama"}


def test_set_webhook_can_drop_what_telegram_still_holds(
    double: TelegramBotApiDouble, tmp_path: Path
) -> None:
    code, output = set_webhook(env_for(double, tmp_path), "--drop-pending-updates")
    assert code == 0, output
    assert double.calls_to("setWebhook")[0].params["drop_pending_updates"] is True


@pytest.mark.parametrize(
    ("missing", "complaint"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL is not set"),
        ({"TELEGRAM_WEBHOOK_SECRET": ""}, "TELEGRAM_WEBHOOK_SECRET is not"),
    ],
)
def test_set_webhook_refuses_an_incomplete_or_unsafe_setup(
    double: TelegramBotApiDouble, tmp_path: Path, missing: dict[str, str], complaint: str
) -> None:
    code, output = set_webhook(env_for(double, tmp_path, **missing))
    assert code != 0 and complaint in output
    assert double.calls_to("setWebhook", ok_only=False) == []


def test_set_webhook_reports_telegrams_refusal(
    double: TelegramBotApiDouble, tmp_path: Path
) -> None:
    code, output = set_webhook(env_for(double, tmp_path, PUBLIC_BASE_URL="http://plain.example"))
    assert code != 0 and "https url must be provided" in output.lower()


def _default_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_the_polling_command_answers_citizens_and_stops_on_ctrl_c(
    double: TelegramBotApiDouble, tmp_path: Path
) -> None:
    double.push_updates(Updates(chat_id=4242).text("/start"))
    env = {**os.environ, **env_for(double, tmp_path, PUBLIC_BASE_URL="")}
    process = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import main; main()", "telegram", "polling"],
        env=env,
        cwd=tmp_path,  # no .env of the developer's is read
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # A shell's background job ignores SIGINT and children inherit that; Ctrl-C is what
        # is tested here, so the child gets the default disposition back.
        preexec_fn=_default_ctrl_c,
    )
    try:
        double.wait_for(lambda: len(double.texts(4242)) >= 2, timeout=30, what="the menu")
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)

    assert process.returncode == 0, output
    assert double.texts(4242)[1].startswith("Apa yang ingin Anda lakukan?")
    assert "long polling started" in output and "long polling stopped" in output
    assert (tmp_path / "dtsen.db").exists()  # the real container, on its own database

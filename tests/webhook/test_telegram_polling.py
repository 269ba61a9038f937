"""`serve` with a token and no public address: the app polls Telegram in the background,
through the same path as the webhook, into the real service and database."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from bot.channels.telegram.config import TelegramConfigError
from bot.cli.serve import startup_lines
from bot.settings import Settings
from models.tables import ProcessedMessage
from tests.doubles.telegram_bot_api import LONG_POLL_CAP_SECONDS, TelegramBotApiDouble, Updates
from webhook.app import create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

CHAT = 700_300_400


@pytest.fixture
def double() -> Iterator[TelegramBotApiDouble]:
    with TelegramBotApiDouble() as running:
        yield running


def polling_settings(double: TelegramBotApiDouble, tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'dtsen.db'}",
        data_dir=tmp_path / "var",
        redis_url=None,
        public_base_url=None,  # no public address: long polling
        telegram_bot_token=double.token,
        telegram_api_base_url=double.base_url,
        telegram_file_base_url=double.file_base_url,
    )


def test_serve_without_a_public_address_polls_and_answers(
    double: TelegramBotApiDouble, tmp_path: Path
) -> None:
    updates = Updates(chat_id=CHAT)
    double.push_updates(updates.text("/start"))

    with TestClient(create_app(polling_settings(double, tmp_path))) as client:
        double.wait_for(lambda: len(double.texts(CHAT)) >= 2, what="the menu")
        welcome, menu = double.messages(CHAT)[:2]
        assert welcome["text"].startswith("Halo!")
        assert menu["reply_markup"]["inline_keyboard"][4] == [
            {"text": "5. Cek status permohonan", "callback_data": "menu=status"}
        ]
        double.push_updates(updates.press("menu=status", message_id=1002))
        double.wait_for(lambda: any("Permohonan mana" in t for t in double.texts(CHAT)))
        engine = client.app.state.container.engine  # type: ignore[attr-defined]
        with Session(engine) as session:
            stored = session.exec(select(func.count()).select_from(ProcessedMessage)).one()
        assert stored == 2
    # Stopping the app stops polling: no poll starts after the lifespan ended.
    stopped = time.monotonic()
    time.sleep(2 * LONG_POLL_CAP_SECONDS)
    assert all(c.at < stopped for c in double.calls_to("getUpdates", ok_only=False))


def test_a_rejected_token_does_not_start_the_app(
    double: TelegramBotApiDouble, tmp_path: Path
) -> None:
    settings = polling_settings(double, tmp_path)
    settings.telegram_bot_token = "999:not-the-token"
    with pytest.raises(TelegramConfigError, match="rejected"), TestClient(create_app(settings)):
        pass


def test_serve_says_which_telegram_mode_it_runs(tmp_path: Path) -> None:
    def mode(**values: object) -> str:
        lines = startup_lines(Settings(**values), "127.0.0.1", 8000)  # type: ignore[arg-type]
        return next(line for line in lines if line.startswith("Telegram:"))

    assert mode(telegram_bot_token=None) == "Telegram:         off (TELEGRAM_BOT_TOKEN not set)"
    assert mode(telegram_bot_token="1:x") == "Telegram:         long polling (no PUBLIC_BASE_URL)"
    webhook = mode(telegram_bot_token="1:x", public_base_url="https://bot.example.go.id/")
    assert webhook == "Telegram:         webhook at https://bot.example.go.id/webhook/telegram"

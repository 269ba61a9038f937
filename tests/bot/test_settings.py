"""Settings are read from the environment as an operator writes them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.settings import Settings


def test_defaults_need_nothing_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "HOST", "PORT", "SIMULATOR_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_url == "sqlite:///dtsen-bot.db"
    assert settings.redis_url is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.conversation_ttl == timedelta(days=7)


@pytest.mark.parametrize(
    ("written", "meant"),
    [("P7D", timedelta(days=7)), ("PT30M", timedelta(minutes=30)), ("1800", timedelta(minutes=30))],
)
def test_durations_are_iso_or_plain_seconds(
    monkeypatch: pytest.MonkeyPatch, written: str, meant: timedelta
) -> None:
    monkeypatch.setenv("RESUME_PROMPT_AFTER", written)
    assert Settings(_env_file=None).resume_prompt_after == meant


def test_the_simulator_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMULATOR_ENABLED", "false")
    assert Settings(_env_file=None).simulator_enabled is False


def test_the_simulator_is_on_only_for_a_first_local_run(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SIMULATOR_ENABLED",
        "PUBLIC_BASE_URL",
        "TELEGRAM_BOT_TOKEN",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    assert Settings(_env_file=None).simulator_enabled is True  # the README's two commands
    assert (
        Settings(_env_file=None, public_base_url="https://bot.example.go.id").simulator_enabled
        is False
    )
    assert Settings(_env_file=None, telegram_bot_token="123:abc").simulator_enabled is False
    assert (
        Settings(_env_file=None, twilio_account_sid="AC1", twilio_auth_token="t").simulator_enabled
        is False
    )
    monkeypatch.setenv("SIMULATOR_ENABLED", "true")
    asked = Settings(_env_file=None, public_base_url="https://bot.example.go.id")
    assert asked.simulator_enabled is True

"""The WhatsApp settings as an operator writes them in the environment."""

from __future__ import annotations

import pytest

from bot.channels.whatsapp.config import WhatsAppConfig
from bot.settings import Settings


def test_templates_and_quick_replies_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TWILIO_TEMPLATES", '{"status_changed": "HX111", "digest": "HX222"}')
    monkeypatch.setenv("TWILIO_QUICK_REPLY_3", "HX333")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.example.go.id/")
    config = WhatsAppConfig.from_settings(Settings(_env_file=None))
    assert config.templates == {"status_changed": "HX111", "digest": "HX222"}
    assert config.quick_replies == {3: "HX333"}
    assert config.status_callback == "https://bot.example.go.id/webhook/whatsapp/status"


@pytest.mark.parametrize(
    ("values", "enabled", "can_send"),
    [
        ({}, False, False),
        ({"public_base_url": "https://b.example", "twilio_auth_token": "t"}, False, False),
        (
            {
                "public_base_url": "https://b.example",
                "twilio_account_sid": "AC1",
                "twilio_auth_token": "t",
            },
            True,
            False,
        ),
        (
            {
                "public_base_url": "https://b.example",
                "twilio_account_sid": "AC1",
                "twilio_auth_token": "t",
                "twilio_whatsapp_from": "whatsapp:+14155238886",
            },
            True,
            True,
        ),
        ({"allow_insecure_webhooks": True}, True, False),
    ],
)
def test_the_channel_is_on_only_when_it_can_check_signatures(
    values: dict[str, object], enabled: bool, can_send: bool
) -> None:
    config = WhatsAppConfig.from_settings(Settings(_env_file=None, **values))  # type: ignore[arg-type]
    assert (config.webhooks_enabled, config.can_send) == (enabled, can_send)

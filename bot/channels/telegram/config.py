"""Which Telegram mode the settings ask for, and whether that mode is safe to run."""

from __future__ import annotations

import re
from typing import Final, Literal

from bot.settings import Settings

Mode = Literal["off", "webhook", "polling"]

WEBHOOK_PATH: Final = "/webhook/telegram"
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
# The update kinds the bot reads; Telegram sends nothing else (set-webhook and getUpdates).
ALLOWED_UPDATES: Final = ("message", "edited_message", "callback_query")
# Telegram accepts 1-256 of these characters as a webhook secret, nothing else.
_SECRET_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")


class TelegramConfigError(RuntimeError):
    """The settings would run the Telegram channel in an unsafe or impossible way."""


def telegram_mode(settings: Settings) -> Mode:
    """Off without a token; a webhook when the public address is known; else long polling."""
    if not settings.telegram_bot_token:
        return "off"
    return "webhook" if settings.public_base_url else "polling"


def webhook_url(settings: Settings) -> str:
    if not settings.public_base_url:
        raise TelegramConfigError("PUBLIC_BASE_URL is not set: Telegram cannot reach the bot.")
    return settings.public_base_url.rstrip("/") + WEBHOOK_PATH


def check_telegram_settings(settings: Settings) -> None:
    """Refuse a webhook anyone could post forged updates to (any chat id, any answer).

    Without TELEGRAM_WEBHOOK_SECRET the route cannot tell Telegram from an attacker, so a
    webhook without it runs only when ALLOW_INSECURE_WEBHOOKS says this is local development.
    """
    mode = telegram_mode(settings)
    secret = settings.telegram_webhook_secret
    if mode != "off" and secret and not _SECRET_RE.fullmatch(secret):
        raise TelegramConfigError(
            "TELEGRAM_WEBHOOK_SECRET may only hold 1-256 letters, digits, '_' and '-' "
            "(Telegram's rule); generate one with: python3 -c "
            "'import secrets; print(secrets.token_urlsafe(32))'"
        )
    if mode == "webhook" and not secret and not settings.allow_insecure_webhooks:
        raise TelegramConfigError(
            "TELEGRAM_BOT_TOKEN and PUBLIC_BASE_URL are set (webhook mode) but "
            "TELEGRAM_WEBHOOK_SECRET is not: anyone could post fake updates. Set the secret "
            "(see docs/telegram.md), or ALLOW_INSECURE_WEBHOOKS=true for local development only."
        )


def describe_mode(settings: Settings) -> str:
    """One line for `serve`'s start-up output."""
    mode = telegram_mode(settings)
    if mode == "off":
        return "off (TELEGRAM_BOT_TOKEN not set)"
    if mode == "webhook":
        return f"webhook at {webhook_url(settings)}"
    return "long polling (no PUBLIC_BASE_URL)"

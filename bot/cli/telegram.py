"""`dtsen-bot telegram set-webhook` and `dtsen-bot telegram polling` (see docs/telegram.md)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

import click

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.container import Container

# Imports of the bot stack stay inside the commands: `dtsen-bot --help` should not load it.


@click.group()
def telegram() -> None:
    """Telegram: register the webhook, or run long polling."""


def _settings() -> Settings:
    from bot.channels.telegram.config import TelegramConfigError, check_telegram_settings

    settings = Settings()
    if not settings.telegram_bot_token:
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set (see docs/telegram.md).")
    try:
        check_telegram_settings(settings)
    except TelegramConfigError as error:
        raise click.ClickException(str(error)) from None
    return settings


@telegram.command("set-webhook")
@click.option(
    "--drop-pending-updates",
    is_flag=True,
    help="Forget updates Telegram is still holding (they will not be answered).",
)
def set_webhook(drop_pending_updates: bool) -> None:
    """Tell Telegram to send updates to PUBLIC_BASE_URL/webhook/telegram, with the secret."""
    from telegram.error import TelegramError

    from bot.channels.telegram.config import ALLOWED_UPDATES, TelegramConfigError, webhook_url

    settings = _settings()
    try:
        url = webhook_url(settings)
    except TelegramConfigError as error:
        raise click.ClickException(str(error)) from None
    try:
        asyncio.run(_set_webhook(settings, url, drop_pending_updates))
    except (TelegramError, TelegramConfigError) as error:
        raise click.ClickException(f"Telegram refused: {error}") from None
    click.echo(f"Webhook set: {url}")
    click.echo(f"Updates:     {', '.join(ALLOWED_UPDATES)}")
    if settings.telegram_webhook_secret:
        click.echo(f"Secret:      sent in the {_secret_header()} header, checked by the app")
    else:
        click.echo("Secret:      NONE (ALLOW_INSECURE_WEBHOOKS): for local development only")


def _secret_header() -> str:
    from bot.channels.telegram.config import SECRET_HEADER

    return SECRET_HEADER


async def _set_webhook(settings: Settings, url: str, drop_pending_updates: bool) -> None:
    from bot.channels.telegram.client import build_bot, register_commands
    from bot.channels.telegram.config import ALLOWED_UPDATES

    async with build_bot(settings) as bot:
        await bot.set_webhook(
            url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=drop_pending_updates,
        )
        await register_commands(bot)


@telegram.command()
def polling() -> None:
    """Fetch updates from Telegram (getUpdates) and answer them; for a machine without a
    public address. Removes a registered webhook. Stop with Ctrl-C."""
    from bot.container import build

    settings = _settings()
    if settings.public_base_url:
        click.echo(
            "PUBLIC_BASE_URL is set, but polling removes the webhook; "
            "run `dtsen-bot telegram set-webhook` again to go back to it."
        )
    from bot.channels.telegram.config import TelegramConfigError

    container = build(settings)
    click.echo("Telegram long polling started. Press Ctrl-C to stop.")
    try:
        # asyncio.run cancels the loop on Ctrl-C; an unconfirmed update comes again next time.
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_poll(settings, container))
    except TelegramConfigError as error:
        raise click.ClickException(str(error)) from None
    finally:
        container.close()
    click.echo("Telegram long polling stopped.")


async def _poll(settings: Settings, container: Container) -> None:
    from bot.channels.telegram.channel import TelegramChannel
    from bot.channels.telegram.client import build_bot, start_bot
    from bot.channels.telegram.polling import run_polling

    bot = build_bot(settings)
    await start_bot(bot)
    try:
        channel = TelegramChannel(
            bot=bot,
            service=container.service,
            max_photo_bytes=settings.max_photo_bytes,
            engine=container.engine,
        )
        await run_polling(channel)
    finally:
        await bot.shutdown()

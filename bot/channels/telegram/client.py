"""The python-telegram-bot `ExtBot`, built from settings.

TELEGRAM_API_BASE_URL and TELEGRAM_FILE_BASE_URL are in PTB's `base_url`/`base_file_url`
form (the token is appended), so tests point the real library at a local Bot API double.
"""

from __future__ import annotations

import logging
from typing import Final

from telegram import BotCommand
from telegram.error import InvalidToken, TelegramError
from telegram.ext import BaseRateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.channels.telegram.config import TelegramConfigError
from bot.channels.telegram.ratelimit import TelegramRateLimiter
from bot.channels.telegram.updates import COMMAND_WORDS, BotIdentity
from bot.settings import Settings
from conversations.catalogue import DEFAULT_LANGUAGE, LANGUAGES, catalogue

log = logging.getLogger(__name__)

# A webhook request waits for these calls; they must end well before Telegram gives up on it.
CONNECT_TIMEOUT: Final = 10.0
READ_TIMEOUT: Final = 15.0
WRITE_TIMEOUT: Final = 15.0


def build_bot(
    settings: Settings, *, rate_limiter: BaseRateLimiter[int] | None = None
) -> ExtBot[int]:
    token = settings.telegram_bot_token
    if not token:
        raise TelegramConfigError("TELEGRAM_BOT_TOKEN is not set (see docs/telegram.md).")
    request = HTTPXRequest(
        connection_pool_size=64,
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        write_timeout=WRITE_TIMEOUT,
        media_write_timeout=WRITE_TIMEOUT,
    )
    # Long polling holds one connection open; a separate pool keeps sends from queueing
    # behind it. PTB adds the poll's own timeout to this read timeout.
    polling_request = HTTPXRequest(
        connection_pool_size=2, connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT
    )
    return ExtBot(
        token,
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_base_url,
        request=request,
        get_updates_request=polling_request,
        rate_limiter=rate_limiter or TelegramRateLimiter(),
    )


async def start_bot(bot: ExtBot[int]) -> None:
    """Open the HTTP clients and ask getMe who we are.

    A rejected token is a configuration error and stops the start. Telegram being out of
    reach is not: the chat page and health check must still come up, and sends will fail
    (and be retried) until Telegram answers again.
    """
    try:
        await bot.initialize()
    except InvalidToken as error:
        await bot.shutdown()  # the HTTP clients were opened before getMe was refused
        raise TelegramConfigError(
            "Telegram rejected TELEGRAM_BOT_TOKEN; copy it again from @BotFather."
        ) from error
    except TelegramError as error:
        log.warning("Telegram is not reachable at start-up (%s); continuing", error)


def identity(bot: ExtBot[int]) -> BotIdentity:
    """The bot's id (the token's first part) and, once getMe has answered, its username."""
    try:
        return BotIdentity(bot.id, bot.username)
    except RuntimeError:  # getMe has not answered (Telegram unreachable at start-up)
        head = bot.token.split(":", 1)[0]
        return BotIdentity(int(head) if head.isdigit() else 0, None)


async def register_commands(bot: ExtBot[int]) -> None:
    """The "/" menu in Telegram: Indonesian for everyone, English for English-language apps."""
    shown = [name for name in COMMAND_WORDS if name != "start"]
    for language in LANGUAGES:
        cat = catalogue(language)
        commands = [BotCommand(name, cat.text(f"telegram.command.{name}")) for name in shown]
        await bot.set_my_commands(
            commands, language_code=None if language == DEFAULT_LANGUAGE else language
        )

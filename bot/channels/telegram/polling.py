"""Long polling: for a machine Telegram cannot reach (no public address).

A plain getUpdates loop rather than PTB's `Updater`, because the Updater confirms updates
as soon as it has fetched them. Here an update is confirmed (the next `offset` moves past
it) only once `TelegramChannel.handle_update` finished it, the same function the webhook
calls. A failure (database down, Telegram unreachable) is retried with the same update, so
polling keeps the webhook's promise: effects once, replies at least once.

Updates are handled one at a time, in order: enough for a village-scale bot. The webhook is
the mode that scales out over several workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final

from telegram import Update
from telegram.error import InvalidToken, TelegramError

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.client import register_commands
from bot.channels.telegram.config import ALLOWED_UPDATES

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS: Final = 30
FIRST_RETRY_SECONDS: Final = 1.0
MAX_RETRY_SECONDS: Final = 60.0


async def run_polling(channel: TelegramChannel, stop: asyncio.Event | None = None) -> None:
    """Poll until `stop` is set (or the task is cancelled). A rejected token ends it."""
    stop = stop or asyncio.Event()
    bot = channel.bot
    delay = _Backoff()
    while not stop.is_set():
        try:
            # getUpdates is refused while a webhook is registered: polling takes over.
            await bot.delete_webhook(drop_pending_updates=False)
            with contextlib.suppress(TelegramError):
                await register_commands(bot)
            break
        except InvalidToken:
            raise
        except TelegramError as error:
            log.warning("Telegram not reachable to start polling (%s)", error)
            await delay.wait(stop)
    offset: int | None = None
    while not stop.is_set():
        try:
            updates = await bot.get_updates(
                offset=offset, timeout=POLL_TIMEOUT_SECONDS, allowed_updates=list(ALLOWED_UPDATES)
            )
        except InvalidToken:
            raise
        except TelegramError as error:
            # Network trouble, or 409 when another process polls with the same token.
            log.warning("getUpdates failed (%s); trying again", error)
            await delay.wait(stop)
            continue
        delay.reset()
        for update in updates:
            if not await _handle_until_done(channel, update, stop):
                return
            offset = update.update_id + 1


async def _handle_until_done(channel: TelegramChannel, update: Update, stop: asyncio.Event) -> bool:
    """True once handled; False when asked to stop first (the update stays unconfirmed and
    comes again on the next start)."""
    delay = _Backoff()
    while not stop.is_set():
        try:
            await channel.handle_update(update)
            return True
        except Exception:
            log.exception("Telegram update %s failed; trying it again", update.update_id)
            await delay.wait(stop)
    return False


class _Backoff:
    def __init__(self) -> None:
        self.seconds = FIRST_RETRY_SECONDS

    def reset(self) -> None:
        self.seconds = FIRST_RETRY_SECONDS

    async def wait(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), self.seconds)
        self.seconds = min(self.seconds * 2, MAX_RETRY_SECONDS)

"""Notifications over Telegram (a status change, a digest): messages outside a reply.

Telegram has no 24-hour window: a chat that has not blocked the bot can always get a
free-form message, so the answer is "free_form" or "unreachable". The pace (about 30 a
second for the bot, about one a second per chat) is kept by the bot's rate limiter, which
also waits out a short 429; a longer one, or a network failure, is raised so the outbox
worker tries the notification again later.

Each notification leaves one `OutboundMessage` row: "sent", or "failed" when the chat cannot
be reached. The text is not stored. Its provider id is "<chat id>:<message id>" of the first
piece: Telegram numbers messages per chat, so the message id alone repeats across chats and
would collide with the table's unique (channel, provider_message_id).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from telegram.error import BadRequest, Forbidden
from telegram.ext import ExtBot

from bot.channels.notify import Notification, Path
from bot.channels.records import Outbound, record
from bot.channels.telegram.replies import Outgoing, split_text, to_messages
from bot.channels.telegram.updates import CHANNEL
from models.channels import is_unreachable

log = logging.getLogger(__name__)

# Telegram's words when the chat is gone for good, besides a 403 (blocked, deactivated).
_GONE = ("chat not found", "user is deactivated")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TelegramNotifier:
    name = CHANNEL

    def __init__(
        self, bot: ExtBot[int], engine: Engine, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self._bot = bot
        self._engine = engine
        self._clock = clock

    async def notify(self, chat_id: str, notification: Notification) -> Path:
        if await run_in_threadpool(self._known_unreachable, chat_id):
            await run_in_threadpool(self._record_failed, chat_id, notification, None)
            return "unreachable"
        sent: list[int] = []
        try:
            for piece in _messages(chat_id, notification):
                message = await self._bot.send_message(**piece.send_kwargs())
                sent.append(message.message_id)
        except Forbidden as refused:
            await run_in_threadpool(self._record_failed, chat_id, notification, refused.message)
            return "unreachable"
        except BadRequest as error:
            if not any(words in error.message.lower() for words in _GONE):
                raise
            await run_in_threadpool(self._record_failed, chat_id, notification, error.message)
            return "unreachable"
        await run_in_threadpool(self._record_sent, chat_id, notification, sent[0])
        return "free_form"

    def _known_unreachable(self, chat_id: str) -> bool:
        with Session(self._engine) as session:
            return is_unreachable(session, CHANNEL, chat_id)

    def _record_sent(self, chat_id: str, notification: Notification, message_id: int) -> None:
        sent = Outbound(notification.kind, "free_form", "sent", f"{chat_id}:{message_id}")
        record(self._engine, CHANNEL, chat_id, [sent], at=self._clock())

    def _record_failed(self, chat_id: str, notification: Notification, refusal: str | None) -> None:
        """`refusal` is Telegram's answer just now; None when the chat was already marked."""
        if refusal is not None:
            log.info("a Telegram chat refused a notification; marked unreachable")
        code = "refused" if refusal is not None else "unreachable"
        failed = Outbound(notification.kind, "free_form", "failed", error_code=code)
        record(self._engine, CHANNEL, chat_id, [failed], at=self._clock(), unreachable=refusal)


def _messages(chat_id: str, notification: Notification) -> list[Outgoing]:
    if notification.reply is not None:
        return to_messages(int(chat_id), [notification.reply], notification.language)
    return [Outgoing(int(chat_id), piece) for piece in split_text(notification.text)]

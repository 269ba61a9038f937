"""One Telegram update, handled: the single path behind the webhook and long polling.

Order of work for an update the engine reads:
1. a button press is answered at once (the spinner stops) and its keyboard taken away, so
   the same button cannot be pressed twice;
2. a photo is downloaded (getFile, then the file), unless Telegram says it is too large;
3. the service applies the message and stores its effects (a repeated update_id gets the
   recorded replies and changes nothing);
4. the replies are sent in the engine's order.

Failures decide what Telegram sees. Anything that may work later (the database, Telegram's
network, a long 429) propagates, so the webhook answers 5xx and Telegram redelivers the
update: effects are stored once, replies are sent at least once. A chat that blocked the bot
(403) is marked unreachable and the rest of the replies are dropped: retrying cannot help.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ExtBot

from bot.channels.telegram.client import identity
from bot.channels.telegram.replies import Outgoing, needs_language, to_messages
from bot.channels.telegram.updates import (
    CHANNEL,
    ButtonPress,
    FileToFetch,
    Ignore,
    Note,
    read_update,
)
from bot.inbound import InboundMessage, PhotoUpload
from conversations.catalogue import LANGUAGES, Language, catalogue
from conversations.types import Reply
from models.channels import mark_unreachable
from models.conversation_store import ConversationStore

log = logging.getLogger(__name__)


class MessageHandler(Protocol):
    """`bot.service.ChatService` as the channel sees it."""

    def handle(self, message: InboundMessage) -> list[Reply]: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class TelegramChannel:
    bot: ExtBot[int]
    service: MessageHandler
    max_photo_bytes: int
    # Both optional so the web layer can run with a fake service: without the database a
    # blocked chat is only logged, without the store notes are in Indonesian.
    engine: Engine | None = None
    store: ConversationStore | None = None
    clock: Callable[[], datetime] = field(default=_utcnow)

    async def handle_update(self, update: Update, *, keep_last: bool = False) -> Outgoing | None:
        """Handle one update. With `keep_last`, the last message is returned unsent, for the
        webhook to answer with (Telegram sends it after the HTTP answer, so it must be last)."""
        action = read_update(update, identity(self.bot))
        if isinstance(action, Ignore):
            if action.press is not None:
                await self._answer_press(action.press)
            log.debug("telegram update %s ignored: %s", update.update_id, action.reason)
            return None
        if isinstance(action, Note):
            language = await self._language(action.chat_id) if action.in_chat_language else "id"
            note = Outgoing(action.chat_id, catalogue(language).text(action.key))
            return await self.deliver([note], keep_last=keep_last)
        message = action.message
        if action.press is not None:
            await self._answer_press(action.press)
            if action.press.message_id is not None:
                await self._remove_keyboard(action.chat_id, action.press.message_id)
        if action.file is not None:
            message = replace(message, photo=await self._fetch(action.file))
        replies = await run_in_threadpool(self.service.handle, message)
        language = await self._language(action.chat_id) if needs_language(replies) else "id"
        return await self.deliver(
            to_messages(action.chat_id, replies, language), keep_last=keep_last
        )

    async def deliver(
        self, messages: Sequence[Outgoing], *, keep_last: bool = False
    ) -> Outgoing | None:
        kept = messages[-1] if keep_last and messages else None
        for message in messages[:-1] if kept is not None else messages:
            try:
                await self.bot.send_message(**message.send_kwargs())
            except Forbidden as refused:
                await self._mark_unreachable(message.chat_id, refused.message)
                return None
            except BadRequest as error:
                # Telegram will refuse this message however often it is sent (a bug on our
                # side): log it and send the rest, rather than have the update redelivered.
                log.error("Telegram refused a message to a chat: %s", error.message)
        return kept

    async def _answer_press(self, press: ButtonPress) -> None:
        try:
            await self.bot.answer_callback_query(press.query_id)
        except BadRequest as error:
            # A press older than Telegram keeps (a redelivered update): nothing spins anymore.
            log.info("button press not answered: %s", error.message)

    async def _remove_keyboard(self, chat_id: int, message_id: int) -> None:
        try:
            await self.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        except (BadRequest, Forbidden) as error:
            # Already removed ("message is not modified", a redelivered update) or gone.
            log.info("keyboard not removed: %s", error.message)

    async def _fetch(self, file: FileToFetch) -> PhotoUpload:
        if file.size is not None and file.size > self.max_photo_bytes:
            return self._too_large(file)
        try:
            found = await self.bot.get_file(file.file_id)
        except BadRequest as error:
            if "too big" in error.message.lower():  # over the Bot API's 20 MB download limit
                return self._too_large(file)
            log.warning("photo not downloadable: %s", error.message)
            # Empty: the engine asks the citizen to send it again.
            return PhotoUpload(b"", file.declared_type)
        if found.file_size is not None and found.file_size > self.max_photo_bytes:
            return self._too_large(file)
        data = await found.download_as_bytearray()
        return PhotoUpload(bytes(data), file.declared_type)

    def _too_large(self, file: FileToFetch) -> PhotoUpload:
        """A stand-in one byte over the limit, never downloaded or stored.

        The service judges photos by their bytes and has no other way to be told "too
        large"; it refuses this one before writing anything, and the engine answers with its
        own message ("Foto terlalu besar ...") and asks for the photo again.
        """
        return PhotoUpload(bytes(self.max_photo_bytes + 1), file.declared_type)

    async def _language(self, chat_id: int) -> Language:
        """The language the citizen chose in the conversation; Indonesian when unknown."""
        if self.store is None:
            return "id"
        key = InboundMessage(channel=CHANNEL, sender=str(chat_id)).chat_key
        try:
            state = await run_in_threadpool(self.store.load, key)
        except Exception:
            log.warning("conversation language not readable; answering in Indonesian")
            return "id"
        language = (state or {}).get("language")
        return next((known for known in LANGUAGES if known == language), "id")

    async def _mark_unreachable(self, chat_id: int, reason: str) -> None:
        log.info("a Telegram chat blocked the bot; marked unreachable")
        if self.engine is None:
            return
        await run_in_threadpool(self._store_unreachable, self.engine, str(chat_id), reason)

    def _store_unreachable(self, engine: Engine, chat_id: str, reason: str) -> None:
        with Session(engine) as session, session.begin():
            mark_unreachable(session, CHANNEL, chat_id, at=self.clock(), reason=reason)

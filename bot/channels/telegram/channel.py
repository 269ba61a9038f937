"""One Telegram update, handled: the single path behind the webhook and long polling.

Order of work for an update the engine reads:
1. a button press is answered at once (the spinner stops) and its keyboard taken away, so
   the same button cannot be pressed twice;
2. a photo is downloaded (getFile, then the file), unless Telegram says it is too large
   (then the message carries `rejected="photo_too_large"` and no bytes);
3. the service applies the message, stores its effects and writes the replies to the
   outbox (a repeated update_id changes nothing and is handed only the replies not yet
   confirmed sent);
4. the replies are sent in the engine's order, and each outbox row is reported.

Failures decide what Telegram sees. Anything that may work later (the database, Telegram's
network, a long 429) propagates, so the webhook answers 5xx and Telegram redelivers the
update: effects are stored once, and the redelivery sends only the replies that had not
gone out. A chat that blocked the bot (403) is marked unreachable and the rest of the
replies are dropped: retrying cannot help.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ExtBot

from bot.channels.base import MessageHandler, Report
from bot.channels.notify import Notification, Path
from bot.channels.telegram.client import identity
from bot.channels.telegram.notifier import TelegramNotifier
from bot.channels.telegram.replies import Outgoing, to_messages
from bot.channels.telegram.updates import (
    CHANNEL,
    ButtonPress,
    FileToFetch,
    Ignore,
    Note,
    read_update,
)
from bot.inbound import OutboxRef, PhotoUpload, Rejection
from conversations.catalogue import Language, catalogue
from conversations.types import Reply
from models.channels import mark_unreachable

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _ref_of(refs: Sequence[OutboxRef | None], index: int) -> OutboxRef | None:
    return refs[index] if index < len(refs) else None


def _last_of_its_reply(messages: Sequence[Outgoing], position: int) -> bool:
    nxt = position + 1
    return nxt >= len(messages) or messages[nxt].reply_index != messages[position].reply_index


@dataclass
class TelegramChannel:
    name: ClassVar[str] = CHANNEL
    bot: ExtBot[int]
    service: MessageHandler
    max_photo_bytes: int
    # Optional so the web layer can run with a fake service: without the database a
    # blocked chat is only logged.
    engine: Engine | None = None
    clock: Callable[[], datetime] = field(default=_utcnow)

    async def handle_update(self, update: Update, *, keep_last: bool = False) -> Outgoing | None:
        """Handle one update. With `keep_last`, the last message is returned unsent, for the
        webhook to answer with (Telegram sends it after the HTTP answer, so it must be last)."""
        try:
            action = read_update(update, identity(self.bot))
        except Exception:
            # Authentic but not readable (`chat: null`, a field of the wrong type): a
            # redelivery would fail the same way, so it is acknowledged and skipped.
            log.warning("telegram update %s could not be read; skipped", update.update_id)
            return None
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
            fetched = await self._fetch(action.file)
            if isinstance(fetched, PhotoUpload):
                message = replace(message, photo=fetched)
            else:
                message = replace(message, rejected=fetched)
        handled = await run_in_threadpool(self.service.handle, message)
        refs = [ref for ref, _ in handled.to_send]
        replies = [reply for _, reply in handled.to_send]
        report = Report(self.clock)
        try:
            messages = self.render(str(action.chat_id), replies, handled.language)
            return await self.deliver(messages, keep_last=keep_last, refs=refs, report=report)
        finally:
            await run_in_threadpool(self.service.report, report.results)

    def render(self, chat_id: str, replies: Sequence[Reply], language: Language) -> list[Outgoing]:
        return to_messages(int(chat_id), replies, language)

    async def notify(self, chat_id: str, notification: Notification) -> Path:
        if self.engine is None:
            raise RuntimeError("Telegram notifications need the database")
        return await TelegramNotifier(self.bot, self.engine, self.clock).notify(
            chat_id, notification
        )

    async def deliver(
        self,
        messages: Sequence[Outgoing],
        *,
        keep_last: bool = False,
        refs: Sequence[OutboxRef | None] = (),
        report: Report | None = None,
    ) -> Outgoing | None:
        """Send `messages` in order; `refs[i]` is the outbox row of the replies' i-th
        (`Outgoing.reply_index`), reported once all its messages went out.

        A failure that may pass (network, a long 429) reports that reply for a retry and
        the later ones as untried, then propagates: the webhook answers 5xx and Telegram's
        redelivery sends only those."""
        report = report or Report(self.clock)
        ref = functools.partial(_ref_of, refs)
        kept = messages[-1] if keep_last and messages else None
        to_send = messages[:-1] if kept is not None else messages
        refused: set[int] = set()
        for position, message in enumerate(to_send):
            index = message.reply_index
            try:
                await self.bot.send_message(**message.send_kwargs())
            except Forbidden as blocked:
                await self._mark_unreachable(message.chat_id, blocked.message)
                for left in sorted({m.reply_index for m in messages[position:]}):
                    report.dead(ref(left), "the chat blocked the bot")
                return None
            except BadRequest as error:
                # Telegram will refuse this message however often it is sent (a bug on our
                # side): log it and send the rest, rather than have the update redelivered.
                log.error("Telegram refused a message to a chat: %s", error.message)
                refused.add(index)
            except TelegramError as error:
                report.retry(ref(index), str(error))
                later = sorted({m.reply_index for m in messages[position:]} - {index})
                report.release(ref(n) for n in later)
                raise
            if _last_of_its_reply(messages, position):
                if index in refused:
                    report.dead(ref(index), "refused by Telegram")
                else:
                    report.sent(ref(index))
        if kept is not None:
            report.answered(ref(kept.reply_index))
        return kept

    async def _answer_press(self, press: ButtonPress) -> None:
        if not (press.query_id.isascii() and press.query_id.isprintable()):
            # Telegram's callback ids are plain ASCII; anything else (a lone surrogate) could
            # not even be encoded for the API, so the answer would fail and loop redeliveries.
            log.info("button press with an impossible id not answered")
            return
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

    async def _fetch(self, file: FileToFetch) -> PhotoUpload | Rejection:
        """The photo's bytes, or why there are none: a photo over the limit is never
        downloaded, and the engine answers "Foto terlalu besar ..." and asks again."""
        if file.size is not None and file.size > self.max_photo_bytes:
            return "photo_too_large"
        try:
            found = await self.bot.get_file(file.file_id)
        except BadRequest as error:
            if "too big" in error.message.lower():  # over the Bot API's 20 MB download limit
                return "photo_too_large"
            log.warning("photo not downloadable: %s", error.message)
            return "photo_empty"  # the engine asks the citizen to send it again
        if found.file_size is not None and found.file_size > self.max_photo_bytes:
            return "photo_too_large"
        data = await found.download_as_bytearray()
        return PhotoUpload(bytes(data), file.declared_type)

    async def _language(self, chat_id: int) -> Language:
        """The language the citizen chose in the conversation; Indonesian when unknown."""
        try:
            return await run_in_threadpool(self.service.language_of, CHANNEL, str(chat_id))
        except Exception:
            log.warning("conversation language not readable; answering in Indonesian")
            return "id"

    async def _mark_unreachable(self, chat_id: int, reason: str) -> None:
        log.info("a Telegram chat blocked the bot; marked unreachable")
        if self.engine is None:
            return
        await run_in_threadpool(self._store_unreachable, self.engine, str(chat_id), reason)

    def _store_unreachable(self, engine: Engine, chat_id: str, reason: str) -> None:
        with Session(engine) as session, session.begin():
            mark_unreachable(session, CHANNEL, chat_id, at=self.clock(), reason=reason)

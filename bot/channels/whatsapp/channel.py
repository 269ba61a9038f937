"""The WhatsApp channel: built once from the settings (the twilio client lazily, on first
use), then shared by every request.

`receive` is the whole inbound path for one signed Twilio form: parse it, fetch a photo,
hand the message to the service, render the replies (numbered lists or quick replies),
deliver them (REST for quick replies, the rest as TwiML), and hand back the TwiML answer
with the follow-up to run after it (notifications that waited for the citizen to write).
The web route only checks the signature.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, ClassVar

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from bot.channels.base import MessageHandler
from bot.channels.notify import Notification, Path
from bot.channels.whatsapp import CHANNEL
from bot.channels.whatsapp.client import RetryPolicy, make_client
from bot.channels.whatsapp.config import WhatsAppConfig
from bot.channels.whatsapp.inbound import WhatsAppInbound, parse_inbound
from bot.channels.whatsapp.media import MediaFetcher, MediaUnavailable
from bot.channels.whatsapp.notifier import WhatsAppNotifier
from bot.channels.whatsapp.outbound import SendError, Sent, WhatsAppSender
from bot.channels.whatsapp.replies import Message, render, twiml
from bot.channels.whatsapp.waiting import send_waiting
from bot.inbound import PhotoUpload
from bot.settings import Settings
from conversations.catalogue import Language, catalogue
from conversations.types import Reply
from models.channels import mark_unreachable, record_outbound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WhatsAppAnswer:
    """What the webhook answers Twilio with, and what to do once that answer is out."""

    twiml: str
    after: Callable[[], None] | None = None


class WhatsAppChannel:
    name: ClassVar[str] = CHANNEL

    def __init__(
        self,
        config: WhatsAppConfig,
        *,
        engine: Engine | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        # Records replies and blocked chats; None in web-layer tests with a fake service.
        self.engine = engine
        self._retry = retry
        self._clock = clock
        if config.allow_insecure:
            log.warning(
                "ALLOW_INSECURE_WEBHOOKS is on: /webhook/whatsapp accepts UNSIGNED requests. "
                "Anyone who can reach this server can post as any WhatsApp number. "
                "Local development only."
            )

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> WhatsAppChannel:
        return cls(WhatsAppConfig.from_settings(settings), **options)

    # -- receiving ------------------------------------------------------------------------

    @cached_property
    def media(self) -> MediaFetcher:
        config = self.config
        auth = (
            (config.account_sid, config.auth_token)
            if config.account_sid and config.auth_token
            else None
        )
        return MediaFetcher(
            auth=auth, max_bytes=config.max_media_bytes, api_base_url=config.api_base_url
        )

    async def receive(self, fields: Mapping[str, str], service: MessageHandler) -> WhatsAppAnswer:
        """Raises `MalformedInbound` for a signed form that is not a message."""
        engine = self.engine
        parsed = parse_inbound(fields)
        photo: PhotoUpload | None = None
        if parsed.photo is not None:
            try:
                data = await self.media.fetch(parsed.photo.url)
            except MediaUnavailable:
                # Nothing is stored, so Twilio's retry (or the citizen's resend) starts clean.
                language = await run_in_threadpool(service.language_of, CHANNEL, parsed.sender)
                return WhatsAppAnswer(
                    twiml([catalogue(language).text("whatsapp.media_unavailable")])
                )
            photo = PhotoUpload(data, parsed.photo.content_type or None)
        handled = await run_in_threadpool(service.handle, parsed.message(photo))
        replies = _with_document_note(
            [reply for _, reply in handled.to_send], parsed, handled.language
        )
        # Quick replies go through REST and are recorded: only with the database at hand.
        messages = self.render(parsed.sender, replies, handled.language, rest=engine is not None)
        bodies = await run_in_threadpool(self.deliver, engine, parsed.sender, messages)
        sender = self.sender
        after = None
        if engine is not None and sender is not None:
            # After the answer, so held notifications follow the replies, not race them.
            after = functools.partial(_send_waiting_safely, engine, sender, parsed.sender)
        return WhatsAppAnswer(twiml(bodies), after)

    def render(
        self, chat_id: str, replies: Sequence[Reply], language: Language, *, rest: bool = True
    ) -> list[Message]:
        return render(replies, language, self.config.quick_replies if rest else {})

    async def notify(self, chat_id: str, notification: Notification) -> Path:
        if self.engine is None:
            raise RuntimeError("WhatsApp notifications need the database")
        return await self.notifier(self.engine).notify(chat_id, notification)

    # -- sending --------------------------------------------------------------------------

    @cached_property
    def sender(self) -> WhatsAppSender | None:
        """None without an account and a sender number: replies then go as TwiML only and
        notifications cannot be sent."""
        config = self.config
        if not config.can_send:
            return None
        assert config.account_sid and config.auth_token and config.sender
        client = make_client(
            config.account_sid,
            config.auth_token,
            api_base_url=config.api_base_url,
            retry=self._retry,
        )
        return WhatsAppSender(client, sender=config.sender, status_callback=config.status_callback)

    def notifier(self, engine: Engine) -> WhatsAppNotifier:
        """For the outbox worker (issue 5)."""
        if self.sender is None:
            raise RuntimeError("WhatsApp sending is not configured (TWILIO_* settings)")
        return WhatsAppNotifier(
            engine=engine, sender=self.sender, templates=self.config.templates, clock=self._clock
        )

    def deliver(
        self, engine: Engine | None, chat_id: str, messages: Sequence[Message]
    ) -> list[str]:
        """Send the replies; returns the bodies still to go in the TwiML answer.

        TwiML cannot carry Content templates. When any reply is a quick reply, every reply
        goes through the REST API, one after another in their order; mixing TwiML and REST
        would let a later REST message overtake the TwiML before it. If a REST send fails,
        that reply and the ones after it fall back to plain text in the TwiML answer, so
        the citizen still gets them, in order.
        """
        sender = self.sender
        if sender is None or engine is None or not any(m.content_sid for m in messages):
            return [body for message in messages for body in message.plain]
        sent: list[tuple[Message, Sent]] = []
        left: list[str] = []
        failure: SendError | None = None
        for index, message in enumerate(messages):
            try:
                if message.content_sid:
                    result = sender.send_content(chat_id, message.content_sid, message.variables)
                else:
                    result = sender.send_text(chat_id, message.body)
            except SendError as error:
                failure = error
                left = [body for later in messages[index:] for body in later.plain]
                break
            sent.append((message, result))
        self._record_replies(engine, chat_id, sent, failure)
        return left

    def _record_replies(
        self,
        engine: Engine,
        chat_id: str,
        sent: list[tuple[Message, Sent]],
        failure: SendError | None,
    ) -> None:
        now = self._clock()
        with Session(engine) as session, session.begin():
            for message, result in sent:
                # Bodies are not kept: replies hold what the citizen told us.
                record_outbound(
                    session,
                    channel=CHANNEL,
                    chat_id=chat_id,
                    kind="reply",
                    path="reply",
                    status=result.status,
                    at=now,
                    provider_message_id=result.sid,
                    template=message.content_sid,
                )
            if failure is not None:
                record_outbound(
                    session,
                    channel=CHANNEL,
                    chat_id=chat_id,
                    kind="reply",
                    path="reply",
                    status="failed",
                    at=now,
                    error_code=failure.error_code,
                )
                if failure.unreachable:
                    mark_unreachable(session, CHANNEL, chat_id, at=now, reason=failure.reason)


def _with_document_note(
    replies: list[Reply], parsed: WhatsAppInbound, language: Language
) -> list[Reply]:
    """A PDF sent where a photo is asked for is usually the photo, sent as a document."""
    media = parsed.unsupported
    if media is None or not replies or replies[-1].expects != "photo":
        return replies
    if not media.content_type.startswith("application/"):
        return replies
    note = catalogue(language).text("whatsapp.document_note")
    first = replies[0]
    return [replace(first, text=f"{first.text}\n\n{note}"), *replies[1:]]


def _send_waiting_safely(engine: Engine, sender: WhatsAppSender, chat_id: str) -> None:
    try:
        send_waiting(engine, sender, chat_id)
    except Exception:
        # The citizen's answer is already out; what waits stays waiting for next time.
        log.exception("sending waiting WhatsApp notifications failed")

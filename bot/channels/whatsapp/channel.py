"""The WhatsApp channel: built once from the settings (the twilio client lazily, on first
use), then shared by every request.

`receive` is the whole inbound path for one signed Twilio form: parse it, fetch a photo,
hand the message to the service, render the replies (numbered lists or quick replies),
deliver them (REST for quick replies, the rest as TwiML; notifications that waited for
the citizen to write come after the replies), and report each outbox row.
The web route only checks the signature.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from bot.channels.base import MessageHandler, Report
from bot.channels.notify import Notification, Path
from bot.channels.records import Outbound, record
from bot.channels.whatsapp import CHANNEL
from bot.channels.whatsapp.account import media_fetcher, rest_sender
from bot.channels.whatsapp.config import WhatsAppConfig
from bot.channels.whatsapp.inbound import WhatsAppInbound, parse_inbound
from bot.channels.whatsapp.media import MediaFetcher, MediaUnavailable
from bot.channels.whatsapp.notifier import WhatsAppNotifier
from bot.channels.whatsapp.outbound import SendError, Sent, WhatsAppSender
from bot.channels.whatsapp.replies import Message, render, twiml
from bot.channels.whatsapp.retry import RetryPolicy
from bot.inbound import OutboxRef, PhotoUpload
from bot.settings import Settings
from conversations.catalogue import Language, catalogue
from conversations.types import Reply

log = logging.getLogger(__name__)


class WhatsAppChannel:
    name = CHANNEL

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
        return media_fetcher(self.config)

    async def receive(self, fields: Mapping[str, str], service: MessageHandler) -> str:
        """The TwiML answer. Raises `MalformedInbound` for a signed form that is not a
        message."""
        parsed = parse_inbound(fields)
        photo: PhotoUpload | None = None
        if parsed.photo is not None:
            try:
                data = await self.media.fetch(parsed.photo.url)
            except MediaUnavailable:
                # Nothing is stored, so Twilio's retry (or the citizen's resend) starts clean.
                language = await run_in_threadpool(service.language_of, CHANNEL, parsed.sender)
                return twiml([catalogue(language).text("whatsapp.media_unavailable")])
            photo = PhotoUpload(data, parsed.photo.content_type or None)
        # Handling, sending and the report are all blocking work: one trip to the thread
        # pool for the three (each trip costs a thread hand-over on every message).
        bodies = await run_in_threadpool(self._handle, service, parsed, photo)
        return twiml(bodies)

    def _handle(
        self, service: MessageHandler, parsed: WhatsAppInbound, photo: PhotoUpload | None
    ) -> list[str]:
        handled = service.handle(parsed.message(photo))
        refs = [ref for ref, _ in handled.to_send]
        replies = _with_document_note(
            [reply for _, reply in handled.to_send], parsed, handled.language
        )
        # Rendered one by one, so each outbox row knows its messages.
        groups = [self.render(parsed.sender, [reply], handled.language) for reply in replies]
        report = Report(self._clock)
        try:
            return self._deliver(parsed.sender, groups, refs, report)
        finally:
            service.report(report.results)

    def render(self, chat_id: str, replies: Sequence[Reply], language: Language) -> list[Message]:
        # Quick replies go through REST and are recorded: only with the database at hand.
        rest = self.engine is not None
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
        return rest_sender(
            self.config, retry=self._retry, status_callback=self.config.status_callback
        )

    def notifier(self, engine: Engine) -> WhatsAppNotifier:
        """For the outbox worker (issue 5)."""
        if self.sender is None:
            raise RuntimeError("WhatsApp sending is not configured (TWILIO_* settings)")
        return WhatsAppNotifier(
            engine=engine, sender=self.sender, templates=self.config.templates, clock=self._clock
        )

    def deliver(self, chat_id: str, messages: Sequence[Message]) -> list[str]:
        """Send messages outside an outbox (a test, a tool); returns the TwiML bodies."""
        return self._deliver(chat_id, [list(messages)], [None], Report(self._clock))

    def _deliver(
        self,
        chat_id: str,
        groups: Sequence[Sequence[Message]],
        refs: Sequence[OutboxRef | None],
        report: Report,
    ) -> list[str]:
        """Send each outbox row's messages; returns the bodies for the TwiML answer.

        TwiML cannot carry Content templates. When any message is a quick reply, every
        message goes through the REST API, one after another in their order; mixing TwiML
        and REST would let a later REST message overtake the TwiML before it. If a REST send
        fails, that row and the ones after it fall back to plain text in the TwiML answer,
        so the citizen still gets them, in order. A row sent through REST is confirmed
        ("sent"); one in the TwiML answer is "answered": Twilio retries a webhook only when
        our answer did not reach it, and the retry answers it again.
        """
        sender = self.sender
        engine = self.engine
        rest = (
            sender is not None
            and engine is not None
            and any(m.content_sid for group in groups for m in group)
        )
        bodies: list[str] = []
        sent: list[Outbound] = []
        failure: SendError | None = None
        for group, ref in zip(groups, refs, strict=True):
            left = list(group)
            while rest and failure is None and left:
                assert sender is not None
                try:
                    result = _send(sender, chat_id, left[0])
                except SendError as error:
                    failure = error
                    break
                sent.append(
                    Outbound("reply", "reply", result.status, result.sid, left[0].content_sid)
                )
                left.pop(0)
            if not left:
                report.sent(ref)
                continue
            # What did not go through REST, from where it stopped, as TwiML text.
            bodies.extend(body for message in left for body in message.plain)
            report.answered(ref)
        if engine is not None and (sent or failure is not None):
            self._record_replies(engine, chat_id, sent, failure)
        return bodies

    def _record_replies(
        self, engine: Engine, chat_id: str, sent: list[Outbound], failure: SendError | None
    ) -> None:
        refused = (
            []
            if failure is None
            else [Outbound("reply", "reply", "failed", error_code=failure.error_code)]
        )
        unreachable = failure.reason if failure is not None and failure.unreachable else None
        record(
            engine, CHANNEL, chat_id, [*sent, *refused], at=self._clock(), unreachable=unreachable
        )


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


def _send(sender: WhatsAppSender, chat_id: str, message: Message) -> Sent:
    if message.content_sid:
        return sender.send_content(chat_id, message.content_sid, message.variables)
    return sender.send_text(chat_id, message.body)

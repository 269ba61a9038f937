"""The SMS channel: Twilio Programmable Messaging, built once from the settings.

`receive` is the whole inbound path for one signed Twilio form: STOP marks the number
unreachable and answers nothing (Twilio confirms the opt-out itself); START (or any
message) makes it reachable again. Otherwise the message goes to the service, the
replies are rendered for SMS (`replies`) and answered as TwiML, each outbox row reported
"answered" (a Twilio retry of the same MessageSid is answered with them again, and changes
nothing). Notifications go out through the REST API; to a number that sent STOP they wait
in the outbox until the citizen writes again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cached_property

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from bot.channels.base import MessageHandler, Report
from bot.channels.notify import Notification, Path
from bot.channels.records import Outbound, record
from bot.channels.sms import CHANNEL
from bot.channels.sms.config import SmsConfig
from bot.channels.sms.inbound import parse_sms
from bot.channels.sms.replies import render, texts
from bot.channels.whatsapp.account import media_fetcher, rest_sender
from bot.channels.whatsapp.media import MediaFetcher, MediaUnavailable
from bot.channels.whatsapp.outbound import SendError, WhatsAppSender
from bot.channels.whatsapp.replies import twiml
from bot.channels.whatsapp.retry import RetryPolicy
from bot.inbound import PhotoUpload
from bot.settings import Settings
from conversations.catalogue import Language, catalogue
from conversations.types import Reply
from models.channels import is_unreachable, mark_unreachable

OPTED_OUT = "21610: the citizen sent STOP"


class SmsChannel:
    name = CHANNEL

    def __init__(
        self,
        config: SmsConfig,
        *,
        engine: Engine | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.engine = engine
        self._retry = retry
        self._clock = clock

    @classmethod
    def from_settings(
        cls, settings: Settings, *, engine: Engine | None = None, retry: RetryPolicy | None = None
    ) -> SmsChannel:
        return cls(SmsConfig.from_settings(settings), engine=engine, retry=retry)

    # -- receiving --------------------------------------------------------------------------

    async def receive(self, fields: Mapping[str, str], service: MessageHandler) -> str:
        """The TwiML answer. Raises `MalformedInbound` for a signed form that is not a
        message."""
        parsed = parse_sms(fields)
        if parsed.keyword == "stop":
            await run_in_threadpool(self._opted_out, parsed.sender)
            return twiml([])
        photo: PhotoUpload | None = None
        unsupported = False
        if parsed.media is not None:
            if not parsed.media.content_type.startswith("image/"):
                unsupported = True
            else:
                try:
                    data = await self.media.fetch(parsed.media.url)
                except MediaUnavailable:
                    language = await run_in_threadpool(service.language_of, CHANNEL, parsed.sender)
                    return twiml(texts(Reply(_unavailable(language)), language))
                photo = PhotoUpload(data, parsed.media.content_type)
        handled = await run_in_threadpool(
            service.handle, parsed.message(photo, unsupported=unsupported)
        )
        report = Report(self._clock)
        bodies: list[str] = []
        for ref, reply in handled.to_send:
            bodies.extend(texts(reply, handled.language))
            report.answered(ref)  # in the TwiML answer: Twilio's retry gets it again
        await run_in_threadpool(service.report, report.results)
        return twiml(bodies)

    def render(self, chat_id: str, replies: Sequence[Reply], language: Language) -> list[str]:
        return render(replies, language)

    @cached_property
    def media(self) -> MediaFetcher:
        return media_fetcher(self.config)

    def _opted_out(self, chat_id: str) -> None:
        if self.engine is None:
            return
        with Session(self.engine) as session, session.begin():
            mark_unreachable(session, CHANNEL, chat_id, at=self._clock(), reason=OPTED_OUT)

    # -- sending ----------------------------------------------------------------------------

    @cached_property
    def sender(self) -> WhatsAppSender | None:
        return rest_sender(self.config, retry=self._retry, status_callback=None, to=_e164)

    async def notify(self, chat_id: str, notification: Notification) -> Path:
        return await asyncio.to_thread(self.notify_sync, chat_id, notification)

    def notify_sync(self, chat_id: str, notification: Notification) -> Path:
        """Free-form (SMS has no 24-hour window). A number that sent STOP: held until the
        citizen writes again. Twilio down: raised, for the worker to retry."""
        engine, sender = self.engine, self.sender
        if engine is None or sender is None:
            raise RuntimeError("SMS notifications need TWILIO_SMS_FROM and the database")
        with Session(engine) as session:
            if is_unreachable(session, CHANNEL, chat_id):
                return "waiting"
        reply = notification.reply or Reply(notification.text)
        sent: list[Outbound] = []
        try:
            for body in texts(reply, notification.language):
                result = sender.send_text(chat_id, body)
                sent.append(Outbound(notification.kind, "free_form", result.status, result.sid))
        except SendError as error:
            if error.transient and not sent:
                raise
            failed = Outbound(notification.kind, "free_form", "failed", error_code=error.error_code)
            gone = error.reason if error.unreachable else None
            record(engine, CHANNEL, chat_id, [*sent, failed], at=self._clock(), unreachable=gone)
            return "waiting" if error.unreachable else "free_form"
        record(engine, CHANNEL, chat_id, sent, at=self._clock())
        return "free_form"


def _e164(chat_id: str) -> str:
    return "+" + chat_id


def _unavailable(language: Language) -> str:
    return catalogue(language).text("sms.media_unavailable")

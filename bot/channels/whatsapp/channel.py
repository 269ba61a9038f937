"""The WhatsApp channel as the web routes use it: built once from the settings (the
twilio client lazily, on first use), then shared by every request."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from bot.channels.whatsapp import CHANNEL
from bot.channels.whatsapp.client import RetryPolicy, make_client
from bot.channels.whatsapp.config import WhatsAppConfig
from bot.channels.whatsapp.media import MediaFetcher
from bot.channels.whatsapp.notifier import WhatsAppNotifier
from bot.channels.whatsapp.outbound import SendError, Sent, WhatsAppSender
from bot.channels.whatsapp.replies import Message
from bot.channels.whatsapp.signature import is_signed
from bot.settings import Settings
from models.channels import mark_unreachable, record_outbound

log = logging.getLogger(__name__)


class WhatsAppChannel:
    def __init__(
        self,
        config: WhatsAppConfig,
        *,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
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

    def accepts(self, url: str, params: Any, signature: str | None) -> bool:
        """Twilio's signature is valid, or (development only) not required."""
        config = self.config
        if config.allow_insecure:
            return True
        assert config.auth_token is not None, "routes are off without credentials"
        return is_signed(config.auth_token, url, params, signature)

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

"""Notifications (a status change, a digest) to a WhatsApp chat, under the 24-hour rule.

- Within 24 hours of the citizen's last message: a free-form message.
- Outside it: the approved Content template configured for the notification's kind
  (`TWILIO_TEMPLATES`), with the notification's variables as `ContentVariables`.
- Outside it with no template for that kind: stored with `path="waiting"` and sent as a
  free-form message when the citizen next writes (`waiting.py`, from the inbound webhook).
- A chat marked unreachable (invalid number, unsubscribed) is held the same way; writing
  again makes it reachable and the notification then goes out. `notify` says
  "unreachable" so the caller knows nothing was delivered now.

Every notification is recorded in `outbound_message` with the path taken. Permanent Twilio
errors are recorded (status "failed", the error code) and not retried; 63016 (the window
closed meanwhile) moves on to the template or waiting path. Transient errors (429/5xx
after the client's retries, no connection) raise `SendError`, recording nothing, so the
outbox worker can try the same notification again later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot.channels.notify import Notification, Path
from bot.channels.whatsapp import CHANNEL
from bot.channels.whatsapp.outbound import SendError, Sent, WhatsAppSender
from bot.channels.whatsapp.replies import split_body
from models.channels import is_unreachable, last_inbound_at, mark_unreachable, record_outbound

log = logging.getLogger(__name__)

SESSION_WINDOW = timedelta(hours=24)
# A message created a moment before the window closes may reach WhatsApp after it.
WINDOW_MARGIN = timedelta(minutes=5)


class WhatsAppNotifier:
    name = CHANNEL

    def __init__(
        self,
        *,
        engine: Engine,
        sender: WhatsAppSender,
        templates: Mapping[str, str],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._sender = sender
        self._templates = dict(templates)
        self._clock = clock

    async def notify(self, chat_id: str, notification: Notification) -> Path:
        # twilio-python and the database calls block: off the event loop.
        return await asyncio.to_thread(self.notify_sync, chat_id, notification)

    def notify_sync(self, chat_id: str, notification: Notification) -> Path:
        now = self._clock()
        with Session(self._engine) as session:
            unreachable = is_unreachable(session, CHANNEL, chat_id)
            last = last_inbound_at(session, CHANNEL, chat_id)
        if unreachable:
            self._hold(chat_id, notification)
            return "unreachable"
        if last is not None and now - last < SESSION_WINDOW - WINDOW_MARGIN:
            try:
                return self._free_form(chat_id, notification)
            except SendError as error:
                if not error.outside_window:
                    raise
                log.info("WhatsApp window closed before a notification went out")
        template = self._templates.get(notification.kind)
        if template is not None:
            return self._template(chat_id, notification, template)
        self._hold(chat_id, notification)
        return "waiting"

    def _free_form(self, chat_id: str, notification: Notification) -> Path:
        sent: list[Sent] = []
        try:
            for part in split_body(notification.text):
                sent.append(self._sender.send_text(chat_id, part))
        except SendError as error:
            if error.transient or (error.outside_window and not sent):
                raise
            self._failed(chat_id, notification, "free_form", error)
            return "unreachable" if error.unreachable else "free_form"
        finally:
            self._record_sent(chat_id, notification.kind, "free_form", sent)
        return "free_form"

    def _template(self, chat_id: str, notification: Notification, template: str) -> Path:
        variables = dict(notification.variables)
        try:
            sent = self._sender.send_content(chat_id, template, variables)
        except SendError as error:
            if error.transient:
                raise
            self._failed(chat_id, notification, "template", error, template=template)
            return "unreachable" if error.unreachable else "template"
        self._record_sent(chat_id, notification.kind, "template", [sent], template, variables)
        return "template"

    def _record_sent(
        self,
        chat_id: str,
        kind: str,
        path: str,
        sent: list[Sent],
        template: str | None = None,
        variables: dict[str, str] | None = None,
    ) -> None:
        if not sent:
            return
        with Session(self._engine) as session, session.begin():
            for message in sent:
                record_outbound(
                    session,
                    channel=CHANNEL,
                    chat_id=chat_id,
                    kind=kind,
                    path=path,
                    status=message.status,
                    at=self._clock(),
                    provider_message_id=message.sid,
                    template=template,
                    variables=variables,
                )

    def _failed(
        self,
        chat_id: str,
        notification: Notification,
        path: str,
        error: SendError,
        *,
        template: str | None = None,
    ) -> None:
        now = self._clock()
        with Session(self._engine) as session, session.begin():
            record_outbound(
                session,
                channel=CHANNEL,
                chat_id=chat_id,
                kind=notification.kind,
                path=path,
                status="failed",
                at=now,
                template=template,
                error_code=error.error_code,
            )
            if error.unreachable:
                mark_unreachable(session, CHANNEL, chat_id, at=now, reason=error.reason)

    def _hold(self, chat_id: str, notification: Notification) -> None:
        with Session(self._engine) as session, session.begin():
            record_outbound(
                session,
                channel=CHANNEL,
                chat_id=chat_id,
                kind=notification.kind,
                path="waiting",
                status="waiting",
                at=self._clock(),
                body=notification.text,
            )

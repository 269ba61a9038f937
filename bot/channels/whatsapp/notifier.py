"""Notifications (a status change, a digest) to a WhatsApp chat, under the 24-hour rule.

- Within 24 hours of the citizen's last message: a free-form message.
- Outside it: the approved Content template configured for the notification's kind
  (`TWILIO_TEMPLATES`), with the notification's variables as `ContentVariables`.
- Outside it with no template for that kind: "waiting". The outbox holds it (state
  `waiting`) and it goes out after the replies to the citizen's next message.
- A chat marked unreachable (invalid number, unsubscribed): held the same way ("waiting");
  writing again makes it reachable and the notification then goes out.
- A reply the worker sends for a webhook that could not: free-form inside the window
  (numbered choices), held like a notification outside it.

Every message sent is recorded in `outbound_message` with the path taken. Permanent Twilio
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
from bot.channels.records import Outbound, record
from bot.channels.whatsapp import CHANNEL
from bot.channels.whatsapp.outbound import SendError, Sent, WhatsAppSender
from bot.channels.whatsapp.replies import plain_text, split_body
from models.channels import is_unreachable, last_inbound_at

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
            # Writing again makes the chat reachable: held until then, like outside 24 hours.
            return "waiting"
        if last is not None and now - last < SESSION_WINDOW - WINDOW_MARGIN:
            try:
                return self._free_form(chat_id, notification)
            except SendError as error:
                if not error.outside_window:
                    raise
                log.info("WhatsApp window closed before a notification went out")
        template = self._templates.get(notification.kind)
        if template is not None and notification.reply is None:
            return self._template(chat_id, notification, template)
        return "waiting"

    def _free_form(self, chat_id: str, notification: Notification) -> Path:
        sent: list[Sent] = []
        try:
            for part in split_body(_text(notification)):
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
        if sent:
            messages = [Outbound(kind, path, m.status, m.sid, template, variables) for m in sent]
            record(self._engine, CHANNEL, chat_id, messages, at=self._clock())

    def _failed(
        self,
        chat_id: str,
        notification: Notification,
        path: str,
        error: SendError,
        *,
        template: str | None = None,
    ) -> None:
        failed = Outbound(notification.kind, path, "failed", None, template, None, error.error_code)
        unreachable = error.reason if error.unreachable else None
        record(self._engine, CHANNEL, chat_id, [failed], at=self._clock(), unreachable=unreachable)


def _text(notification: Notification) -> str:
    if notification.reply is not None:
        return plain_text(notification.reply, notification.language)
    return notification.text

"""Notifications held back until the citizen writes again, and sent when they do.

Outside WhatsApp's 24-hour window a notification needs an approved template; without one
configured for its kind it is stored with `path="waiting"` (see `notifier.py`). The
inbound webhook calls `send_waiting` after the citizen's message has been handled, which
reopened the window.

Two messages from the same citizen arrive close together often (a photo, then a word):
each waiting notification is first claimed with a conditional UPDATE (waiting -> queued),
so only one request sends it. A send that fails for now (Twilio down) puts it back to
waiting for the next message; a permanent failure is recorded and not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, update
from sqlmodel import Session, col

from bot.channels.whatsapp import CHANNEL
from bot.channels.whatsapp.outbound import SendError, WhatsAppSender
from bot.channels.whatsapp.replies import split_body
from models.channels import mark_sent, mark_unreachable, record_outbound, waiting_messages
from models.tables import OutboundMessage

log = logging.getLogger(__name__)


def send_waiting(
    engine: Engine,
    sender: WhatsAppSender,
    chat_id: str,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Send what waits for this chat, oldest first. Returns how many went out."""
    sent = 0
    claimed = _claim(engine, chat_id, clock())
    for index, (message_id, kind, body) in enumerate(claimed):
        try:
            deliveries = [sender.send_text(chat_id, part) for part in split_body(body)]
        except SendError as error:
            if error.transient:
                # Twilio is unwell: this one and the rest wait for the next message.
                _release(engine, [claim[0] for claim in claimed[index:]], clock())
                break
            _failed(engine, message_id, chat_id, error, clock())
            continue
        with Session(engine) as session, session.begin():
            message = session.get(OutboundMessage, message_id)
            assert message is not None
            first, *more = deliveries
            mark_sent(
                session,
                message,
                path="free_form",
                status=first.status,
                at=clock(),
                provider_message_id=first.sid,
            )
            # A long text went out in parts: each part is tracked by its own status reports.
            for part in more:
                record_outbound(
                    session,
                    channel=CHANNEL,
                    chat_id=chat_id,
                    kind=kind,
                    path="free_form",
                    status=part.status,
                    at=clock(),
                    provider_message_id=part.sid,
                )
        sent += 1
    if sent:
        log.info("sent %d waiting WhatsApp notification(s)", sent)
    return sent


def _claim(engine: Engine, chat_id: str, now: datetime) -> list[tuple[int, str, str]]:
    claimed: list[tuple[int, str, str]] = []
    with Session(engine) as session, session.begin():
        for message in waiting_messages(session, CHANNEL, chat_id):
            assert message.id is not None
            won = session.execute(
                update(OutboundMessage)
                .where(col(OutboundMessage.id) == message.id)
                .where(col(OutboundMessage.status) == "waiting")
                .values(status="queued", updated_at=now)
            )
            if won.rowcount == 1 and message.body:  # type: ignore[attr-defined]
                claimed.append((message.id, message.kind, message.body))
    return claimed


def _release(engine: Engine, message_ids: list[int], now: datetime) -> None:
    """Back in the queue with their text: the citizen's next message tries again."""
    with Session(engine) as session, session.begin():
        session.execute(
            update(OutboundMessage)
            .where(col(OutboundMessage.id).in_(message_ids))
            .values(status="waiting", updated_at=now)
        )


def _failed(engine: Engine, message_id: int, chat_id: str, error: SendError, now: datetime) -> None:
    """A permanent refusal: recorded (and the text forgotten), never retried blindly."""
    with Session(engine) as session, session.begin():
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        mark_sent(
            session,
            message,
            path="free_form",
            status="failed",
            at=now,
            error_code=error.error_code,
        )
        if error.unreachable:
            mark_unreachable(session, CHANNEL, chat_id, at=now, reason=error.reason)

"""Twilio's status callbacks: what became of a message we sent through the REST API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from bot.channels.whatsapp import CHANNEL
from bot.channels.whatsapp.outbound import UNREACHABLE_CODES, SendError
from models.channels import mark_unreachable, update_outbound_status
from models.tables import OUTBOUND_STATUSES

# Twilio's in-between states ("accepted", "sending", "scheduled") and inbound ones say
# nothing we keep; only these are recorded.
RECORDED = frozenset(OUTBOUND_STATUSES) - {"waiting"}


def record_status(engine: Engine, fields: Mapping[str, str], *, at: datetime) -> bool:
    """Apply one callback. False when there was nothing to record (an unknown message,
    a state we do not keep); Twilio is answered 2xx either way, so it does not retry."""
    sid = (fields.get("MessageSid") or "").strip()
    status = (fields.get("MessageStatus") or fields.get("SmsStatus") or "").strip().lower()
    if not sid or status not in RECORDED:
        return False
    raw_code = (fields.get("ErrorCode") or "").strip()
    code = int(raw_code) if raw_code.isdigit() else None
    with Session(engine) as session, session.begin():
        message = update_outbound_status(
            session,
            channel=CHANNEL,
            provider_message_id=sid,
            status=status,
            at=at,
            error_code=raw_code or None,
        )
        if message is None:
            return False
        if status in ("failed", "undelivered") and code in UNREACHABLE_CODES:
            reason = SendError(status=None, code=code).reason
            mark_unreachable(session, CHANNEL, message.chat_id, at=at, reason=reason)
    return True

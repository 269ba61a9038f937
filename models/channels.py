"""What channels remember about chats and about the messages they send.

Plain functions over a caller's session (no commits): the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from models.tables import OUTBOUND_PATHS, OUTBOUND_STATUSES, ChatContact, OutboundMessage

# The outbox channel of a household's own phone, for a household proposed on its behalf
# (staff/notices.py): the worker sends it by SMS when configured, else by WhatsApp, which
# may hold it until that number writes. So a WhatsApp message from the number also takes
# what waits for it there (`released_by`).
PHONE_CHANNEL: Final = "phone"
# The channels that name a chat by its phone number ("6281234567890").
NAMED_BY_NUMBER: Final = ("whatsapp", "sms")
_RELEASED_BY: Final = {"whatsapp": ("whatsapp", PHONE_CHANNEL)}


def released_by(channel: str) -> tuple[str, ...]:
    """The outbox channels whose waiting rows a message on `channel` from a chat releases:
    its own, and for WhatsApp also the phone channel (the same number names both)."""
    return _RELEASED_BY.get(channel, (channel,))


# Later delivery states win; an early callback arriving late must not undo a later one.
_STATUS_RANK: Final = {
    "waiting": 0,
    "queued": 1,
    "sent": 2,
    "delivered": 3,
    "read": 4,
    "failed": 5,
    "undelivered": 5,
}


def _contact(session: Session, channel: str, chat_id: str) -> ChatContact:
    found = session.exec(
        select(ChatContact)
        .where(ChatContact.channel == channel, ChatContact.chat_id == chat_id)
        # An upsert (touch_inbound) may have changed the row behind a loaded object.
        .execution_options(populate_existing=True)
    ).first()
    return found or ChatContact(channel=channel, chat_id=chat_id)


def touch_inbound(session: Session, channel: str, chat_id: str, *, at: datetime) -> None:
    """The citizen wrote: the chat is reachable again, and WhatsApp's 24-hour window opens.

    One statement (an upsert). The service calls it only when something changes (see
    `ChatSnapshot.contact_needs_touch`), not on every message."""
    values = {
        "channel": channel,
        "chat_id": chat_id,
        "last_inbound_at": at,
        "unreachable_at": None,
        "unreachable_reason": None,
    }
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(ChatContact).values(values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["channel", "chat_id"],
            set_={k: statement.excluded[k] for k in values if k not in ("channel", "chat_id")},
        )
    )


def last_inbound_at(session: Session, channel: str, chat_id: str) -> datetime | None:
    return _contact(session, channel, chat_id).last_inbound_at


def mark_unreachable(
    session: Session, channel: str, chat_id: str, *, at: datetime, reason: str
) -> None:
    """The provider said no (the citizen blocked the bot, the number is invalid)."""
    contact = _contact(session, channel, chat_id)
    contact.unreachable_at = at
    contact.unreachable_reason = reason[:255]
    session.add(contact)
    session.flush()


def is_unreachable(session: Session, channel: str, chat_id: str) -> bool:
    return _contact(session, channel, chat_id).unreachable_at is not None


def record_outbound(
    session: Session,
    *,
    channel: str,
    chat_id: str,
    kind: str,
    path: str,
    status: str,
    at: datetime,
    provider_message_id: str | None = None,
    template: str | None = None,
    body: str | None = None,
    variables: dict[str, Any] | None = None,
    error_code: str | None = None,
) -> OutboundMessage:
    if path not in OUTBOUND_PATHS or status not in OUTBOUND_STATUSES:
        raise ValueError(f"unknown outbound path {path!r} or status {status!r}")
    message = OutboundMessage(
        channel=channel,
        chat_id=chat_id,
        kind=kind,
        path=path,
        status=status,
        provider_message_id=provider_message_id,
        template=template,
        body=body,
        variables=variables,
        error_code=error_code,
        created_at=at,
        updated_at=at,
    )
    session.add(message)
    session.flush()
    return message


def update_outbound_status(
    session: Session,
    *,
    channel: str,
    provider_message_id: str,
    status: str,
    at: datetime,
    error_code: str | None = None,
) -> OutboundMessage | None:
    """A delivery report (Twilio status callback). Unknown ids are ignored (None); a report
    older than what is known ("sent" after "read") does not move the status back."""
    if status not in OUTBOUND_STATUSES:
        raise ValueError(f"unknown outbound status {status!r}")
    message = session.exec(
        select(OutboundMessage).where(
            OutboundMessage.channel == channel,
            OutboundMessage.provider_message_id == provider_message_id,
        )
    ).first()
    if message is None:
        return None
    if _STATUS_RANK[status] >= _STATUS_RANK[message.status]:
        message.status = status
        message.error_code = error_code or message.error_code
        message.updated_at = at
        session.add(message)
        session.flush()
    return message

"""De-duplication of provider deliveries (Telegram and Twilio retry until acknowledged).

The service records each handled message in the same transaction as its effects. A retry
finds the record and gets the stored replies again; two deliveries racing each other cannot
both commit, because the UNIQUE (channel, chat_id, message_id) constraint makes the second
flush fail. The sender is part of the key: a message id is the provider's for a real
channel, but the chat page lets the client choose it, and a replayed id from another chat
must never hand that chat the recorded replies (its summary) or its state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from models.lookups import failed_lookups_since, record_lookup_attempt
from models.tables import ProcessedMessage

__all__ = [
    "failed_lookups_since",  # re-exported: look-up throttling is also "seen before" bookkeeping
    "find_processed",
    "purge_processed",
    "record_lookup_attempt",
    "record_processed",
]


def find_processed(
    session: Session, channel: str, chat_id: str, message_id: str
) -> ProcessedMessage | None:
    statement = select(ProcessedMessage).where(
        ProcessedMessage.channel == channel,
        ProcessedMessage.chat_id == chat_id,
        ProcessedMessage.message_id == message_id,
    )
    return session.exec(statement).first()


def record_processed(
    session: Session,
    channel: str,
    message_id: str,
    chat_id: str,
    replies: list[Any],
    state: dict[str, Any] | None,
    at: datetime,
) -> ProcessedMessage:
    """Insert and flush. Raises `sqlalchemy.exc.IntegrityError` when the same delivery was
    recorded concurrently; wrap the call in `session.begin_nested()` to keep the outer
    transaction usable, or (usually right) roll back everything and answer from the record."""
    processed = ProcessedMessage(
        channel=channel,
        message_id=message_id,
        chat_id=chat_id,
        processed_at=at,
        replies=list(replies),
        state=dict(state) if state is not None else None,
    )
    session.add(processed)
    session.flush()
    return processed


def purge_processed(session: Session, *, before: datetime) -> int:
    """Forget deliveries handled before `before` (providers stop retrying within a day or
    so, and `state` holds personal data). Returns the number of rows removed."""
    statement = delete(ProcessedMessage).where(col(ProcessedMessage.processed_at) < before)
    return session.exec(statement).rowcount

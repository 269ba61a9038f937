"""What the service reads before handling a message, in one statement: a delivery already
handled (a provider's retry), the durable copy of the conversation, and the chat's contact
record. Read outside any write transaction, so on SQLite it never waits for the writer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import and_, literal, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from models.tables import ChatContact, Conversation, ProcessedMessage

# The contact's last-inbound time is rewritten at most this often: WhatsApp's 24-hour
# window then closes up to this much early, never late, and most messages write nothing.
CONTACT_TOUCH_EVERY: Final = timedelta(minutes=1)


@dataclass(frozen=True)
class ChatSnapshot:
    # The delivery was handled before: what it answered and the state it left.
    recorded_replies: list[Any] | None
    recorded_state: dict[str, Any] | None
    # The conversation as last committed with a message (None: no conversation).
    durable_state: dict[str, Any] | None
    contact_known: bool
    last_inbound_at: datetime | None
    unreachable: bool

    @property
    def already_handled(self) -> bool:
        return self.recorded_replies is not None

    def contact_needs_touch(self, now: datetime) -> bool:
        last = self.last_inbound_at
        return (
            not self.contact_known
            or self.unreachable
            or last is None
            or now - last >= CONTACT_TOUCH_EVERY
            or now < last  # a clock set back: write the truth
        )


def read_snapshot(
    engine: Engine, *, key: str, channel: str, chat_id: str, message_id: str | None
) -> ChatSnapshot:
    anchor = select(literal(1).label("one")).subquery()
    statement = (
        select(
            col(Conversation.data),
            col(ChatContact.id),
            col(ChatContact.last_inbound_at),
            col(ChatContact.unreachable_at),
        )
        .select_from(anchor)
        .outerjoin(Conversation, col(Conversation.key) == key)
        .outerjoin(
            ChatContact,
            and_(col(ChatContact.channel) == channel, col(ChatContact.chat_id) == chat_id),
        )
    )
    if message_id is not None:
        statement = statement.add_columns(
            col(ProcessedMessage.id), col(ProcessedMessage.replies), col(ProcessedMessage.state)
        ).outerjoin(
            ProcessedMessage,
            and_(
                col(ProcessedMessage.channel) == channel,
                col(ProcessedMessage.chat_id) == chat_id,
                col(ProcessedMessage.message_id) == message_id,
            ),
        )
    # Autocommit: one round trip on PostgreSQL (no BEGIN/ROLLBACK), no lock on SQLite.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        row = conn.execute(statement).one()
    handled = message_id is not None and row[4] is not None
    return ChatSnapshot(
        recorded_replies=list(row[5]) if handled else None,
        recorded_state=dict(row[6]) if handled and row[6] is not None else None,
        durable_state=dict(row[0]) if row[0] is not None else None,
        contact_known=row[1] is not None,
        last_inbound_at=row[2],
        unreachable=row[3] is not None,
    )

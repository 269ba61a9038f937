"""What the service reads before handling a message, in one statement: a delivery already
handled (a provider's retry), the durable copy of the conversation, the chat's contact
record and whether notifications wait for the chat. Read outside any write transaction, so
on SQLite it never waits for the writer. And what it writes after: the delivery's record
with the durable copy, one statement on PostgreSQL.

The durable copy and the delivery's record are sealed (`models.sealed`); they are read
here as stored and opened once, so a value that no key opens (tampered, a lost key) is
reported in the snapshot (`unreadable`) instead of failing the whole read."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Select,
    Table,
    and_,
    bindparam,
    exists,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session

from models.channels import released_by
from models.conversation_store.base import encode_state
from models.conversation_store.sql_store import SqlConversationStore
from models.crypto import KeyRing, SealError
from models.dedup import record_processed
from models.sealed import SEALED_KEY, keys_of
from models.tables import ChatContact, Conversation, OutboxNotification, ProcessedMessage

log = logging.getLogger(__name__)

# staff.outbox.WAITING (models may not import staff): held until the citizen writes.
WAITING: Final = "waiting"

# The contact's last-inbound time is rewritten at most this often: WhatsApp's 24-hour
# window then closes up to this much early, never late, and most messages write nothing.
CONTACT_TOUCH_EVERY: Final = timedelta(minutes=1)


@dataclass(frozen=True)
class ChatSnapshot:
    # The delivery was handled before (its replies are read again by the replay), and the
    # state it left.
    handled: bool
    recorded_state: dict[str, Any] | None
    # The conversation as last committed with a message (None: no conversation).
    durable_state: dict[str, Any] | None
    contact_known: bool
    last_inbound_at: datetime | None
    unreachable: bool
    # Notifications held back for this chat until the citizen writes (staff.outbox WAITING).
    waiting: bool = False
    # The durable copy is there but no key opens it (tampered, or sealed with a lost key).
    unreadable: bool = False

    @property
    def already_handled(self) -> bool:
        return self.handled

    def contact_needs_touch(self, now: datetime) -> bool:
        last = self.last_inbound_at
        return (
            not self.contact_known
            or self.unreachable
            or last is None
            or now - last >= CONTACT_TOUCH_EVERY
            or now < last  # a clock set back: write the truth
        )


@cache
def _snapshot_statement(*, numbered: bool) -> Select[Any]:
    """The snapshot's SELECT, built once per shape (every message reads it): Core columns
    and bound parameters, so each execution is a cache hit with nothing to construct."""
    conversation = Conversation.__table__  # type: ignore[attr-defined]
    contact = ChatContact.__table__  # type: ignore[attr-defined]
    outbox = OutboxNotification.__table__  # type: ignore[attr-defined]
    processed = ProcessedMessage.__table__  # type: ignore[attr-defined]
    channel: BindParameter[str] = bindparam("channel")
    chat_id: BindParameter[str] = bindparam("chat_id")
    # One parameter per column compared: each takes its column's type, and the contact's
    # and the delivery's chat ids are stored as keyed hashes (LookupDigest), the outbox's
    # in clear, so one shared parameter would be bound one way for all three.
    anchor = select(literal(1).label("one")).subquery()
    # Held on this channel, or on the one this channel also releases (`released_by`: a
    # WhatsApp number's phone-channel notices); the same channel twice when there is none.
    waiting = exists().where(
        or_(outbox.c.channel == channel, outbox.c.channel == bindparam("also_channel")),
        outbox.c.chat_id == chat_id,
        outbox.c.status == WAITING,
    )
    statement = (
        select(
            # As stored: opened below, once, and a value that does not open is no error.
            type_coerce(conversation.c.data, JSON),
            contact.c.id,
            contact.c.last_inbound_at,
            contact.c.unreachable_at,
            waiting.label("waiting"),
        )
        .select_from(anchor)
        .outerjoin(conversation, conversation.c.key == bindparam("key"))
        .outerjoin(
            contact,
            and_(
                contact.c.channel == channel,
                contact.c.chat_id == bindparam("contact_chat_id"),
            ),
        )
    )
    if numbered:
        statement = statement.add_columns(
            processed.c.id, type_coerce(processed.c.state, JSON)
        ).outerjoin(
            processed,
            and_(
                processed.c.channel == channel,
                processed.c.chat_id == bindparam("processed_chat_id"),
                processed.c.message_id == bindparam("message_id"),
            ),
        )
    return statement


def read_snapshot(
    engine: Engine, *, key: str, channel: str, chat_id: str, message_id: str | None
) -> ChatSnapshot:
    own, *also = released_by(channel)  # at most one more (the statement has one slot)
    params = {
        "key": key,
        "channel": own,
        "also_channel": also[0] if also else own,
        "chat_id": chat_id,
        "contact_chat_id": chat_id,
    }
    if message_id is not None:
        params |= {"message_id": message_id, "processed_chat_id": chat_id}
    statement = _snapshot_statement(numbered=message_id is not None)
    # Autocommit: one round trip on PostgreSQL (no BEGIN/ROLLBACK), no lock on SQLite.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        row = conn.execute(statement, params).one()
    handled = message_id is not None and row[5] is not None
    keys = keys_of(engine.dialect)
    durable, unreadable = _opened(keys, row[0], "conversation.data")
    recorded = _opened(keys, row[6], "processed_message.state")[0] if handled else None
    return ChatSnapshot(
        handled=handled,
        recorded_state=recorded,
        durable_state=durable,
        contact_known=row[1] is not None,
        last_inbound_at=row[2],
        unreachable=row[3] is not None,
        waiting=bool(row[4]),
        unreadable=unreadable,
    )


def _opened(keys: KeyRing, stored: Any, context: str) -> tuple[dict[str, Any] | None, bool]:
    """A sealed JSON object as stored, opened; (None, True) when it does not open."""
    if stored is None:
        return None, False
    try:
        if not isinstance(stored, dict) or SEALED_KEY not in stored:
            raise SealError(f"a value in {context} is not sealed")
        opened = keys.open_json(stored[SEALED_KEY], context)
        if not isinstance(opened, dict):
            raise SealError(f"a value in {context} is not an object")
    except (SealError, ValueError) as exc:
        log.error("a stored conversation state does not open (%s): set aside", exc)
        return None, True
    return opened, False


def record_delivery(
    session: Session,
    *,
    key: str,
    state: dict[str, Any],
    channel: str,
    chat_id: str,
    message_id: str | None,
    replies: list[Any],
    at: datetime,
) -> None:
    """The handled delivery (when numbered) and the durable copy of the conversation, in
    the caller's transaction. Raises IntegrityError when the same delivery was recorded
    meanwhile, like `models.dedup.record_processed`."""
    encode_state(state)
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        if message_id is not None:
            record_processed(session, channel, message_id, chat_id, replies, state, at=at)
        SqlConversationStore(bind).save(key, state, session=session)  # type: ignore[arg-type]
        return
    params: dict[str, Any] = {"key": key, "data": state, "updated_at": at}
    if message_id is not None:
        params |= {
            "channel": channel,
            "message_id": message_id,
            "chat_id": chat_id,
            "processed_at": at,
            "replies": list(replies),
            "state": dict(state),
        }
    session.connection().execute(_delivery_statement(numbered=message_id is not None), params)


@cache
def _delivery_statement(*, numbered: bool) -> Insert:
    """The durable copy's upsert, with (numbered) the delivery's record as a data-modifying
    CTE: one round trip, built once per shape."""
    conversation = Conversation.__table__  # type: ignore[attr-defined]
    processed = ProcessedMessage.__table__  # type: ignore[attr-defined]
    upsert = postgresql_insert(conversation).values(
        {name: _param(conversation, name) for name in ("key", "data", "updated_at")}
    )
    statement = upsert.on_conflict_do_update(
        index_elements=["key"],
        set_={"data": upsert.excluded.data, "updated_at": upsert.excluded.updated_at},
    )
    if numbered:
        names = ("channel", "message_id", "chat_id", "processed_at", "replies", "state")
        record = (
            postgresql_insert(processed)
            .values({name: _param(processed, name) for name in names})
            .returning(processed.c.id)
            .cte("processed")
        )
        statement = statement.add_cte(record)
    return statement


def _param(table: Table, name: str) -> BindParameter[Any]:
    # Typed like its column, so the column's own conversion (JSON, UTC, sealing) applies.
    return bindparam(name, type_=table.c[name].type)

"""The service: one incoming message in, stored effects and replies out.

Per message: take the chat's lock (with Redis, reading the cached state in the same round
trip); read in one statement whether the delivery was handled already, the durable copy of
the conversation, the chat's contact and whether notifications wait for it; run the engine
(carrying out the effects it asks for); in one short transaction write the replies to the
outbox (claimed by this handler, followed by notifications that waited for the citizen to
write) and record the delivery with its replies, the new state and the durable copy; only
then save the state to the store and return `Handled` (the replies, the chat's language,
what to send). The adapter sends and `report`s each outbox row. A crash before the commit
leaves nothing behind, so the provider's retry starts clean; a retry after it changes
nothing and is handed only the replies not yet confirmed sent. An ordinary message costs
three SQL statements and, with Redis, two Redis round trips (tests/bot/test_message_cost.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.effects import EffectContext, EffectRunner
from bot.inbound import Handled, InboundMessage, OutboxRef
from bot.staff_chat import StaffCommands
from conversations.catalogue import Language
from conversations.engine import INTERRUPTED, UNREADABLE, Script, Turn, advance
from conversations.languages import as_language
from conversations.state import ConversationState
from conversations.types import Choice, Incoming, PhotoRef, Reply
from models.attachments import save_attachment
from models.blobs import BlobRejected, BlobStore
from models.channels import touch_inbound
from models.chat_snapshot import ChatSnapshot, read_snapshot, record_delivery
from models.conversation_store import ConversationStore
from models.crypto import SealError
from models.dedup import find_processed
from models.tables import ProcessedMessage
from staff.outbox import (
    Claimed,
    Settled,
    claim_replies,
    claim_waiting,
    enqueue_replies,
    reply_from_json,
    settle_now,
)

log = logging.getLogger(__name__)

# How long the handler that wrote a message's replies has them to itself before the outbox
# worker sends them instead (the handler died mid-send).
REPLY_LEASE = timedelta(minutes=2)

# An engine turn asks for at most one effect; a chain longer than this is a bug, not a flow.
MAX_EFFECTS_PER_MESSAGE = 8


class ChatService:
    def __init__(
        self,
        *,
        engine: Engine,
        store: ConversationStore,
        blobs: BlobStore,
        script: Script,
        effects: EffectRunner,
        staff_commands: StaffCommands | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        reply_lease: timedelta = REPLY_LEASE,
    ) -> None:
        self._engine = engine
        self._reply_lease = reply_lease
        self._store = store
        self._blobs = blobs
        self._script = script
        self._effects = effects
        self._staff_commands = staff_commands
        self._clock = clock
        # A store that joins the transaction (SQL) saves inside it; others after the commit.
        self._transactional = store.joins_transaction

    def handle(self, message: InboundMessage) -> Handled:
        key = message.chat_key
        with self._store.lock(key):
            try:
                return self._handle_locked(message)
            except IntegrityError:
                # The same delivery was committed by another worker a moment ago.
                if message.message_id is None:
                    raise
                replay = self._replay(message)
                if replay is None:
                    raise
                return replay

    def language_of(self, channel: str, sender: str) -> Language:
        """The chat's language (Indonesian when unknown), for answers without the engine."""
        key = InboundMessage(channel=channel, sender=sender).chat_key
        try:
            return _language((self._store.load(key) or {}).get("language"))
        except SealError:
            return _language(None)

    def _handle_locked(self, message: InboundMessage) -> Handled:
        now = self._clock()
        key = message.chat_key
        transactional = self._transactional
        # Reads first, outside any write transaction (on SQLite the write lock is taken only
        # for the writes): the chat's lock keeps its rows still meanwhile.
        snapshot = read_snapshot(
            self._engine,
            key=key,
            channel=message.channel,
            chat_id=message.sender,
            message_id=message.message_id,
        )
        if snapshot.already_handled:
            self._heal(key, snapshot.recorded_state)
            try:
                with Session(self._engine) as session, session.begin():
                    done = find_processed(
                        session, message.channel, message.sender, message.message_id or ""
                    )
                    if done is not None:
                        return self._replayed(session, message, done, now)
            except SealError as exc:
                # The delivery was handled; its record no longer opens (tampered): answer
                # nothing again rather than fail the provider's retry forever.
                log.error("a handled delivery's record does not open (%s)", exc)
                return Handled([], _language(None), [])
        state = self._load(key, snapshot)
        with Session(self._engine) as session:  # begins at the first statement that needs it
            staff_replies = (
                self._staff_commands.answer(session, message, now)
                if self._staff_commands is not None
                else None
            )
            if staff_replies is not None:
                replies = staff_replies  # a staff command leaves the citizen flow untouched
            else:
                incoming = self._incoming(message, now, session)
                replies, state = self._run(state, incoming, message, session, now)
            data = state.model_dump(mode="json")
            if snapshot.contact_needs_touch(now):
                touch_inbound(session, message.channel, message.sender, at=now)
            recorded = [_recorded(r) for r in replies]
            # The delivery's record and the durable copy of the conversation (with Redis,
            # what a flushed or restarted Redis is recovered from): one statement.
            record_delivery(
                session,
                key=key,
                state=data,
                channel=message.channel,
                chat_id=message.sender,
                message_id=message.message_id,
                replies=recorded,
                at=now,
            )
            language = _language(data.get("language"))
            claimed = enqueue_replies(
                session,
                channel=message.channel,
                chat_id=message.sender,
                delivery=message.message_id,
                replies=recorded,
                language=language,
                at=now,
                lease=self._reply_lease,
            )
            if snapshot.waiting:
                # Notifications held back for this chat go out after the replies (the
                # snapshot saw that there are some: most messages skip this query).
                claimed += claim_waiting(
                    session,
                    channel=message.channel,
                    chat_id=message.sender,
                    delivery=message.message_id,
                    after=len(replies),
                    at=now,
                    lease=self._reply_lease,
                )
            session.commit()
        if not transactional:
            # After the commit (with Redis: sent with the lock's release). A crash in between
            # is healed from the durable copy.
            self._store.save(key, data)
        log.info(
            "handled %s message on %s: %d replies",
            "new" if message.message_id else "unnumbered",
            message.channel,
            len(replies),
        )
        return Handled(replies, language, _to_send(claimed))

    def report(self, results: Sequence[Settled]) -> None:
        """What became of the outbox rows an adapter was handed (`Handled.to_send`)."""
        settle_now(self._engine, results, at=self._clock())

    def _replay(self, message: InboundMessage) -> Handled | None:
        assert message.message_id is not None
        with Session(self._engine) as session, session.begin():
            done = find_processed(session, message.channel, message.sender, message.message_id)
            return self._replayed(session, message, done, self._clock()) if done else None

    def _replayed(
        self, session: Session, message: InboundMessage, done: ProcessedMessage, now: datetime
    ) -> Handled:
        """A delivery handled before: all its replies again (for the simulator's answer),
        and to send only those not yet confirmed sent."""
        assert message.message_id is not None
        claimed = claim_replies(
            session,
            channel=message.channel,
            chat_id=message.sender,
            delivery=message.message_id,
            at=now,
            lease=self._reply_lease,
        )
        language = _language((done.state or {}).get("language"))
        return Handled([reply_from_json(r) for r in done.replies], language, _to_send(claimed))

    def _heal(self, key: str, recorded: dict[str, Any] | None) -> None:
        """Put back the state of a delivery whose state save was lost in a crash."""
        if not recorded or self._transactional:
            return  # the SQL store committed the state with the delivery
        try:
            current = self._store.load(key)
        except SealError:
            current = None  # replaced by the recorded state, which opened
        if current is None or _older(current, recorded):
            self._store.save(key, recorded)

    def _load(self, key: str, snapshot: ChatSnapshot) -> ConversationState:
        durable = snapshot.durable_state
        unreadable = snapshot.unreadable
        if self._transactional:
            data = durable
        else:
            try:
                cached = self._store.load(key)
            except SealError as exc:
                log.error("a conversation state in the store does not open (%s)", exc)
                cached, unreadable = None, True
            data = cached
            if durable is not None and (cached is None or _older(cached, durable)):
                # Redis lost the conversation (flushed, restarted) or missed the last save
                # (a crash after the commit): the committed copy is the truth.
                data = durable
                if cached is None and durable.get("flow"):
                    log.warning("conversation missing from Redis: restored the durable copy")
                    return _validated(data, interrupted=True)
        if data is None and unreadable:
            # Nothing that opens: start again, and say so (not a silent menu).
            return ConversationState(scratch={UNREADABLE: True})
        return _validated(data)

    def _incoming(self, message: InboundMessage, now: datetime, session: Session) -> Incoming:
        photo: PhotoRef | None = None
        rejected = f"media.{message.rejected}" if message.rejected is not None else None
        if message.photo is not None:
            try:
                blob = self._blobs.put(message.photo.data)
            except BlobRejected as refused:
                rejected = f"media.{refused.code}"
            else:
                save_attachment(
                    session, blob, channel=message.channel, chat_id=message.sender, now=now
                )
                photo = PhotoRef(blob.ref, blob.content_type, blob.size)
        return Incoming(
            now=now,
            text=message.text,
            choice=message.choice,
            photo=photo,
            location=message.location,
            contact_phone=message.contact_phone,
            sender_phone=message.sender_phone,
            rejected=rejected,
        )

    def _run(
        self,
        state: ConversationState,
        incoming: Incoming,
        message: InboundMessage,
        session: Session,
        now: datetime,
    ) -> tuple[list[Reply], ConversationState]:
        turn: Turn = advance(self._script, state, incoming)
        replies = list(turn.replies)
        ctx = EffectContext(session, message.channel, message.sender, now)
        for _ in range(MAX_EFFECTS_PER_MESSAGE):
            if not turn.effects:
                return replies, turn.state
            result = self._effects.run(turn.effects[0], ctx)
            turn = advance(self._script, turn.state, Incoming(now=now, effect_result=result))
            replies.extend(turn.replies)
        raise RuntimeError("the engine kept asking for effects")


def _older(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return str(a.get("updated_at") or "") < str(b.get("updated_at") or "")


def _validated(data: dict[str, Any] | None, *, interrupted: bool = False) -> ConversationState:
    if data is None:
        return ConversationState()
    try:
        state = ConversationState.model_validate(data)
    except ValueError:
        # A state from an incompatible older version: start over rather than fail forever.
        log.warning("discarded an unreadable conversation state")
        return ConversationState()
    if interrupted:
        # The engine tells the citizen before reading their next answer (never a silent
        # menu choice from an answer meant for a question).
        state.scratch[INTERRUPTED] = True
    return state


_REPLY_FIELDS = tuple(f.name for f in fields(Reply))
_CHOICE_FIELDS = tuple(f.name for f in fields(Choice))


def _recorded(reply: Reply) -> dict[str, Any]:
    """`dataclasses.asdict(reply)`, without its generic deep copy (every reply of every
    message goes through it): the same dict, choices as a tuple of dicts."""
    data = {name: getattr(reply, name) for name in _REPLY_FIELDS}
    data["choices"] = tuple(
        {name: getattr(choice, name) for name in _CHOICE_FIELDS} for choice in reply.choices
    )
    return data


def _language(value: object) -> Language:
    return as_language(value if isinstance(value, str) else None)


def _to_send(claimed: list[Claimed]) -> list[tuple[OutboxRef | None, Reply]]:
    return [
        (OutboxRef(row.id, row.attempt), reply_from_json({"text": row.text, **(row.reply or {})}))
        for row in claimed
    ]

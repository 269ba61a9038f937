"""The outbox: every message the bot sends, replies and notifications, one row each with
its own delivery state.

States: `pending` (to send, from `due_at`), `sending` (claimed until `claimed_until`),
`waiting` (held until the citizen writes: WhatsApp outside 24 hours without a template, the
simulator), `answered` (handed over in a webhook's HTTP answer: TwiML, Telegram's method in
the body; not confirmed, so a provider's retry of that delivery gets it again), `sent`
(the provider took it; the text is forgotten) and `dead` (given up, text kept for an
operator).

Written in the caller's transaction: a notification (`enqueue`) with the change it tells
about; the replies to an inbound message (`enqueue_replies`) with its effects, already
claimed by the handler that will send them, together with what `waiting` for that chat
(`claim_waiting`). A provider's retry of the same delivery claims only its replies not
yet confirmed (`claim_replies`). The adapter reports each row's outcome (`settle`).

The worker (`bot.worker`) then:
1. `claim`s due rows in one short transaction: `pending` rows whose `due_at` has come, and
   `sending` rows whose lease ran out (a webhook or worker that died mid-send: replies too).
   They become `sending` with `claimed_until = now + lease` and `attempts + 1`. On
   PostgreSQL the rows are picked with `SELECT ... FOR UPDATE SKIP LOCKED`, so concurrent
   workers never take the same row; SQLite has one writer at a time (the engine begins
   every transaction IMMEDIATE), so a claim there is already exclusive.
   **One chat's messages leave in order**: a row is taken only when every earlier unsent
   row of its chat is taken in the same claim; a row in flight or waiting for a retry
   holds back the later ones of its chat (other chats go on).
2. hands each to its channel, and
3. `mark_sent` right after the channel returns (its own transaction), or `mark_failed`
   (back to `pending` at `retry_at`, or `dead`).

Exactly-once delivery is impossible across a network: if the process dies AFTER the
provider accepted a message but BEFORE `mark_sent` committed, the row is claimed again once
its lease has run out and the citizen gets the message twice. The outbox is therefore
at-least-once; the window is kept to the time between the provider's answer and one small
UPDATE. Nothing is lost: a row leaves `pending`/`sending` only as `sent`, `answered`,
`waiting` or `dead`.

Each claim bumps `attempts`, and a report only applies to the claim it belongs to (the
attempt number), so a sender that overran its lease cannot undo a newer claim.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from sqlalchemy import String, and_, bindparam, exists, func, insert, or_, type_coerce, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from conversations.types import Choice, Reply
from models.channels import released_by
from models.tables import OutboxNotification

SessionFactory = Callable[[], Session]

PENDING: Final = "pending"
SENDING: Final = "sending"
WAITING: Final = "waiting"
ANSWERED: Final = "answered"
SENT: Final = "sent"
DEAD: Final = "dead"
REPLY: Final = "reply"  # the kind of a reply row
# States that hold back the later rows of their chat (see `claim`).
_IN_FLIGHT: Final = (PENDING, SENDING)


def enqueue(
    session: Session,
    *,
    channel: str,
    chat_id: str,
    kind: str,
    text: str,
    variables: Mapping[str, str] | None = None,
    request_id: int | None = None,
    at: datetime,
    due_at: datetime | None = None,
    flush: bool = True,
) -> OutboxNotification:
    """Add a notification in the caller's transaction (no commit; `flush=False` leaves the
    INSERT to the caller's next flush, for many rows at once)."""
    row = OutboxNotification(
        channel=channel,
        chat_id=chat_id,
        recipient=chat_id,
        kind=kind,
        text=text,
        variables=dict(variables or {}),
        request_id=request_id,
        status=PENDING,
        attempts=0,
        due_at=due_at or at,
        created_at=at,
    )
    session.add(row)
    if flush:
        session.flush()
    return row


@dataclass(frozen=True)
class NewNotification:
    channel: str
    chat_id: str
    kind: str
    text: str
    variables: Mapping[str, str] = field(default_factory=dict)
    request_id: int | None = None


def enqueue_many(
    session: Session, notifications: Sequence[NewNotification], *, at: datetime
) -> int:
    """Add many notifications in the caller's transaction with one bulk INSERT (the daily
    summaries: thousands at once). Returns how many."""
    if not notifications:
        return 0
    session.execute(
        insert(OutboxNotification),
        [
            {
                "channel": n.channel,
                "chat_id": n.chat_id,
                "recipient": n.chat_id,
                "kind": n.kind,
                "text": n.text,
                "variables": dict(n.variables),
                "request_id": n.request_id,
                "status": PENDING,
                "attempts": 0,
                "due_at": at,
                "created_at": at,
            }
            for n in notifications
        ],
    )
    return len(notifications)


@dataclass(frozen=True)
class Partition:
    """Worker process `index` of `count` (`dtsen-bot worker --processes N`): each chat's
    notifications all go to one process, which sends them in order (PostgreSQL only)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"partition {self.index} of {self.count}")


def _in_partition(partition: Partition) -> Any:
    chat = func.concat(col(OutboxNotification.channel), ":", col(OutboxNotification.chat_id))
    return func.abs(func.hashtext(chat)) % partition.count == partition.index


@dataclass(frozen=True)
class Claimed:
    """A row claimed by the caller, for sending now."""

    id: int
    attempt: int
    kind: str
    text: str
    # A reply's JSON beyond its text (choices, expects ...); None for a notification.
    reply: Mapping[str, Any] | None


def enqueue_replies(
    session: Session,
    *,
    channel: str,
    chat_id: str,
    delivery: str | None,
    replies: Sequence[Mapping[str, Any]],
    language: str,
    at: datetime,
    lease: timedelta,
) -> list[Claimed]:
    """The replies to one inbound message (`delivery`: the provider's id), in the caller's
    transaction, already claimed by the caller for `lease`: the worker takes them only if
    the caller dies before it reports (`settle`)."""
    if not replies:
        return []
    texts = [str(reply["text"]) for reply in replies]
    extras = [{key: value for key, value in reply.items() if key != "text"} for reply in replies]
    rows = [
        {
            "channel": channel,
            "chat_id": chat_id,
            "recipient": chat_id,
            "kind": REPLY,
            "text": texts[position],
            "variables": {},
            "request_id": None,
            "reply": extras[position],
            "language": language,
            "delivery": delivery,
            "position": position,
            "status": SENDING,
            "attempts": 1,
            "due_at": at,
            "claimed_until": at + lease,
            "created_at": at,
        }
        for position in range(len(replies))
    ]
    # A Core INSERT ... RETURNING built once (every message writes its replies): no ORM
    # objects, unit of work or statement construction per message.
    ids = session.connection().execute(_INSERT_REPLIES, rows).scalars().all()
    return [
        Claimed(row_id, 1, REPLY, text, extra)
        for row_id, text, extra in zip(ids, texts, extras, strict=True)
    ]


_OUTBOX = OutboxNotification.__table__  # type: ignore[attr-defined]
_INSERT_REPLIES: Final = insert(_OUTBOX).returning(_OUTBOX.c.id, sort_by_parameter_order=True)


def claim_replies(
    session: Session,
    *,
    channel: str,
    chat_id: str,
    delivery: str,
    at: datetime,
    lease: timedelta,
) -> list[Claimed]:
    """A provider's retry of `delivery`: its rows not yet confirmed, in their order. Sent
    and dead rows stay as they are; a row another handler holds (its lease running) too."""
    table = OutboxNotification
    statement = (
        select(table)
        .where(
            table.channel == channel,
            table.chat_id == chat_id,
            table.delivery == delivery,
            or_(
                col(table.status).in_((PENDING, ANSWERED)),
                and_(col(table.status) == SENDING, _lease_over(at)),
            ),
        )
        .order_by(col(table.position), col(table.id))
    )
    return _take(session, list(session.exec(statement)), at, lease)


def claim_waiting(
    session: Session,
    *,
    channel: str,
    chat_id: str,
    delivery: str | None,
    after: int,
    at: datetime,
    lease: timedelta,
) -> list[Claimed]:
    """The citizen wrote: what waited for them goes out after the replies to `delivery`
    (positions from `after` on), claimed by the caller like those replies. A WhatsApp
    message also takes what waited for its number on the phone channel (`released_by`)."""
    table = OutboxNotification
    statement = (
        select(table)
        .where(
            col(table.channel).in_(released_by(channel)),
            table.chat_id == chat_id,
            table.status == WAITING,
        )
        .order_by(col(table.id))
    )
    rows = list(session.exec(statement))
    for position, row in enumerate(rows, start=after):
        row.delivery = delivery
        row.position = position
    return _take(session, rows, at, lease)


def _take(
    session: Session, rows: list[OutboxNotification], at: datetime, lease: timedelta
) -> list[Claimed]:
    for row in rows:
        row.status = SENDING
        row.claimed_until = at + lease
        row.attempts += 1
        session.add(row)
    session.flush()
    return [_claimed(row) for row in rows]


def _claimed(row: OutboxNotification) -> Claimed:
    assert row.id is not None
    return Claimed(row.id, row.attempts, row.kind, row.text, row.reply)


Outcome = Literal["sent", "answered", "retry", "release", "dead"]


@dataclass(frozen=True)
class Settled:
    """What became of one claimed row in its sender's hands."""

    id: int
    attempt: int
    outcome: Outcome
    error: str = ""
    retry_at: datetime | None = None  # for "retry"
    path: str = "reply"


def settle(session: Session, results: Sequence[Settled], *, at: datetime) -> int:
    """Record what became of claimed rows (in the caller's transaction); returns how many
    changed. A result for a claim that is no longer current (the lease ran out, another
    sender took the row) changes nothing."""
    connection = session.connection()
    alike, rest = _alike(results)
    changed = sum(_settle_alike(connection, group, ids, at) for group, ids in alike.items())
    for result in rest:
        done = connection.execute(
            update(_OUTBOX)
            .where(
                _OUTBOX.c.id == result.id,
                _OUTBOX.c.status == SENDING,
                _OUTBOX.c.attempts == result.attempt,
            )
            .values(**_settled_values(result, at))
        )
        changed += int(getattr(done, "rowcount", 0))
    return changed


def settle_now(engine: Engine, results: Sequence[Settled], *, at: datetime) -> int:
    """`settle` for an adapter's report after a message, outside any transaction. Rows sent
    or answered are settled by one UPDATE per kind without BEGIN and COMMIT (the rows are
    independent, and each statement is atomic): on every message, one round trip where a
    transaction and a statement per row took four or more. Other outcomes (rare) keep a
    transaction."""
    alike, rest = _alike(results)
    changed = 0
    if alike:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for group, ids in alike.items():
                changed += _settle_alike(connection, group, ids, at)
    if rest:
        with Session(engine) as session, session.begin():
            changed += settle(session, rest, at=at)
    return changed


# ("sent", path, attempt) or ("answered", "", attempt): rows settled by one statement.
_Alike = tuple[Literal["sent", "answered"], str, int]


def _alike(results: Sequence[Settled]) -> tuple[dict[_Alike, list[int]], list[Settled]]:
    """The results that one prepared UPDATE per group settles (sent, answered), and the
    others."""
    alike: dict[_Alike, list[int]] = {}
    rest: list[Settled] = []
    for result in results:
        if result.outcome == "sent":
            alike.setdefault(("sent", result.path[:16], result.attempt), []).append(result.id)
        elif result.outcome == "answered":
            alike.setdefault(("answered", "", result.attempt), []).append(result.id)
        else:
            rest.append(result)
    return alike, rest


def _settle_alike(connection: Connection, group: _Alike, ids: list[int], at: datetime) -> int:
    outcome, path, attempt = group
    statement = _SETTLE_SENT if outcome == "sent" else _SETTLE_ANSWERED
    params: dict[str, Any] = {"ids": ids, "claim": attempt, "at": at}
    if outcome == "sent":
        params["new_path"] = path
    done = connection.execute(statement, params)
    return int(getattr(done, "rowcount", 0))


def _settled_values(result: Settled, at: datetime) -> dict[str, Any]:
    """The new values of a row retried, released or dead (sent and answered: `_alike`)."""
    values: dict[str, Any] = {"claimed_until": None}
    if result.outcome == "retry":
        values |= {"status": PENDING, "due_at": result.retry_at or at}
        values |= {"last_error": result.error[:255]}
    elif result.outcome == "release":
        # Never tried: the claim does not count as an attempt.
        values |= {"status": PENDING, "attempts": _OUTBOX.c.attempts - 1}
    else:
        values |= {"status": DEAD, "last_error": result.error[:255]}
    return values


def _sent_values(at: datetime, path: str) -> dict[str, Any]:
    """Sent: the text (it may hold a rejection reason, a digest with tickets) is forgotten."""
    return {
        "status": SENT,
        "path": path[:16],
        "sent_at": at,
        "claimed_until": None,
        "last_error": None,
        "text": "",
        "recipient": "",
        "variables": {},
        "reply": None,
    }


# `settle` for rows sent or answered (Core, built once: every message's report runs one).
_CLAIMED_ROWS: Final = (
    _OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
    _OUTBOX.c.status == SENDING,
    _OUTBOX.c.attempts == bindparam("claim"),
)
_SETTLE_SENT: Final = (
    update(_OUTBOX)
    .where(*_CLAIMED_ROWS)
    .values(
        {
            **_sent_values(datetime.min, ""),
            "path": bindparam("new_path"),
            "sent_at": bindparam("at"),
        }
    )
)
_SETTLE_ANSWERED: Final = (
    update(_OUTBOX)
    .where(*_CLAIMED_ROWS)
    .values(status=ANSWERED, sent_at=bindparam("at"), path="answer", claimed_until=None)
)


def forget_answered(session: Session, *, before: datetime) -> int:
    """Replies handed over in a webhook answer before `before`: no provider retries that
    delivery any more, so they count as sent and their text is forgotten."""
    table = OutboxNotification
    result = session.execute(
        update(table)
        .where(col(table.status) == ANSWERED, col(table.sent_at) < before)
        .values(status=SENT, text="", recipient="", reply=None, variables={})
    )
    return int(getattr(result, "rowcount", 0))


def claim(
    session_factory: SessionFactory,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    max_attempts: int | None = None,
    partition: Partition | None = None,
) -> list[OutboxNotification]:
    """Take up to `limit` due rows for sending, oldest first (one transaction), keeping
    each chat's order (see the module's docstring).

    A `sending` row whose lease ran out after `max_attempts` claims is not taken again: it
    becomes `dead` (a message that keeps killing the worker must not do so forever).
    The returned rows are detached snapshots: change them only through `mark_*`.
    """
    if limit < 1:
        return []
    table = OutboxNotification
    with session_factory() as session, session.begin():
        session.expire_on_commit = False
        stale = and_(col(table.status) == SENDING, _lease_over(now))
        if max_attempts is not None:
            session.execute(
                update(table)
                .where(stale, col(table.attempts) >= max_attempts)
                .values(
                    status=DEAD,
                    claimed_until=None,
                    last_error="lease ran out on every attempt (worker stopped mid-send?)",
                )
            )
        earlier = aliased(table)
        held_back = exists().where(
            col(earlier.channel) == col(table.channel),
            col(earlier.chat_id) == col(table.chat_id),
            col(earlier.id) < col(table.id),
            or_(
                and_(col(earlier.status) == SENDING, ~_lease_over(now, earlier)),
                and_(col(earlier.status) == PENDING, col(earlier.due_at) > now),
            ),
        )
        due = or_(and_(col(table.status) == PENDING, col(table.due_at) <= now), stale)
        statement = select(table).where(due, ~held_back).order_by(col(table.id)).limit(limit)
        postgresql = session.get_bind().dialect.name == "postgresql"
        if partition is not None and partition.count > 1:
            if not postgresql:
                raise ValueError("several worker processes need PostgreSQL")
            # Two processes claiming at once could each take a row of one chat (neither
            # sees the other's claim yet): a chat belongs to one process.
            statement = statement.where(_in_partition(partition))
        if postgresql:
            statement = statement.with_for_update(skip_locked=True)
        rows = _in_chat_order(session, list(session.exec(statement)))
        for row in rows:
            row.status = SENDING
            row.claimed_until = now + lease
            row.attempts += 1
            session.add(row)
        session.flush()
    return rows


def _in_chat_order(session: Session, rows: list[OutboxNotification]) -> list[OutboxNotification]:
    """The rows that start their chat's unsent rows with no gap.

    A gap is a row another worker holds (skipped by SKIP LOCKED, or claimed since our
    select began): what follows it in that chat must wait for it.
    """
    if not rows:
        return rows
    table = OutboxNotification
    chats = {(row.channel, row.chat_id) for row in rows}
    # The rows hold the chats' keyed hashes already: compared as stored, not hashed again.
    stored_chat = type_coerce(col(table.chat_id), String)
    unsent = session.exec(
        select(table.id, table.channel, table.chat_id)
        .where(
            or_(*(and_(col(table.channel) == ch, stored_chat == c) for ch, c in chats)),
            col(table.status).in_(_IN_FLIGHT),
            col(table.id) <= max(row.id or 0 for row in rows),
        )
        .order_by(col(table.id))
    ).all()
    taken = {row.id for row in rows}
    blocked: set[tuple[str, str]] = set()
    keep: set[int] = set()
    for row_id, channel, chat_id in unsent:
        if (channel, chat_id) in blocked:
            continue
        if row_id is not None and row_id in taken:
            keep.add(row_id)
        else:
            blocked.add((channel, chat_id))
    return [row for row in rows if row.id in keep]


def _lease_over(now: datetime, table: Any = OutboxNotification) -> Any:
    return or_(col(table.claimed_until).is_(None), col(table.claimed_until) <= now)


def mark_sent(
    session_factory: SessionFactory, notification_id: int, *, path: str, at: datetime
) -> bool:
    """The notifier took it (by `path`). False when it was already sent or is dead.

    Path "waiting": the channel holds it until the citizen writes (`claim_waiting`)."""
    values = (
        {"status": WAITING, "path": WAITING, "claimed_until": None, "last_error": None}
        if path == WAITING
        else _sent_values(at, path)
    )
    with session_factory() as session, session.begin():
        result = session.execute(
            update(OutboxNotification)
            .where(
                col(OutboxNotification.id) == notification_id,
                col(OutboxNotification.status).in_((SENDING, PENDING)),
            )
            .values(**values)
        )
        return bool(getattr(result, "rowcount", 0))


def mark_failed(
    session_factory: SessionFactory,
    notification_id: int,
    *,
    attempt: int,
    error: str,
    at: datetime,
    retry_at: datetime | None,
) -> bool:
    """This claim (`attempt`) failed: try again at `retry_at`, or give up (`None`: dead).

    False when the row was meanwhile claimed again, sent or given up (nothing changes)."""
    outcome: Outcome = "retry" if retry_at is not None else "dead"
    failed = Settled(notification_id, attempt, outcome, error=error, retry_at=retry_at)
    with session_factory() as session, session.begin():
        return settle(session, [failed], at=at) == 1


def release(
    session_factory: SessionFactory, notification_id: int, *, attempt: int, at: datetime
) -> bool:
    """Claimed but not tried (an earlier row of its chat failed): back to `pending`, and
    the claim does not count as an attempt."""
    with session_factory() as session, session.begin():
        return settle(session, [Settled(notification_id, attempt, "release")], at=at) == 1


def notifications_for_request(session: Session, request_id: int) -> list[OutboxNotification]:
    """A request's notifications, oldest first (for the staff timeline and tests)."""
    return list(
        session.exec(
            select(OutboxNotification)
            .where(OutboxNotification.request_id == request_id)
            .order_by(col(OutboxNotification.created_at), col(OutboxNotification.id))
        )
    )


def reply_from_json(data: Mapping[str, Any]) -> Reply:
    """A reply as recorded (`dataclasses.asdict`), or as a reply row holds it (its text
    plus `reply`); a notification row has only its text."""
    return Reply(
        text=data["text"],
        choices=tuple(Choice(c["id"], c["label"]) for c in data.get("choices", ())),
        expects=data.get("expects", "text"),
        numbered=data.get("numbered", True),
        asks_phone=data.get("asks_phone", False),
    )

"""The notification outbox: written with the change it tells about, sent by the worker.

`enqueue` adds a row in the caller's session, so a status change and its notification are
committed together or not at all. The worker (`bot.worker`) then:

1. `claim`s due rows in one short transaction: `pending` rows whose `due_at` has come, and
   `sending` rows whose lease ran out (a worker that died mid-send). They become `sending`
   with `claimed_until = now + lease` and `attempts + 1`. On PostgreSQL the rows are picked
   with `SELECT ... FOR UPDATE SKIP LOCKED`, so concurrent workers never take the same row;
   SQLite has one writer at a time (the engine begins every transaction IMMEDIATE), so a
   claim there is already exclusive.
2. hands each to its channel's notifier, and
3. `mark_sent` right after the notifier returns (its own transaction), or `mark_failed`
   (back to `pending` at `retry_at`, or `dead`).

Exactly-once delivery is impossible across a network: if the process dies AFTER the
provider accepted a message but BEFORE `mark_sent` committed, the row is claimed again once
its lease has run out and the citizen gets the message twice. The outbox is therefore
at-least-once; the window is kept to the time between the provider's answer and one small
UPDATE. Nothing is lost: a row leaves `pending`/`sending` only as `sent` or `dead`.

The lease must be longer than a notifier can take for the rows of one claim (the worker
also skips rows whose lease has nearly run out instead of sending them late). Each claim
bumps `attempts`, and `mark_failed` only applies to the claim it belongs to (the attempt
number), so a worker that overran its lease cannot undo a newer claim.

Sent rows keep no text: `text` and `variables` are cleared (they may hold a rejection
reason, a digest with tickets). Dead rows keep them for an operator to look at.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import and_, func, insert, or_, update
from sqlmodel import Session, col, select

from models.tables import OutboxNotification

SessionFactory = Callable[[], Session]

PENDING: Final = "pending"
SENDING: Final = "sending"
SENT: Final = "sent"
DEAD: Final = "dead"


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


def claim(
    session_factory: SessionFactory,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    max_attempts: int | None = None,
    partition: Partition | None = None,
) -> list[OutboxNotification]:
    """Take up to `limit` due notifications for sending, oldest first (one transaction).

    A `sending` row whose lease ran out after `max_attempts` claims is not taken again: it
    becomes `dead` (a message that keeps killing the worker must not do so forever).
    The returned rows are detached snapshots: change them only through `mark_*`.
    """
    if limit < 1:
        return []
    with session_factory() as session, session.begin():
        session.expire_on_commit = False
        stale = and_(col(OutboxNotification.status) == SENDING, _lease_over(now))
        if max_attempts is not None:
            session.execute(
                update(OutboxNotification)
                .where(stale, col(OutboxNotification.attempts) >= max_attempts)
                .values(
                    status=DEAD,
                    claimed_until=None,
                    last_error="lease ran out on every attempt (worker stopped mid-send?)",
                )
            )
        due = or_(
            and_(col(OutboxNotification.status) == PENDING, col(OutboxNotification.due_at) <= now),
            stale,
        )
        statement = (
            select(OutboxNotification)
            .where(due)
            .order_by(col(OutboxNotification.due_at), col(OutboxNotification.id))
            .limit(limit)
        )
        postgresql = session.get_bind().dialect.name == "postgresql"
        if partition is not None and partition.count > 1:
            if not postgresql:
                raise ValueError("several worker processes need PostgreSQL")
            statement = statement.where(_in_partition(partition))
        if postgresql:
            statement = statement.with_for_update(skip_locked=True)
        rows = list(session.exec(statement))
        for row in rows:
            row.status = SENDING
            row.claimed_until = now + lease
            row.attempts += 1
            session.add(row)
        session.flush()
    return rows


def _lease_over(now: datetime) -> Any:
    return or_(
        col(OutboxNotification.claimed_until).is_(None),
        col(OutboxNotification.claimed_until) <= now,
    )


def mark_sent(
    session_factory: SessionFactory, notification_id: int, *, path: str, at: datetime
) -> bool:
    """The notifier took it (by `path`). False when it was already sent or is dead."""
    with session_factory() as session, session.begin():
        result = session.execute(
            update(OutboxNotification)
            .where(
                col(OutboxNotification.id) == notification_id,
                col(OutboxNotification.status).in_((SENDING, PENDING)),
            )
            .values(
                status=SENT,
                path=path[:16],
                sent_at=at,
                claimed_until=None,
                last_error=None,
                text="",
                variables={},
            )
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
    values: dict[str, Any] = {
        "status": PENDING if retry_at is not None else DEAD,
        "claimed_until": None,
        "last_error": error[:255],
    }
    if retry_at is not None:
        values["due_at"] = retry_at
    with session_factory() as session, session.begin():
        result = session.execute(
            update(OutboxNotification)
            .where(
                col(OutboxNotification.id) == notification_id,
                col(OutboxNotification.status) == SENDING,
                col(OutboxNotification.attempts) == attempt,
            )
            .values(**values)
        )
        return bool(getattr(result, "rowcount", 0))


def notifications_for_request(session: Session, request_id: int) -> list[OutboxNotification]:
    """A request's notifications, oldest first (for the staff timeline and tests)."""
    return list(
        session.exec(
            select(OutboxNotification)
            .where(OutboxNotification.request_id == request_id)
            .order_by(col(OutboxNotification.created_at), col(OutboxNotification.id))
        )
    )

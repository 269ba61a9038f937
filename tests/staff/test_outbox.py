"""The outbox: claimed by one worker at a time, surviving a crash mid-send, never lost."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.channels.notify import Notification, Path
from bot.worker import Worker
from models.tables import OutboxNotification
from staff.outbox import (
    Partition,
    Settled,
    claim,
    claim_replies,
    enqueue,
    enqueue_replies,
    forget_answered,
    mark_failed,
    mark_sent,
    settle,
    settle_now,
)
from tests.bot.test_worker import NOW, FakeNotifier, add, row
from tests.costs import StatementCounter

LEASE = timedelta(minutes=5)


def factory(engine: Engine):  # type: ignore[no-untyped-def]
    return lambda: Session(engine)


def test_a_claim_takes_due_rows_oldest_first_for_the_length_of_a_lease(db_engine: Engine) -> None:
    first, second = add(db_engine, chat_id="1"), add(db_engine, chat_id="2")
    with Session(db_engine) as session, session.begin():
        enqueue(
            session,
            channel="telegram",
            chat_id="later",
            kind="digest",
            text="nanti",
            at=NOW,
            due_at=NOW + timedelta(hours=1),
        )
    taken = claim(factory(db_engine), now=NOW, limit=10, lease=LEASE)
    assert [r.id for r in taken] == [first, second]
    assert all(r.status == "sending" and r.attempts == 1 for r in taken)
    assert all(r.claimed_until == NOW + LEASE for r in taken)
    # Taken rows are not taken again while their lease runs; the later one is not due yet.
    assert (
        claim(factory(db_engine), now=NOW + LEASE - timedelta(seconds=1), limit=10, lease=LEASE)
        == []
    )
    again = claim(factory(db_engine), now=NOW + LEASE, limit=1, lease=LEASE)
    assert [r.id for r in again] == [first] and again[0].attempts == 2


def test_marking_applies_to_the_claim_it_belongs_to(db_engine: Engine) -> None:
    row_id = add(db_engine)
    (first,) = claim(factory(db_engine), now=NOW, limit=1, lease=LEASE)
    # The first worker overran its lease; a second one claimed the row meanwhile.
    (second,) = claim(factory(db_engine), now=NOW + LEASE, limit=1, lease=LEASE)
    assert not mark_failed(
        factory(db_engine), row_id, attempt=first.attempts, error="late", at=NOW, retry_at=NOW
    )
    assert row(db_engine, row_id).status == "sending"
    assert mark_sent(factory(db_engine), row_id, path="free_form", at=NOW + LEASE)
    assert not mark_sent(factory(db_engine), row_id, path="free_form", at=NOW + LEASE)
    assert not mark_failed(
        factory(db_engine), row_id, attempt=second.attempts, error="x", at=NOW, retry_at=None
    )
    assert row(db_engine, row_id).status == "sent"


def test_a_worker_that_dies_before_sending_loses_nothing(db_engine: Engine) -> None:
    row_id = add(db_engine, text="Kabar U-7KQ4M9")
    claim(factory(db_engine), now=NOW, limit=10, lease=LEASE)  # ... and the process dies
    fake = FakeNotifier()
    worker = Worker(db_engine, {"telegram": fake}, lease=LEASE)
    assert asyncio.run(worker.run_once(NOW + timedelta(minutes=1))) == 0  # still leased
    assert asyncio.run(worker.run_once(NOW + LEASE)) == 1
    assert fake.texts() == ["Kabar U-7KQ4M9"]
    assert row(db_engine, row_id).status == "sent"


def test_a_worker_that_dies_after_the_provider_accepted_sends_again_after_the_lease(
    db_engine: Engine,
) -> None:
    """At-least-once: the crash window is between the provider's answer and mark_sent."""
    row_id = add(db_engine, text="Kabar U-7KQ4M9")
    provider = FakeNotifier()
    (taken,) = claim(factory(db_engine), now=NOW, limit=10, lease=LEASE)
    asyncio.run(provider.notify(taken.chat_id, _notification(taken)))  # accepted, then crash
    worker = Worker(db_engine, {"telegram": provider}, lease=LEASE)
    assert asyncio.run(worker.run_once(NOW + LEASE)) == 1
    with Session(db_engine) as session:
        rows = session.exec(select(OutboxNotification)).all()
    assert [(r.id, r.status, r.attempts) for r in rows] == [(row_id, "sent", 2)]
    assert provider.texts() == ["Kabar U-7KQ4M9", "Kabar U-7KQ4M9"]


def test_a_row_whose_worker_keeps_dying_is_given_up(db_engine: Engine) -> None:
    row_id = add(db_engine)
    now = NOW
    for _ in range(3):
        claim(factory(db_engine), now=now, limit=1, lease=LEASE, max_attempts=3)
        now += LEASE
    assert claim(factory(db_engine), now=now, limit=1, lease=LEASE, max_attempts=3) == []
    dead = row(db_engine, row_id)
    assert dead.status == "dead" and "lease ran out" in (dead.last_error or "")


def _notification(taken: OutboxNotification):  # type: ignore[no-untyped-def]
    from bot.channels.notify import Notification

    return Notification(taken.kind, taken.text, dict(taken.variables))


def test_concurrent_claims_on_postgresql_never_take_the_same_row(postgresql_engine: Engine) -> None:
    with Session(postgresql_engine) as session, session.begin():
        for n in range(300):
            enqueue(session, channel="telegram", chat_id=str(n), kind="k", text=str(n), at=NOW)
    taken: list[list[int]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def take(index: int) -> None:
        start.wait()
        while True:
            rows = claim(factory(postgresql_engine), now=NOW, limit=7, lease=LEASE)
            if not rows:
                return
            taken[index].extend(r.id for r in rows if r.id is not None)

    threads = [threading.Thread(target=take, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = [row_id for rows in taken for row_id in rows]
    assert len(everything) == 300 and len(set(everything)) == 300
    assert sum(1 for rows in taken if rows) >= 2  # they really ran side by side


def test_two_workers_on_postgresql_send_each_notification_exactly_once(
    postgresql_engine: Engine,
) -> None:
    with Session(postgresql_engine) as session, session.begin():
        for n in range(120):
            enqueue(
                session, channel="telegram", chat_id=str(n), kind="k", text=f"pesan {n}", at=NOW
            )
    fakes = [FakeNotifier(delay=0.002), FakeNotifier(delay=0.002)]
    start = threading.Barrier(2)

    def run(fake: FakeNotifier) -> None:
        worker = Worker(postgresql_engine, {"telegram": fake}, batch=5)
        start.wait()

        async def drain() -> None:
            while await worker.run_once(NOW):
                pass

        asyncio.run(drain())

    threads = [threading.Thread(target=run, args=(fake,)) for fake in fakes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    sent = Counter(text for fake in fakes for text in fake.texts())
    assert len(sent) == 120 and set(sent.values()) == {1}
    assert all(fake.sent for fake in fakes)
    with Session(postgresql_engine) as session:
        statuses = Counter(r.status for r in session.exec(select(OutboxNotification)))
    assert statuses == {"sent": 120}


@pytest.mark.parametrize("limit", [0, -1])
def test_a_claim_for_nothing_takes_nothing(db_engine: Engine, limit: int) -> None:
    add(db_engine)
    assert claim(factory(db_engine), now=NOW, limit=limit, lease=LEASE) == []


def test_two_workers_on_postgresql_deliver_each_chats_messages_in_order(
    postgresql_engine: Engine,
) -> None:
    chats = [f"chat-{n}" for n in range(6)]
    with Session(postgresql_engine) as session, session.begin():
        for chat in chats:  # each chat's ten messages side by side: a batch holds several
            for n in range(10):
                enqueue(session, channel="telegram", chat_id=chat, kind="k", text=f"{n}", at=NOW)
    # One message of chat-0 fails once: the ones after it must wait for its retry.
    flaky = {"chat-0": 1}
    start = threading.Barrier(2)
    delivered: list[tuple[str, str]] = []  # both workers, in the order the provider got them

    class Flaky(FakeNotifier):
        async def notify(self, chat_id: str, notification: Notification) -> Path:
            if flaky.get(chat_id) and notification.text == "3":
                flaky[chat_id] -= 1
                raise ConnectionError("provider unreachable")
            path = await super().notify(chat_id, notification)
            delivered.append((chat_id, notification.text))
            return path

    senders = [Flaky(delay=0.002), Flaky(delay=0.002)]

    def run(fake: FakeNotifier) -> None:
        worker = Worker(postgresql_engine, {"telegram": fake}, batch=4, backoff=timedelta(0))
        start.wait()

        async def drain() -> None:
            idle = 0
            while idle < 5:  # a round can take nothing while the other worker holds a chat
                idle = 0 if await worker.run_once(NOW + timedelta(seconds=1)) else idle + 1
                await asyncio.sleep(0.01)

        asyncio.run(drain())

    threads = [threading.Thread(target=run, args=(fake,)) for fake in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # Both workers sent, and every chat got its ten messages once each, in order.
    assert all(sender.sent for sender in senders)
    for chat in chats:
        assert [text for c, text in delivered if c == chat] == [str(n) for n in range(10)]
    with Session(postgresql_engine) as session:
        assert {r.status for r in session.exec(select(OutboxNotification))} == {"sent"}


def test_a_later_message_of_a_chat_waits_for_an_earlier_one_in_flight(db_engine: Engine) -> None:
    first, second = add(db_engine, chat_id="7"), add(db_engine, chat_id="7")
    other = add(db_engine, chat_id="8")
    (taken,) = [r for r in claim(factory(db_engine), now=NOW, limit=1, lease=LEASE)]
    assert taken.id == first
    # While the first is being sent, the second of chat 7 is held back; chat 8 goes on.
    assert [r.id for r in claim(factory(db_engine), now=NOW, limit=10, lease=LEASE)] == [other]
    assert mark_sent(factory(db_engine), first, path="free_form", at=NOW)
    assert [r.id for r in claim(factory(db_engine), now=NOW, limit=10, lease=LEASE)] == [second]


def test_replies_handed_over_in_a_webhook_answer_are_forgotten_once_no_retry_can_come(
    db_engine: Engine,
) -> None:
    with Session(db_engine) as session, session.begin():
        [claimed] = enqueue_replies(
            session,
            channel="whatsapp",
            chat_id="628123",
            delivery="SM1",
            replies=[{"text": "Ringkasan: Budi Santoso", "choices": []}],
            language="id",
            at=NOW,
            lease=LEASE,
        )
        settle(session, [Settled(claimed.id, claimed.attempt, "answered")], at=NOW)
    with Session(db_engine) as session, session.begin():
        # A retry of SM1 still gets it (the answer may not have reached Twilio)...
        [again] = claim_replies(
            session, channel="whatsapp", chat_id="628123", delivery="SM1", at=NOW, lease=LEASE
        )
        assert again.text == "Ringkasan: Budi Santoso"
        settle(session, [Settled(again.id, again.attempt, "answered")], at=NOW)
    with Session(db_engine) as session, session.begin():
        assert forget_answered(session, before=NOW + timedelta(days=3)) == 1
    forgotten = row(db_engine, claimed.id)
    assert (forgotten.status, forgotten.text, forgotten.reply) == ("sent", "", None)


def test_a_report_after_a_message_settles_each_kind_of_outcome_with_one_statement(
    db_engine: Engine,
) -> None:
    replies = [{"text": f"Balasan {n}", "choices": []} for n in range(3)]
    with Session(db_engine) as session, session.begin():
        first, second, last = enqueue_replies(
            session,
            channel="telegram",
            chat_id="77",
            delivery="u1",
            replies=replies,
            language="id",
            at=NOW,
            lease=LEASE,
        )
    statements = StatementCounter(db_engine)
    # Telegram: the first two sent through the Bot API, the last in the webhook's answer;
    # a stale claim (another attempt) changes nothing.
    results = [
        Settled(first.id, first.attempt, "sent"),
        Settled(second.id, second.attempt, "sent"),
        Settled(last.id, last.attempt, "answered"),
        Settled(last.id, last.attempt + 1, "sent"),
    ]
    assert settle_now(db_engine, results, at=NOW) == 3
    assert statements.count == 3  # sent now, answered now, the stale sent (another attempt)
    assert [(row(db_engine, r.id).status, row(db_engine, r.id).text) for r in (first, second)] == [
        ("sent", ""),
        ("sent", ""),
    ]
    kept = row(db_engine, last.id)
    assert (kept.status, kept.path, kept.text) == ("answered", "answer", "Balasan 2")
    # A failed send keeps its transaction and is retried later.
    with Session(db_engine) as session, session.begin():
        [again] = claim_replies(
            session, channel="telegram", chat_id="77", delivery="u1", at=NOW, lease=LEASE
        )
    assert settle_now(db_engine, [Settled(again.id, again.attempt, "retry", "502")], at=NOW) == 1
    assert row(db_engine, last.id).status == "pending"


def test_worker_processes_each_keep_whole_chats_so_every_chat_is_sent_in_order(
    postgresql_engine: Engine,
) -> None:
    # Three notices for each of 12 chats, interleaved as staff decisions come in.
    with Session(postgresql_engine) as session, session.begin():
        for n in range(3):
            for chat in range(12):
                enqueue(
                    session,
                    channel="telegram",
                    chat_id=f"c{chat}",
                    kind="k",
                    text=f"c{chat} notice {n}",
                    at=NOW + timedelta(seconds=n),
                )
    fakes = [FakeNotifier(delay=0.001), FakeNotifier(delay=0.001)]
    start = threading.Barrier(2)

    def run(index: int) -> None:
        worker = Worker(
            postgresql_engine,
            {"telegram": fakes[index]},
            batch=4,
            partition=Partition(index, 2),
        )
        start.wait()

        async def drain() -> None:
            while await worker.run_once(NOW + timedelta(minutes=1)):
                pass

        asyncio.run(drain())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    chats = [{chat for chat, _ in fake.sent} for fake in fakes]
    assert chats[0] and chats[1] and not chats[0] & chats[1]  # each chat in one process
    assert len(chats[0] | chats[1]) == 12
    for fake in fakes:
        for chat in {chat for chat, _ in fake.sent}:
            texts = [t for t in fake.texts() if t.startswith(f"{chat} ")]
            assert texts == [f"{chat} notice {n}" for n in range(3)]


def test_several_worker_processes_are_refused_on_sqlite(sqlite_engine: Engine) -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        claim(
            factory(sqlite_engine),
            now=NOW,
            limit=5,
            lease=timedelta(minutes=5),
            partition=Partition(0, 2),
        )

"""De-duplication of deliveries and the look-up throttle, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.dedup import find_processed, purge_processed, record_processed
from models.lookups import failed_lookups_since, purge_lookup_attempts, record_lookup_attempt
from tests.models.factories import NOW

REPLIES = [{"text": "Usulan diterima. Nomor tiket: U-7KQ4M9", "choices": []}]


def test_processed_message_round_trip(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        assert find_processed(session, "telegram", "1001", "42") is None
        record_processed(session, "telegram", "42", "1001", REPLIES, {"step": "done"}, NOW)
        session.commit()
    with Session(db_engine) as session:
        found = find_processed(session, "telegram", "1001", "42")
        assert found is not None
        assert (found.replies, found.state, found.processed_at) == (REPLIES, {"step": "done"}, NOW)
        # Same id on another channel, or from another chat, is another message.
        assert find_processed(session, "whatsapp", "1001", "42") is None
        assert find_processed(session, "telegram", "1002", "42") is None


def test_concurrent_duplicate_delivery_raises_integrity_error(db_engine: Engine) -> None:
    outcome: list[str] = []

    def second_worker() -> None:
        with Session(db_engine) as session:
            try:
                record_processed(session, "telegram", "42", "1001", REPLIES, None, NOW)
                session.commit()
                outcome.append("committed")
            except IntegrityError:
                session.rollback()
                outcome.append("integrity_error")

    with Session(db_engine) as first:
        assert find_processed(first, "telegram", "1001", "42") is None
        record_processed(first, "telegram", "42", "1001", REPLIES, {"n": 1}, NOW)
        worker = threading.Thread(target=second_worker)
        worker.start()
        # The second insert waits for us (PostgreSQL: on the unique index; SQLite: on the
        # write lock) instead of succeeding.
        worker.join(0.3)
        assert worker.is_alive()
        first.commit()
    worker.join(10)
    assert outcome == ["integrity_error"]
    with Session(db_engine) as session:
        found = find_processed(session, "telegram", "1001", "42")
        assert found is not None and found.state == {"n": 1}


def test_duplicate_after_commit_raises_integrity_error(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        record_processed(session, "telegram", "42", "1001", REPLIES, None, NOW)
        session.commit()
    with Session(db_engine) as session:
        try:
            record_processed(session, "telegram", "42", "1001", REPLIES, None, NOW)
        except IntegrityError:
            pass
        else:
            raise AssertionError("duplicate delivery was recorded twice")


def test_purge_processed(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        record_processed(session, "telegram", "old", "1", [], None, NOW - timedelta(days=3))
        record_processed(session, "telegram", "new", "1", [], None, NOW)
        assert purge_processed(session, before=NOW - timedelta(days=1)) == 1
        session.commit()
        assert find_processed(session, "telegram", "1", "old") is None
        assert find_processed(session, "telegram", "1", "new") is not None


def test_failed_lookups_are_counted_per_chat_since_a_time(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        for minutes, ok, chat in [
            (-90, False, "telegram:1"),  # before the window
            (-30, False, "telegram:1"),
            (-20, True, "telegram:1"),  # succeeded: does not count
            (-10, False, "telegram:1"),
            (-5, False, "telegram:2"),  # another chat
        ]:
            record_lookup_attempt(session, chat, succeeded=ok, at=NOW + timedelta(minutes=minutes))
        session.commit()
        since = NOW - timedelta(hours=1)
        assert failed_lookups_since(session, "telegram:1", since) == 2
        assert failed_lookups_since(session, "telegram:2", since) == 1
        assert failed_lookups_since(session, "telegram:3", since) == 0
        assert purge_lookup_attempts(session, before=since) == 1
        assert failed_lookups_since(session, "telegram:1", NOW - timedelta(days=1)) == 2

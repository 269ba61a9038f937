"""What an ordinary message costs: SQL statements and Redis round trips, counted on the real
servers while a citizen fills in an usulan (the answers between the menu and the photos)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine

from bot.service import ChatService
from models.conversation_store import RedisConversationStore, SqlConversationStore
from tests.bot.test_service import Citizen, Clock, make_service
from tests.conversations.transcript import NIK_MAN, NIK_WOMAN, USULAN_TYPED
from tests.costs import StatementCounter, counting_redis


def walk_counting(service: ChatService, engine: Engine, store: object) -> list[tuple[int, int]]:
    """(statements, round trips) of every ordinary answer: not the NIKs (the service checks
    the register for an open usulan, an effect) and not counting the contact's refresh (once
    a minute at most: the test below)."""
    citizen = Citizen(service)
    statements, trips = StatementCounter(engine), counting_redis(store)
    costs = []
    for said, expected in USULAN_TYPED:
        statements.reset()
        trips.reset()
        assert expected in citizen.say(said)
        if said not in (NIK_MAN, NIK_WOMAN):
            own = [s for s in statements.statements if "INSERT INTO chat_contact" not in s]
            costs.append((len(own), trips.count))
    return costs


def test_an_answer_costs_three_statements_and_two_redis_round_trips(
    postgresql_engine: Engine, redis_client: redis.Redis, tmp_path: Path
) -> None:
    store = RedisConversationStore(redis_client, retention=timedelta(days=7))
    service = make_service(postgresql_engine, store, tmp_path, Clock())
    costs = walk_counting(service, postgresql_engine, store)
    # Read (retry? durable copy, contact) + record the delivery + durable copy; the contact
    # is written when the citizen comes back after a minute or more, not per message.
    assert max(s for s, _ in costs) <= 3, costs
    # Lock + cached state in one pipeline; save + release in one script.
    assert max(t for _, t in costs) <= 2, costs


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_without_redis_an_answer_costs_three_statements_besides_the_lock(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    store = SqlConversationStore(engine)
    service = make_service(engine, store, tmp_path, Clock())
    costs = walk_counting(service, engine, store)
    # PostgreSQL's advisory lock adds a lock and an unlock statement; SQLite locks in process.
    lock = 2 if backend == "postgresql" else 0
    assert max(s for s, _ in costs) <= 3 + lock, costs


def test_the_contact_is_written_when_the_citizen_comes_back_not_per_message(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    clock = Clock()
    service = make_service(sqlite_engine, SqlConversationStore(sqlite_engine), tmp_path, clock)
    citizen = Citizen(service)
    statements = StatementCounter(sqlite_engine)
    citizen.say("menu")
    first = [s for s in statements.statements if "chat_contact" in s and "INSERT" in s]
    statements.reset()
    citizen.say("1")  # 15 s later
    again = [s for s in statements.statements if "INSERT INTO chat_contact" in s]
    clock.now += timedelta(hours=2)
    statements.reset()
    citizen.say("ya")
    later = [s for s in statements.statements if "INSERT INTO chat_contact" in s]
    assert (len(first), len(again), len(later)) == (1, 0, 1)

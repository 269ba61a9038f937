"""What an ordinary message costs: SQL statements and Redis round trips, counted on the real
servers while a citizen fills in an usulan (the answers between the menu and the photos)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine

from bot.service import ChatService
from conversations.validators import default_regions
from models.conversation_store import RedisConversationStore, SqlConversationStore
from tests.bot.test_service import Citizen, Clock, make_service
from tests.conftest import TEST_KEYS
from tests.conversations.transcript import NIK_MAN, NIK_WOMAN, USULAN_TYPED
from tests.costs import StatementCounter, counting_redis


def walk_counting(service: ChatService, engine: Engine, store: object) -> list[tuple[int, int]]:
    """(statements, round trips) of every ordinary answer: not those the flow checks against
    the register (the NIKs, whom the usulan is for: effects), not counting the contact's
    refresh (once a minute at most: the test below). Sending the replies and confirming
    them (the outbox) happens after, in the adapter."""
    # The village search is built once per process (a second or so): a message that long
    # renews its Redis lease, which is right but not what an ordinary message costs.
    default_regions().warm()
    citizen = Citizen(service)
    statements, trips = StatementCounter(engine), counting_redis(store)
    costs = []
    for n, (said, expected) in enumerate(USULAN_TYPED):
        statements.reset()
        trips.reset()
        assert expected in citizen.say(said)
        # The first message after Redis started also loads the lock scripts (once); an
        # answer the flow checks against the register (an effect) reads requests too.
        effect = any("request." in s for s in statements.statements)
        if n > 0 and not effect and NIK_MAN not in said and NIK_WOMAN not in said:
            own = [s for s in statements.statements if "INSERT INTO chat_contact" not in s]
            # PostgreSQL inserts all replies of a message in one statement; SQLite one by one.
            outbox = [s for s in own if s.startswith("INSERT INTO outbox_notification")]
            costs.append((len(own) - max(0, len(outbox) - 1), trips.count))
    return costs


def test_an_answer_costs_three_statements_and_two_redis_round_trips(
    postgresql_engine: Engine, redis_client: redis.Redis, tmp_path: Path
) -> None:
    store = RedisConversationStore(redis_client, keys=TEST_KEYS, retention=timedelta(days=7))
    service = make_service(postgresql_engine, store, tmp_path, Clock())
    costs = walk_counting(service, postgresql_engine, store)
    # Read (a retry? the durable copy, the contact, waiting notices) + the replies into the
    # outbox + the delivery's record with the durable copy; the contact is written when the
    # citizen comes back after a minute or more, not per message.
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
    # PostgreSQL's advisory lock adds a lock and an unlock statement. SQLite locks in
    # process, but has no data-modifying CTE: the delivery's record and the durable copy
    # are two statements there (local calls, no round trips).
    extra = 2 if backend == "postgresql" else 1
    assert max(s for s, _ in costs) <= 3 + extra, costs


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


def test_the_snapshot_knows_the_outbox_waiting_status() -> None:
    from models import chat_snapshot
    from staff import outbox

    assert chat_snapshot.WAITING == outbox.WAITING

"""The conversation-store contract: one test body per behaviour, run on every backend
(sql-sqlite, sql-postgresql, redis), against real servers."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.conversation_store import (
    ConversationStore,
    LockTimeout,
    RedisConversationStore,
    SqlConversationStore,
    advisory_lock_id,
    make_conversation_store,
)
from models.conversation_store.locks import KeyedLocks
from models.database import create_db_engine
from tests.conftest import TEST_KEYS

StoreFactory = Callable[..., ConversationStore]

KEY = "telegram:12345"
STATE: dict[str, Any] = {
    "flow": "usulan",
    "step": "anggota_keluarga",
    "nama": "Siti Nurhaliza binti Abdul Ghani — café 🙂 ñ",
    "answers": {
        "anggota": [
            {"nik": "3204014101900001", "hubungan": "istri"},
            {"nik": None, "hubungan": "anak", "umur": 4},
        ],
        "lokasi": {"lat": -6.914744, "lon": 107.60981},
        "setuju": True,
    },
    "history": [],
}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# --- data ----------------------------------------------------------------------------------


def test_round_trip_keeps_unicode_and_nesting(conversation_store: ConversationStore) -> None:
    conversation_store.save(KEY, STATE)
    loaded = conversation_store.load(KEY)
    assert loaded == STATE
    # A fresh copy: changing it changes nothing stored.
    assert loaded is not None
    loaded["answers"]["anggota"].clear()
    assert conversation_store.load(KEY) == STATE


def test_missing_key_loads_as_none(conversation_store: ConversationStore) -> None:
    assert conversation_store.load("telegram:does-not-exist") is None


def test_save_overwrites(conversation_store: ConversationStore) -> None:
    conversation_store.save(KEY, STATE)
    conversation_store.save(KEY, {"step": "menu"})
    assert conversation_store.load(KEY) == {"step": "menu"}


def test_keys_are_independent(conversation_store: ConversationStore) -> None:
    conversation_store.save("telegram:1", {"n": 1})
    conversation_store.save("whatsapp:+62811", {"n": 2})
    assert conversation_store.load("telegram:1") == {"n": 1}
    assert conversation_store.load("whatsapp:+62811") == {"n": 2}


def test_delete(conversation_store: ConversationStore) -> None:
    conversation_store.save(KEY, STATE)
    conversation_store.delete(KEY)
    assert conversation_store.load(KEY) is None
    conversation_store.delete(KEY)  # deleting what is not there is fine


def test_store_adds_nothing_to_the_data(conversation_store: ConversationStore) -> None:
    conversation_store.save(KEY, {})
    assert conversation_store.load(KEY) == {}


def test_non_json_state_is_refused_and_nothing_saved(
    conversation_store: ConversationStore,
) -> None:
    with pytest.raises(TypeError):
        conversation_store.save(KEY, {"when": datetime.now(UTC)})
    assert conversation_store.load(KEY) is None


def test_purge_drops_only_old_conversations(conversation_store_factory: StoreFactory) -> None:
    clock = Clock(datetime(2025, 11, 1, tzinfo=UTC))
    store = conversation_store_factory(clock=clock)
    store.save("telegram:old", {"n": 1})
    clock.now += timedelta(days=10)
    store.save("telegram:new", {"n": 2})
    store.save("telegram:touched", {"n": 3})

    assert store.purge(older_than=datetime(2025, 11, 5, tzinfo=UTC)) == 1
    assert store.load("telegram:old") is None
    assert store.load("telegram:new") == {"n": 2}
    assert store.load("telegram:touched") == {"n": 3}
    assert store.purge(older_than=datetime(2025, 11, 5, tzinfo=UTC)) == 0


def test_health(conversation_store: ConversationStore) -> None:
    health = conversation_store.health()
    assert health["ok"] is True
    assert health["backend"] in ("sql", "redis")


# --- locks ---------------------------------------------------------------------------------


def test_lock_excludes_other_threads(conversation_store: ConversationStore) -> None:
    conversation_store.save(KEY, {"count": 0})
    errors: list[BaseException] = []

    def increment_50_times() -> None:
        try:
            for _ in range(50):
                with conversation_store.lock(KEY, timeout=10):
                    state = conversation_store.load(KEY)
                    assert state is not None
                    time.sleep(0.0005)  # widen the race window the lock must close
                    conversation_store.save(KEY, {"count": state["count"] + 1})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=increment_50_times) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert conversation_store.load(KEY) == {"count": 100}


@contextmanager
def held_elsewhere(store: ConversationStore, key: str) -> Iterator[None]:
    """Hold `key` in another thread for the duration of the block."""
    taken, done = threading.Event(), threading.Event()

    def holder() -> None:
        with store.lock(key, timeout=5):
            taken.set()
            done.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    assert taken.wait(10)
    try:
        yield
    finally:
        done.set()
        thread.join(10)


def test_lock_timeout_raises(conversation_store: ConversationStore) -> None:
    with held_elsewhere(conversation_store, KEY):
        started = time.monotonic()
        with pytest.raises(LockTimeout), conversation_store.lock(KEY, timeout=0.2):
            pytest.fail("acquired a lock held by another thread")
        assert 0.15 <= time.monotonic() - started < 3
        # Other chats are not blocked.
        with conversation_store.lock("telegram:other", timeout=1):
            pass
    # Released by its holder: available again.
    with conversation_store.lock(KEY, timeout=1):
        pass


def test_a_lock_timeout_names_the_chat_by_its_keyed_hash_never_its_phone(
    conversation_store: ConversationStore,
) -> None:
    """The error reaches logs and tracebacks: a WhatsApp chat's key is a phone number."""
    phone_key = "whatsapp:+6281234567890"
    with (
        held_elsewhere(conversation_store, phone_key),
        pytest.raises(LockTimeout) as raised,
        conversation_store.lock(phone_key, timeout=0.1),
    ):
        pytest.fail("acquired a lock held by another thread")
    told = "".join(traceback.format_exception(raised.value)) + repr(vars(raised.value))
    for form in ("6281234567890", "81234567890", phone_key):
        assert form not in told
    assert raised.value.chat == TEST_KEYS.lookup(phone_key)[:12]
    assert f"conversation {raised.value.chat} still locked after 0.1s" in told


def test_an_exception_inside_the_lock_releases_it(conversation_store: ConversationStore) -> None:
    with pytest.raises(RuntimeError), conversation_store.lock(KEY):
        raise RuntimeError("handler crashed mid-message")
    with conversation_store.lock(KEY, timeout=1):
        pass


def test_a_lock_abandoned_by_a_crashed_holder_is_released(
    conversation_store: ConversationStore, redis_or_sql_crash: Callable[[str], None]
) -> None:
    redis_or_sql_crash(KEY)  # a holder took the lock and then died without releasing it
    started = time.monotonic()
    with conversation_store.lock(KEY, timeout=10):
        pass
    assert time.monotonic() - started < 10


@pytest.fixture
def redis_or_sql_crash(
    conversation_store: ConversationStore, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], None]]:
    """Backend-specific: make a holder take the lock, check it really blocks, let it die."""
    cleanup: list[Callable[[], None]] = []

    def crash_redis(key: str) -> None:
        # Another worker took the lock with a 0.5 s lease and was killed: nobody renews it.
        assert isinstance(conversation_store, RedisConversationStore)
        client: redis.Redis = request.getfixturevalue("redis_client")
        client.set(conversation_store.lock_name(key), "killed-worker", px=500)
        with pytest.raises(LockTimeout), conversation_store.lock(key, timeout=0.1):
            pass

    def crash_postgresql(key: str) -> None:
        # Another process's session holds the advisory lock; then the server ends that
        # session (what happens when the worker dies) after a moment.
        assert isinstance(conversation_store, SqlConversationStore)
        dsn = conversation_store.engine.url.set(drivername="postgresql")
        holder = psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True)
        cleanup.append(holder.close)
        holder.execute("SELECT pg_advisory_lock(%s)", (advisory_lock_id(key),))
        pid = holder.info.backend_pid
        with pytest.raises(LockTimeout), conversation_store.lock(key, timeout=0.1):
            pass

        def kill() -> None:
            with psycopg.connect(
                dsn.render_as_string(hide_password=False), autocommit=True
            ) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

        timer = threading.Timer(0.3, kill)
        timer.start()
        cleanup.append(timer.join)

    if isinstance(conversation_store, RedisConversationStore):
        yield crash_redis
    elif conversation_store.health().get("dialect") == "postgresql":
        yield crash_postgresql
    else:
        pytest.skip("SQLite locks live in the process: they die with it, nothing to expire")
    for step in cleanup:
        step()


# --- SQL only: the caller's transaction ----------------------------------------------------


def test_save_in_a_callers_session_commits_and_rolls_back_with_it(db_engine: Engine) -> None:
    store = SqlConversationStore(db_engine)
    with Session(db_engine) as session:
        store.save(KEY, {"step": 1}, session=session)
        assert store.load(KEY, session=session) == {"step": 1}
        session.rollback()
    assert store.load(KEY) is None

    with Session(db_engine) as session:
        store.save(KEY, {"step": 2}, session=session)
        session.commit()
    assert store.load(KEY) == {"step": 2}

    with Session(db_engine) as session:
        store.delete(KEY, session=session)
        session.rollback()
    assert store.load(KEY) == {"step": 2}


def test_the_advisory_lock_id_is_stable() -> None:
    # Workers must agree across processes and restarts: no salted hash().
    assert advisory_lock_id(KEY) == advisory_lock_id("telegram:" + "12345")
    assert advisory_lock_id(KEY) != advisory_lock_id("telegram:12346")
    assert -(2**63) <= advisory_lock_id(KEY) < 2**63
    assert advisory_lock_id("telegram:12345") == 530343062927350348


def test_postgresql_lock_excludes_another_process(postgresql_engine: Engine) -> None:
    # Two engines = two independent workers: only the advisory lock stands between them.
    other_engine = create_db_engine(postgresql_engine.url.render_as_string(hide_password=False))
    ours, theirs = SqlConversationStore(postgresql_engine), SqlConversationStore(other_engine)
    try:
        with theirs.lock(KEY), pytest.raises(LockTimeout), ours.lock(KEY, timeout=0.2):
            pass
        with ours.lock(KEY, timeout=1):
            pass
    finally:
        other_engine.dispose()


def test_keyed_locks_forget_idle_keys() -> None:
    locks = KeyedLocks()
    with locks.hold("a", timeout=1), locks.hold("b", timeout=1):
        assert len(locks) == 2
    assert len(locks) == 0
    with pytest.raises(LockTimeout), locks.hold("a", timeout=1), locks.hold("a", timeout=0):
        pass
    assert len(locks) == 0


# --- health failures and the factory -------------------------------------------------------


def test_health_reports_an_unreachable_database_without_raising() -> None:
    engine = create_db_engine("postgresql://nobody@127.0.0.1:1/none")
    health = SqlConversationStore(engine).health()
    engine.dispose()
    assert health["ok"] is False
    assert health["backend"] == "sql"
    assert health["error"]


def test_health_reports_an_unreachable_redis_without_raising() -> None:
    client = redis.Redis(port=1, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
    started = time.monotonic()
    health = RedisConversationStore(client, keys=TEST_KEYS, retention=timedelta(days=1)).health()
    assert time.monotonic() - started < 2
    assert health == {"ok": False, "backend": "redis", "error": health["error"]}
    assert health["error"]


def test_health_reports_an_unmigrated_database(tmp_path: Any) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    health = SqlConversationStore(engine).health()
    engine.dispose()
    assert health["ok"] is False


def test_factory_picks_redis_when_configured(
    sqlite_engine: Engine, redis_client: redis.Redis
) -> None:
    url = redis_client.connection_pool.connection_kwargs
    redis_url = f"redis://{url['host']}:{url['port']}/{url['db']}"
    store = make_conversation_store(sqlite_engine, redis_url, timedelta(days=7))
    assert isinstance(store, RedisConversationStore)
    store.save(KEY, {"n": 1})
    assert redis_client.ttl(store.state_name(KEY)) > 6 * 24 * 3600
    assert isinstance(
        make_conversation_store(sqlite_engine, None, timedelta(days=7)), SqlConversationStore
    )


def test_redis_state_expires_after_retention(redis_client: redis.Redis) -> None:
    store = RedisConversationStore(
        redis_client, keys=TEST_KEYS, retention=timedelta(milliseconds=200)
    )
    store.save(KEY, {"n": 1})
    assert store.load(KEY) == {"n": 1}
    time.sleep(0.4)
    assert store.load(KEY) is None


def test_a_store_says_whether_a_save_joins_the_callers_transaction(
    conversation_store: ConversationStore, sqlite_engine: Engine
) -> None:
    # The SQL store's own session is the one that counts; Redis ignores any session.
    engine = getattr(conversation_store, "_engine", sqlite_engine)
    with Session(engine) as session:
        session.begin()
        conversation_store.save("telegram:tx", {"step": 1}, session=session)
        session.rollback()  # the caller's transaction fails after the save
    kept = conversation_store.load("telegram:tx")
    assert (kept is None) is conversation_store.joins_transaction


# --- Redis only: leases and fencing --------------------------------------------------------


def test_a_redis_lock_is_renewed_while_its_holder_works(redis_client: redis.Redis) -> None:
    store = RedisConversationStore(
        redis_client,
        keys=TEST_KEYS,
        retention=timedelta(days=1),
        lock_expiry=timedelta(milliseconds=200),
    )
    other = RedisConversationStore(redis_client, keys=TEST_KEYS, retention=timedelta(days=1))
    with store.lock(KEY):
        time.sleep(0.6)  # three leases long: only the renewals keep the chat ours
        with pytest.raises(LockTimeout), other.lock(KEY, timeout=0.05):
            pass
        store.save(KEY, {"n": 1})
    assert other.load(KEY) == {"n": 1}


def test_a_redis_holder_that_lost_its_lock_cannot_overwrite_the_next_holder(
    redis_client: redis.Redis,
) -> None:
    store = RedisConversationStore(redis_client, keys=TEST_KEYS, retention=timedelta(days=1))
    with store.lock(KEY):
        store.save(KEY, {"by": "stalled holder"})
        # The lease ran out while the holder stalled, and another worker took the chat.
        redis_client.set(store.lock_name(KEY), "next-holder", px=10_000)
        redis_client.set(store.state_name(KEY), '{"updated_at": "x", "data": {"by": "next"}}')
    assert store.load(KEY) == {"by": "next"}
    assert redis_client.get(store.lock_name(KEY)) == b"next-holder"


def test_a_redis_lock_reads_the_state_and_saves_on_release_in_two_round_trips(
    redis_client: redis.Redis,
) -> None:
    from tests.costs import counting_redis

    store = RedisConversationStore(redis_client, keys=TEST_KEYS, retention=timedelta(days=1))
    store.save(KEY, {"n": 1})
    with store.lock(KEY):
        pass  # the first release loads the script into Redis (SCRIPT LOAD): once per server
    trips = counting_redis(store)
    with store.lock(KEY):
        assert store.load(KEY) == {"n": 1}
        store.save(KEY, {"n": 2})
    assert trips.count == 2
    assert store.load(KEY) == {"n": 2}

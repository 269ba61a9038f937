"""Conversation state persisted after every message: one interface, SQL or Redis.

`make_conversation_store` picks Redis when a URL is configured, the database otherwise.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from models.conversation_store.base import ConversationStore, LockTimeout
from models.conversation_store.sql_store import SqlConversationStore, advisory_lock_id
from models.sealed import keys_of

if TYPE_CHECKING:
    from models.conversation_store.redis_store import RedisConversationStore

__all__ = [
    "ConversationStore",
    "LockTimeout",
    "RedisConversationStore",
    "SqlConversationStore",
    "advisory_lock_id",
    "make_conversation_store",
]

# Fail fast instead of hanging a webhook (and the health check) when Redis is unreachable:
# redis-py's default retries a failed command 10 times, about 5 s when the server is down.
_REDIS_TIMEOUT_S = 5.0
_REDIS_RETRIES = 3


def __getattr__(name: str) -> Any:
    # The Redis client is loaded only by a process that uses it: 0.1 s of every start of
    # the embedded default (SQLite, no Redis) otherwise.
    if name == "RedisConversationStore":
        from models.conversation_store.redis_store import RedisConversationStore

        return RedisConversationStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_conversation_store(
    engine: Engine, redis_url: str | None, retention: timedelta
) -> ConversationStore:
    if redis_url:
        import redis
        from redis.backoff import ExponentialWithJitterBackoff
        from redis.retry import Retry

        from models.conversation_store.redis_store import RedisConversationStore

        client = redis.Redis.from_url(
            redis_url,
            socket_timeout=_REDIS_TIMEOUT_S,
            socket_connect_timeout=_REDIS_TIMEOUT_S,
            health_check_interval=30,
            retry=Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.25), _REDIS_RETRIES),
        )
        # The engine's keys: states in Redis are sealed like those in the database.
        return RedisConversationStore(client, keys=keys_of(engine.dialect), retention=retention)
    return SqlConversationStore(engine)

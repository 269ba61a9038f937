"""Conversation state in Redis: shared by every worker, expiring on its own."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Final

import redis
from redis.exceptions import LockError
from sqlmodel import Session

from models.conversation_store.base import Clock, LockTimeout, describe_error, encode_state, utcnow

log = logging.getLogger(__name__)

DEFAULT_LOCK_EXPIRY: Final = timedelta(seconds=60)
_LOCK_POLL_S: Final = 0.01

# Delete only if the value is still the one purge decided on: a save that happened in
# between (a chat coming back to life) must survive.
_DELETE_IF_UNCHANGED: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisConversationStore:
    """`<prefix>conv:<key>` holds `{"updated_at": iso, "data": {...}}` with TTL = retention,
    renewed on every save, so abandoned chats vanish without a purge job."""

    # Redis writes at once, outside any SQL transaction.
    joins_transaction = False

    def __init__(
        self,
        client: redis.Redis,
        *,
        retention: timedelta,
        prefix: str = "dtsen:",
        lock_expiry: timedelta = DEFAULT_LOCK_EXPIRY,
        clock: Clock = utcnow,
    ) -> None:
        if retention <= timedelta(0):
            raise ValueError("retention must be positive")
        self._client = client
        self._retention_ms = max(1, int(retention.total_seconds() * 1000))
        self._prefix = prefix
        self._lock_expiry_s = lock_expiry.total_seconds()
        self._clock = clock
        self._delete_if_unchanged = client.register_script(_DELETE_IF_UNCHANGED)

    def _state_key(self, key: str) -> str:
        return f"{self._prefix}conv:{key}"

    def lock_name(self, key: str) -> str:
        return f"{self._prefix}lock:{key}"

    def load(self, key: str, *, session: Session | None = None) -> dict[str, Any] | None:
        raw = self._client.get(self._state_key(key))
        if raw is None:
            return None
        data: dict[str, Any] = json.loads(raw)["data"]
        return data

    def save(self, key: str, data: dict[str, Any], *, session: Session | None = None) -> None:
        encode_state(data)
        envelope = {"updated_at": self._clock().isoformat(), "data": data}
        payload = json.dumps(envelope, ensure_ascii=False, allow_nan=False)
        self._client.set(self._state_key(key), payload, px=self._retention_ms)

    def delete(self, key: str, *, session: Session | None = None) -> None:
        self._client.delete(self._state_key(key))

    @contextmanager
    def lock(self, key: str, *, timeout: float = 10.0) -> Iterator[None]:
        # The lock expires by itself after `lock_expiry`: a worker that crashed mid-message
        # cannot keep the chat locked. Handling one message must stay well below that.
        lock = self._client.lock(
            self.lock_name(key),
            timeout=self._lock_expiry_s,
            sleep=_LOCK_POLL_S,
            blocking=True,
            blocking_timeout=max(timeout, 0.0),
        )
        if not lock.acquire():
            raise LockTimeout(key, timeout)
        try:
            yield
        finally:
            try:
                lock.release()
            except LockError:
                log.warning(
                    "conversation lock for %r expired before release: handling took longer "
                    "than %.0fs, another worker may have run concurrently",
                    key,
                    self._lock_expiry_s,
                )

    def purge(self, *, older_than: datetime) -> int:
        removed = 0
        pattern = _glob_escape(self._prefix) + "conv:*"
        for state_key in self._client.scan_iter(match=pattern, count=500):
            raw = self._client.get(state_key)
            if raw is None:
                continue  # expired meanwhile
            updated_at = datetime.fromisoformat(json.loads(raw)["updated_at"])
            if updated_at < older_than:
                removed += int(self._delete_if_unchanged(keys=[state_key], args=[raw]))
        return removed

    def health(self) -> dict[str, Any]:
        status: dict[str, Any] = {"ok": False, "backend": "redis"}
        try:
            self._client.ping()
        except Exception as exc:  # a probe reports, it does not raise
            status["error"] = describe_error(exc)
            return status
        status["ok"] = True
        return status


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)

"""In-process per-key locks that do not pile up for every chat ever seen."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from models.conversation_store.base import LockTimeout


class KeyedLocks:
    """A `threading.Lock` per key, created on demand and dropped when nobody holds or waits."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, key: str, *, timeout: float) -> Iterator[None]:
        with self._mutex:
            lock, users = self._locks.get(key, (None, 0))
            lock = lock or threading.Lock()
            self._locks[key] = (lock, users + 1)
        try:
            # timeout=-1 would mean "forever" to threading; a negative budget means "now".
            if not lock.acquire(timeout=max(timeout, 0.0)):
                raise LockTimeout(timeout)  # the caller names the chat (not by its key)
            try:
                yield
            finally:
                lock.release()
        finally:
            with self._mutex:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        with self._mutex:
            return len(self._locks)

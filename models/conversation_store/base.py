"""The conversation-state store interface shared by the SQL and Redis backends."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlmodel import Session

from models.crypto import KeyRing

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class LockTimeout(TimeoutError):
    """Another worker kept the chat locked for longer than the caller was willing to wait."""

    def __init__(self, timeout: float, *, chat: str = "") -> None:
        # Never the chat's key: a WhatsApp or SMS chat's key is a phone number, and this
        # text reaches logs and tracebacks. `chat` is a short prefix of its keyed hash.
        where = f"conversation {chat}" if chat else "a conversation"
        super().__init__(f"{where} still locked after {timeout:.1f}s")
        self.chat = chat
        self.timeout = timeout


class ConversationStore(Protocol):
    """Where a chat's conversation state lives between messages.

    Values are JSON objects (str keys; str, numbers, bools, None, lists, dicts) and come back
    equal to what was saved, as a fresh copy. The store keeps its own "last saved" time for
    `purge`; it adds nothing to the data. `session` lets the SQL store write inside the
    caller's transaction (state and request commit together); Redis ignores it and writes at
    once, so with Redis save the state after the caller's commit.
    """

    @property
    def joins_transaction(self) -> bool:
        """Whether `save(..., session=)` writes inside the caller's transaction."""
        ...

    def load(self, key: str, *, session: Session | None = None) -> dict[str, Any] | None: ...

    def save(self, key: str, data: dict[str, Any], *, session: Session | None = None) -> None: ...

    def delete(self, key: str, *, session: Session | None = None) -> None: ...

    def lock(self, key: str, *, timeout: float = 10.0) -> AbstractContextManager[None]:
        """Per-chat mutual exclusion across threads and workers; raises `LockTimeout`."""
        ...

    def purge(self, *, older_than: datetime) -> int:
        """Drop conversations not saved since `older_than`; returns how many."""
        ...

    def health(self) -> dict[str, Any]:
        """`{"ok": bool, "backend": "sql" | "redis", ...}`; never raises."""
        ...


def chat_label(keys: KeyRing | None, key: str) -> str:
    """How an error or a log line may name a chat: 12 characters of its keyed hash (the
    same on every worker, so lines about one chat can be matched), never its key."""
    return keys.lookup(key)[:12] if keys is not None else ""


def encode_state(data: dict[str, Any]) -> str:
    """Validate (and serialise) a state the same way on every backend."""
    if not isinstance(data, dict):
        raise TypeError(f"conversation state must be a dict, not {type(data).__name__}")
    return json.dumps(data, ensure_ascii=False, allow_nan=False)


def describe_error(exc: BaseException) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"[:300]

"""Helpers for the web layer's tests: fakes, a tiny image, a live server, skip-unless-CI."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import pytest
import uvicorn
from fastapi import FastAPI

from bot.inbound import Handled, InboundMessage
from bot.settings import Settings
from conversations.catalogue import Language
from conversations.types import Choice, Reply
from staff.outbox import Settled
from tests.images import tiny_png

__all__ = ["tiny_png"]


def settings_for_test(**overrides: Any) -> Settings:
    # Explicit values, so a developer's .env or environment cannot change what is tested.
    values: dict[str, Any] = {
        "simulator_enabled": True,
        "database_url": "sqlite://",
        # Web-layer tests drive the outbox themselves when they need it.
        "worker_in_serve": False,
    }
    values.update(overrides)
    return Settings(**values)


class FakeService:
    """Echoes what it got, so tests can check both the request mapping and the reply JSON."""

    def __init__(self) -> None:
        self.received: list[InboundMessage] = []

    def language_of(self, channel: str, sender: str) -> Language:
        return "id"

    def report(self, results: Sequence[Settled]) -> None:

        pass

    def handle(self, message: InboundMessage) -> Handled:
        self.received.append(message)
        said = message.text or message.choice or ("photo" if message.photo else "location")
        return Handled.unrecorded(
            [
                Reply(f"echo: {said}\nsecond line"),
                Reply(
                    "Pilih satu:",
                    (Choice("yes", "Ya"), Choice("no", "Tidak")),
                    expects="choice",
                    numbered=False,
                ),
            ]
        )


class FailingService:
    def language_of(self, channel: str, sender: str) -> Language:
        return "id"

    def report(self, results: Sequence[Settled]) -> None:
        pass

    def handle(self, message: InboundMessage) -> Handled:
        raise RuntimeError("secret internal detail /etc/passwd")


class FakeContainer:
    """Stands in for bot.container.Container: a health report and a service."""

    def __init__(self, *, ok: bool = True, raises: bool = False) -> None:
        self.settings = settings_for_test()
        self.ok = ok
        self.raises = raises
        self.service = FakeService()
        self.closed = False

    def health(self) -> dict[str, Any]:
        if self.raises:
            raise ConnectionError("db.internal:5432 refused")
        database = {"ok": self.ok, "backend": "sqlite", "error": None if self.ok else "down"}
        return {"ok": self.ok, "database": database, "store": {"ok": True, "backend": "sql"}}

    async def keep_announcing(self, role: str) -> None:
        await asyncio.Event().wait()  # no database: nothing to record, until cancelled

    def close(self) -> None:
        self.closed = True


def require_service(reason: str) -> NoReturn:
    """Skip a test whose tool is missing on a developer machine; in CI, fail instead, so a
    broken CI image cannot turn the test into a silent skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def live_server(app: FastAPI, timeout: float = 30.0) -> Iterator[str]:
    """Run `app` under uvicorn in a background thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn exited during startup (see the log above)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError("uvicorn did not start in time")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout)

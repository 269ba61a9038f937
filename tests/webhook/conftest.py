from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.settings import Settings
from tests.webhook.support import FakeService, settings_for_test
from webhook.app import create_app

with warnings.catch_warnings():
    # Starlette 1.x nudges toward `httpx2`; the plain httpx client still works for tests.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


@pytest.fixture
def fake_service() -> FakeService:
    return FakeService()


@pytest.fixture
def make_client() -> Iterator[Callable[..., TestClient]]:
    """`make_client(settings=..., service=..., container=...)` -> a started TestClient."""
    clients: list[TestClient] = []

    def make(
        *, settings: Settings | None = None, raise_server_exceptions: bool = True, **inject: Any
    ) -> TestClient:
        app = create_app(settings or settings_for_test(), **inject)
        client = TestClient(app, raise_server_exceptions=raise_server_exceptions)
        client.__enter__()  # run the lifespan
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient], fake_service: FakeService) -> TestClient:
    return make_client(service=fake_service)

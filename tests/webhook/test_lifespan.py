"""The app factory builds nothing at import or construction; the lifespan owns what it builds."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.settings import Settings
from tests.webhook.support import FakeContainer, settings_for_test
from webhook import app as app_module
from webhook.app import create_app


def test_lifespan_builds_then_closes_the_container(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[FakeContainer] = []

    def fake_build(settings: Settings) -> Any:
        built.append(FakeContainer())
        return built[-1]

    monkeypatch.setattr(app_module, "_build_container", fake_build)
    app = create_app(settings_for_test())
    assert built == []  # the factory itself builds nothing

    with TestClient(app) as client:
        assert len(built) == 1
        assert client.get("/healthz").status_code == 200
        client.post("/api/simulator/messages", json={"user": "u", "text": "menu"})
        assert built[0].service.received[0].text == "menu"
        assert built[0].closed is False

    assert built[0].closed is True


def test_an_injected_container_is_left_open(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_build(settings: Settings) -> Any:
        raise AssertionError("must not build when a container is injected")

    monkeypatch.setattr(app_module, "_build_container", no_build)
    container = FakeContainer()

    with TestClient(create_app(container=container)) as client:  # type: ignore[arg-type]
        assert client.get("/healthz").status_code == 200

    assert container.closed is False

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.webhook.support import FakeContainer, FakeService


def test_healthy_container_answers_200(make_client: Callable[..., TestClient]) -> None:
    response = make_client(container=FakeContainer(ok=True)).get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["store"] == {"ok": True, "backend": "sql"}


def test_unhealthy_container_answers_503_with_the_same_shape(
    make_client: Callable[..., TestClient],
) -> None:
    response = make_client(container=FakeContainer(ok=False)).get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert set(body) == {"status", "database", "store"}
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] is False


def test_a_failing_probe_is_503_and_does_not_leak_its_message(
    make_client: Callable[..., TestClient],
) -> None:
    response = make_client(container=FakeContainer(raises=True)).get("/readyz")

    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "ConnectionError"}
    assert "db.internal" not in response.text


def test_service_only_app_cannot_vouch_for_a_database(
    make_client: Callable[..., TestClient],
) -> None:
    response = make_client(service=FakeService()).get("/readyz")

    assert response.status_code == 503
    assert response.json()["database"]["error"] == "not configured"


def test_health_stays_on_when_the_simulator_is_off(
    make_client: Callable[..., TestClient],
) -> None:
    from tests.webhook.support import settings_for_test

    client = make_client(
        settings=settings_for_test(simulator_enabled=False), container=FakeContainer()
    )
    assert client.get("/healthz").status_code == 200


def test_liveness_stays_up_while_the_database_is_down(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(container=FakeContainer(ok=False))
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 503

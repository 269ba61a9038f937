"""What an operator reads: Prometheus metrics at /metrics and JSON log lines with the
request id, on a real app and database."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from bot.log_format import JsonFormatter, RequestId
from bot.settings import Settings
from staff.outbox import enqueue
from webhook.app import create_app

API = "/api/simulator/messages"


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'dtsen.db'}",
        data_dir=tmp_path / "var",
        redis_url=None,
        simulator_enabled=True,
        worker_in_serve=False,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def metric(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_messages_outbox_and_latency_are_counted(app_client: TestClient) -> None:
    for text in ("menu", "3"):
        assert app_client.post(API, json={"user": "m1", "text": text}).status_code == 200
    assert app_client.post(API, json={"user": "m1"}).status_code == 422  # nothing to send
    engine = app_client.app.state.container.engine  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        enqueue(
            session,
            channel="telegram",
            chat_id="1",
            kind="status",
            text="x",
            at=now - timedelta(minutes=5),
        )

    body = app_client.get("/metrics").text
    assert metric(body, 'dtsen_messages_total{channel="simulator",outcome="ok"}') == 2
    assert metric(body, 'dtsen_messages_total{channel="simulator",outcome="rejected"}') == 1
    assert metric(body, 'dtsen_message_seconds_count{channel="simulator"}') == 3
    assert metric(body, 'dtsen_outbox_depth{channel="telegram"}') == 1
    assert metric(body, 'dtsen_outbox_oldest_seconds{channel="telegram"}') >= 299
    assert "dtsen_lock_waits_total" in body and "dtsen_send_failures" in body


def test_every_answer_carries_a_request_id_and_a_given_one_is_kept(
    app_client: TestClient,
) -> None:
    made = app_client.get("/healthz").headers["x-request-id"]
    assert len(made) == 32
    kept = app_client.get("/healthz", headers={"X-Request-ID": "lb-1234"})
    assert kept.headers["x-request-id"] == "lb-1234"
    odd = app_client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert odd.headers["x-request-id"] != "<script>"  # client input is not echoed blindly


def test_json_log_lines_carry_the_request_id_and_mask_personal_numbers() -> None:
    from bot.log_format import REQUEST_ID
    from bot.logs import MaskPersonalNumbers

    record = logging.LogRecord(
        "bot.service", logging.INFO, __file__, 1, "NIK %s checked", ("3204051708850001",), None
    )
    MaskPersonalNumbers().filter(record)
    token = REQUEST_ID.set("req-7")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        REQUEST_ID.reset(token)
    assert line["message"] == "NIK 3204********0001 checked"
    assert line["request_id"] == "req-7" and line["level"] == "INFO"
    assert RequestId  # the middleware binding it is tested above through the app

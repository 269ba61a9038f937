"""Prometheus metrics at `GET /metrics` (prometheus-client).

Per app (no module-level registry): messages by channel and outcome and their handling
time, measured around the webhook routes; the outbox's depth, oldest age and failures read
from the database at scrape time (right whichever process sends); conversation-lock waits.
With several workers (`serve --workers N`) `serve` points PROMETHEUS_MULTIPROC_DIR at a
directory and every worker's counts are added up at each scrape.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from fastapi import APIRouter, Request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.tables import OutboxNotification

router = APIRouter()

# Path -> channel: the routes that carry citizens' messages.
MESSAGE_ROUTES: Final = {
    "/webhook/telegram": "telegram",
    "/webhook/whatsapp": "whatsapp",
    "/api/simulator/messages": "simulator",
}
# Up to the 15 s a chat lock may be waited for; most messages take a few milliseconds.
LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 15.0)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "dtsen_messages",
            "Citizens' messages received, by channel and outcome "
            "(ok, rejected 4xx, unavailable 503, error 5xx).",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "dtsen_message_seconds",
            "Time from a message's arrival to its answer, by channel.",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe(self, channel: str, status: int, seconds: float) -> None:
        outcome = (
            "ok"
            if status < 400
            else "unavailable"
            if status == 503
            else "rejected"
            if status < 500
            else "error"
        )
        self.messages.labels(channel, outcome).inc()
        self.latency.labels(channel).observe(seconds)


class MessageMetrics:
    """Pure ASGI middleware timing the message routes (others pass straight through)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        channel = MESSAGE_ROUTES.get(scope.get("path", "")) if scope["type"] == "http" else None
        if channel is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.metrics.observe(channel, status, time.perf_counter() - started)


class DatabaseCollector(Collector):
    """Outbox and lock figures read when Prometheus scrapes (every 15-60 s: cheap)."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def collect(self) -> Iterator[Metric]:
        container = getattr(self._app.state, "container", None)
        if container is None:
            return
        figures = outbox_figures(container.engine, now=datetime.now(UTC))
        depth = GaugeMetricFamily(
            "dtsen_outbox_depth", "Notifications waiting to be sent.", labels=["channel"]
        )
        oldest = GaugeMetricFamily(
            "dtsen_outbox_oldest_seconds",
            "Age of the oldest notification waiting to be sent.",
            labels=["channel"],
        )
        for channel, (count, age) in sorted(figures.pending.items()):
            depth.add_metric([channel], count)
            oldest.add_metric([channel], age)
        failures = CounterMetricFamily(
            "dtsen_send_failures",
            "Notifications that failed for good, by channel and provider error.",
            labels=["channel", "code"],
        )
        for (channel, code), count in sorted(figures.failed.items()):
            failures.add_metric([channel, code], count)
        yield from (depth, oldest, failures)
        store = getattr(container, "store", None)
        waits = CounterMetricFamily(
            "dtsen_lock_waits",
            "Messages that found their chat locked by another message (this process).",
        )
        waits.add_metric([], getattr(store, "lock_waits", 0))
        yield waits


@dataclass
class OutboxFigures:
    pending: dict[str, tuple[int, float]]  # channel -> (rows, oldest age in seconds)
    failed: dict[tuple[str, str], int]  # (channel, error code) -> rows


def outbox_figures(engine: Engine, *, now: datetime) -> OutboxFigures:
    """Two grouped queries on the outbox (pending/sending rows; dead rows)."""
    table = OutboxNotification
    waiting = (
        select(col(table.channel), func.count(), func.min(col(table.due_at)))
        .where(col(table.status).in_(("pending", "sending")))
        .group_by(col(table.channel))
    )
    dead = (
        select(col(table.channel), col(table.last_error), func.count())
        .where(col(table.status) == "dead")
        .group_by(col(table.channel), col(table.last_error))
    )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        pending = {
            channel: (count, max(0.0, (now - _aware(oldest)).total_seconds()))
            for channel, count, oldest in conn.execute(waiting)
        }
        failed: dict[tuple[str, str], int] = {}
        for channel, error, count in conn.execute(dead):
            key = (channel, _error_code(error))
            failed[key] = failed.get(key, 0) + count
    return OutboxFigures(pending, failed)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _error_code(error: str | None) -> str:
    """A short label for Prometheus: the provider's code or the error's first word."""
    first = (error or "unknown").split(":", 1)[0].split()[0:1]
    return (first[0] if first else "unknown")[:40]


def install_metrics(app: Any) -> Metrics:
    metrics = Metrics()
    metrics.registry.register(DatabaseCollector(app))
    app.state.metrics = metrics
    app.add_middleware(MessageMetrics, metrics=metrics)
    app.include_router(router)
    return metrics


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    registry = metrics.registry
    if multiprocess_dir() is not None:
        # Every worker's message counts, plus this process's database figures.
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(DatabaseCollector(request.app))
    body = await run_in_threadpool(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)

"""The app factory. Nothing is built at import time: settings, database and service are
made in `create_app` / the lifespan, so tests and workers get independent apps."""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from bot.log_format import RequestId, configure_json_logging
from bot.logs import install_masking
from bot.settings import Settings
from webhook import health, simulator, sms, telegram, whatsapp
from webhook.errors import install_error_handlers
from webhook.housekeeping import move_legacy_redis_names, purge_forever
from webhook.metrics import install_metrics
from webhook.middleware import BodySizeLimit, SecurityHeaders
from webhook.staff.routes import router as staff_router

if TYPE_CHECKING:
    # Imported lazily at runtime: the web layer (and its tests with a fake service) should
    # not need the whole database stack just to be imported.
    from bot.container import Container

# JSON around the base64 photo (user id, field names) is small; this leaves room for it.
JSON_OVERHEAD_BYTES = 64 * 1024
PHOTO_MARGIN = 1.25


def body_limit(settings: Settings) -> int:
    """The largest accepted request: a photo at the size limit, base64-encoded, plus JSON.

    Photos up to a quarter over the photo limit still get through, so the bot (not a bare
    413) tells the citizen the photo is too large: a 10.2 MB photo is a citizen's photo,
    not an attack.
    """
    return 4 * math.ceil(PHOTO_MARGIN * settings.max_photo_bytes / 3) + JSON_OVERHEAD_BYTES


def _build_container(settings: Settings) -> Container:
    from bot.container import build

    return build(settings)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Before any database work: a webhook anyone could forge updates to must not start.
    telegram.check_telegram_settings(app.state.settings)
    owned: Container | None = None
    background: list[asyncio.Task[None]] = []
    if app.state.service is None:
        # Connects to the database and upgrades its schema: blocking work, off the loop.
        owned = await run_in_threadpool(_build_container, app.state.settings)
        app.state.container = owned
        app.state.service = owned.service
        interval = app.state.settings.purge_interval.total_seconds()
        background.append(asyncio.create_task(purge_forever(owned, interval)))
        # The key versions this process holds, for `dtsen-bot keys rotate` (each web worker
        # is a process of its own and announces itself).
        background.append(asyncio.create_task(owned.keep_announcing("serve")))
        background.append(asyncio.create_task(move_legacy_redis_names(owned)))
    try:
        # The Telegram bot (and long polling when there is no public URL) runs inside.
        async with telegram.running(app), _outbox_worker(app, owned):
            yield
    finally:
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # Close only what this app built; an injected container belongs to its caller.
        if owned is not None:
            owned.close()
            app.state.service = None
            app.state.container = None


@asynccontextmanager
async def _outbox_worker(app: FastAPI, owned: Container | None) -> AsyncIterator[None]:
    """On the embedded default, `serve` sends notifications itself (no second process)."""
    settings: Settings = app.state.settings
    if owned is None or not settings.worker_in_serve:
        yield
        return
    from bot.worker import run_worker

    stop = asyncio.Event()
    channel = getattr(app.state, "telegram", None)
    task = asyncio.create_task(
        run_worker(owned, stop, telegram_bot=channel.bot if channel else None),
        name="outbox-worker",
    )
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, timeout=10)


def create_app(
    settings: Settings | None = None,
    *,
    container: Container | None = None,
    service: Any = None,
) -> FastAPI:
    """A new app. Inject `container` (or just `service`, for web-layer tests) to skip the
    lifespan's `bot.container.build(settings)`."""
    if settings is None:
        settings = container.settings if container is not None else Settings()
    install_masking()  # also when a server imports the app without our command line
    app = FastAPI(
        title="dtsen-bot",
        lifespan=_lifespan,
        # Interactive API docs are not part of the product and widen what is exposed.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.container = container
    app.state.service = service if service is not None else getattr(container, "service", None)

    if settings.log_format == "json":
        configure_json_logging(settings.log_level)
    install_error_handlers(app, with_redis=bool(settings.redis_url) or "redis" in sys.modules)
    install_metrics(app)  # inside the request id: its timing includes the other layers
    app.add_middleware(BodySizeLimit, max_bytes=body_limit(settings))
    public = (settings.public_base_url or "").lower().startswith("https://")
    app.add_middleware(SecurityHeaders, hsts=public)
    app.add_middleware(RequestId)

    app.include_router(health.router)
    app.include_router(telegram.router)
    app.include_router(whatsapp.router)
    app.include_router(sms.router)
    app.include_router(staff_router)
    if settings.simulator_enabled:
        app.include_router(simulator.router)
        app.mount("/static", StaticFiles(directory=simulator.STATIC_DIR), name="static")
    return app

"""`POST /webhook/telegram`, and the Telegram channel's part of the app's lifespan.

The route answers:
- 404 when no TELEGRAM_BOT_TOKEN is set (the channel does not exist);
- 403 when the secret-token header does not match TELEGRAM_WEBHOOK_SECRET (or no secret
  is configured and ALLOW_INSECURE_WEBHOOKS is off): nothing is read or stored;
- 200 once the update's effects are stored and its replies were accepted by Telegram (or
  the chat blocked the bot), optionally with the last reply as a Bot API method in the body;
- 5xx when storing or sending failed: Telegram redelivers the update, the service knows its
  update_id, applies nothing twice, and only the replies not yet sent go out.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import JSONResponse, Response

from bot.channels.telegram.config import (
    SECRET_HEADER,
    WEBHOOK_PATH,
    check_telegram_settings,
    telegram_mode,
)
from bot.settings import Settings
from webhook.errors import unavailable_errors, unavailable_response

if TYPE_CHECKING:
    # python-telegram-bot (and httpx under it) is imported only when the channel is on:
    # about a tenth of a second of every web worker's start-up otherwise.
    from bot.channels.telegram.channel import TelegramChannel

log = logging.getLogger(__name__)

# The lifespan refuses unsafe settings through this module, before building anything.
__all__ = ["check_telegram_settings", "receive_update", "router", "running"]

router = APIRouter()


def _authentic(settings: Settings, header: str | None) -> bool:
    secret = settings.telegram_webhook_secret
    if not secret:
        return settings.allow_insecure_webhooks
    # Constant time: the comparison must not tell an attacker how much of a guess was right.
    return hmac.compare_digest((header or "").encode(), secret.encode())


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


@router.post(WEBHOOK_PATH, include_in_schema=False)
async def receive_update(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if telegram_mode(settings) == "off":
        return _error(404, "Not Found")
    if not _authentic(settings, request.headers.get(SECRET_HEADER)):
        return _error(403, "Forbidden")
    channel: TelegramChannel | None = getattr(request.app.state, "telegram", None)
    if channel is None:
        return _error(503, "Telegram channel not ready.")
    payload = await _read_payload(request)
    if payload is None:
        return _error(400, "Not a Telegram update.")
    from telegram import Update
    from telegram.error import TelegramError

    try:
        update = Update.de_json(payload, channel.bot)
    except Exception:
        # Authentic (the secret matched) but unreadable by this python-telegram-bot: a
        # redelivery would fail the same way, so acknowledge it instead of looping.
        log.error("Telegram update %s could not be read; skipped", payload["update_id"])
        return Response(status_code=200)
    try:
        kept = await channel.handle_update(update, keep_last=settings.telegram_reply_in_response)
    except TelegramError as error:
        # Telegram did not take a reply (network, 5xx, a long 429): have it redeliver.
        log.warning("Telegram update %s: sending failed (%s)", update.update_id, error)
        return _error(502, "Telegram API unavailable; redeliver.")
    except unavailable_errors() as error:  # the database or Redis is down: redelivered
        return unavailable_response(error)
    except Exception:
        log.exception("Telegram update %s failed; Telegram will redeliver it", update.update_id)
        return _error(500, "Internal server error.")
    if kept is None:
        return Response(status_code=200)
    return JSONResponse(kept.webhook_body())


async def _read_payload(request: Request) -> dict[str, Any] | None:
    try:
        payload: Any = await request.json()
    except ValueError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        return None
    return payload


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[None]:
    """The bot while the app runs, and in polling mode the getUpdates loop beside it.

    Reads what the lifespan set up: settings, the service, and (when the app built it) the
    container, whose database records blocked chats.
    """
    settings: Settings = app.state.settings
    mode = telegram_mode(settings)
    if mode == "off":
        yield
        return
    from bot.channels.telegram.channel import TelegramChannel
    from bot.channels.telegram.client import build_bot, start_bot
    from bot.channels.telegram.polling import run_polling

    container = app.state.container
    channel = TelegramChannel(
        bot=build_bot(settings),
        service=app.state.service,
        max_photo_bytes=settings.max_photo_bytes,
        engine=getattr(container, "engine", None),
    )
    await start_bot(channel.bot)
    app.state.telegram = channel
    polling: asyncio.Task[None] | None = None
    if mode == "polling":
        polling = asyncio.create_task(run_polling(channel), name="telegram-polling")
        polling.add_done_callback(_report_end)
    try:
        yield
    finally:
        if polling is not None:
            polling.cancel()
            # A loop that ended on its own (a rejected token) was reported by _report_end.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await polling
        app.state.telegram = None
        await channel.bot.shutdown()


def _report_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("Telegram polling stopped: %s", task.exception())

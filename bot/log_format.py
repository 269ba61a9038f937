"""Structured logs: one JSON object per line, with the id of the request being handled.

`LOG_FORMAT=json` (the deploy/ files set it) turns them on; personal numbers are masked by
`bot.logs.MaskPersonalNumbers` as in the plain format. The request id comes from the
`X-Request-ID` header (a reverse proxy sets it) or is made up, and is sent back in the
response, so a citizen's complaint, the proxy's log and ours can be matched.
"""

from __future__ import annotations

import json
import logging
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.logs import MaskPersonalNumbers, install_masking

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
HEADER: Final = "x-request-id"
_SAFE_ID_CHARS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_json_logging(level: str = "INFO") -> None:
    """Root and uvicorn loggers write JSON lines to stderr, numbers masked."""
    install_masking()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(MaskPersonalNumbers())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True


def _clean(value: str) -> str | None:
    # A header is the client's input: keep it short and printable, or make our own.
    value = value.strip()[:64]
    return value if value and set(value) <= _SAFE_ID_CHARS else None


class RequestId:
    """Pure ASGI middleware: binds the request id for the logs and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == HEADER.encode()), "")
        request_id = _clean(given) or uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            REQUEST_ID.reset(token)

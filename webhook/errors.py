"""JSON error responses that never leak internals (stack traces, echoed request bodies)."""

from __future__ import annotations

import logging
import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from models.conversation_store.base import LockTimeout

log = logging.getLogger(__name__)


def install_error_handlers(app: FastAPI, *, with_redis: bool) -> None:
    """`with_redis`: the app may talk to Redis (REDIS_URL is set), so Redis's errors are
    answered like the database's."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    # A database or Redis that cannot be reached, or a chat still locked by a message in
    # progress: the provider should retry later, not count a failure. Nothing was
    # committed (the service writes in one transaction), so the retry starts clean.
    if with_redis:
        import redis.exceptions  # noqa: F401  (loaded, so unavailable_errors() names them)
    for unavailable in unavailable_errors():
        app.add_exception_handler(unavailable, _unavailable)
    # Registered for Exception, Starlette runs this in its outermost middleware, so even a
    # failure inside other middleware gets a JSON body instead of a plain-text trace.
    app.add_exception_handler(Exception, _unexpected_error)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [_public_error(e) for e in exc.errors()]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return JSONResponse({"detail": summary, "errors": errors}, status_code=422)


def _public_error(error: dict[str, Any]) -> dict[str, Any]:
    # FastAPI's default echoes `input`: for a photo that is megabytes of base64 sent back.
    location = [str(part) for part in error.get("loc", ()) if part != "body"]
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    return {"field": ".".join(location) or "body", "message": message}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse(
        {"detail": exc.detail}, status_code=exc.status_code, headers=dict(exc.headers or {})
    )


RETRY_AFTER_S = 5
_UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError, LockTimeout)


def unavailable_errors() -> tuple[type[Exception], ...]:
    """The errors that mean "a backing service is down, retry later". Redis's own are
    named only once its client is loaded: no Redis error can exist before that, and
    importing the client costs every start without Redis (the embedded default) 0.1 s."""
    found = sys.modules.get("redis.exceptions")
    if found is None:
        return _UNAVAILABLE
    return (*_UNAVAILABLE, found.ConnectionError, found.TimeoutError)


def unavailable_response(exc: Exception) -> Response:
    """503 with Retry-After: what a webhook answers when a backing service is down."""
    log.warning("answered 503: %s", type(exc).__name__)
    return JSONResponse(
        {"detail": "Temporarily unavailable, please retry."},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def _unavailable(request: Request, exc: Exception) -> Response:
    return unavailable_response(exc)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # Starlette re-raises after this response, so the server (uvicorn) logs the trace;
    # the client learns nothing about internals.
    return JSONResponse({"detail": "Internal server error."}, status_code=500)

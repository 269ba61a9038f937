"""What routes need from the application, read from `app.state` (set by the app factory).

Typed as protocols so the web layer's tests can inject a fake service or container without
building the database stack.
"""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import Depends, HTTPException, Request

from bot.channels.base import MessageHandler


class HealthSource(Protocol):
    """`bot.container.Container` as the routes see it."""

    def health(self) -> dict[str, Any]: ...


def get_service(request: Request) -> MessageHandler:
    service: MessageHandler | None = request.app.state.service
    if service is None:
        # Only between startup and a finished lifespan; a running app always has one.
        raise HTTPException(503, "Service not ready.")
    return service


def get_health_source(request: Request) -> HealthSource | None:
    source: HealthSource | None = request.app.state.container
    return source


ServiceDep = Annotated[MessageHandler, Depends(get_service)]
HealthDep = Annotated[HealthSource | None, Depends(get_health_source)]

"""Pure ASGI middleware: a request body limit and security headers.

Written against bare ASGI rather than a framework feature so it behaves the same on every
FastAPI/Starlette version the project allows (pyproject pins only a floor).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = "Request body too large (limit {limit} bytes)."


class BodySizeLimit:
    """Refuse request bodies over `max_bytes` with 413 before the app buffers them.

    A declared Content-Length over the limit is refused at once. A chunked body is counted
    as it streams; once over, `receive` raises HTTPException(413), which FastAPI re-raises
    from its body parsing and its exception handler turns into a JSON response.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            response = JSONResponse(
                {"detail": TOO_LARGE.format(limit=self.max_bytes)},
                status_code=413,
                # The client may still be sending; do not keep the connection for it.
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, TOO_LARGE.format(limit=self.max_bytes))
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


# `default-src 'self'` also enforces the page's promise to work offline: no CDN can load.
# Photos are shown from data: URLs before upload, hence img-src data: blob:.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)

HSTS = "max-age=31536000"

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    """Add browser hardening headers to every response.

    API replies and dashboard pages are never stored (they carry citizens' answers and
    personal data; `no-cache` would still let a shared computer's browser keep them on
    disk); the chat page and its assets are revalidated on every load so an upgraded server
    is never paired with stale JS. With `hsts` (the public address is https) browsers are
    told to use nothing but https for a year.
    """

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        private = path.startswith(("/api/", "/staff"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                # A route's own, stricter policy (staff photos: private, no-store) stands.
                headers.setdefault("Cache-Control", "no-store" if private else "no-cache")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""Is this request really from Twilio? (`X-Twilio-Signature`, checked with twilio's own
`RequestValidator`.)

Twilio signs the URL it called plus the form fields with the account's auth token. Behind
a TLS-terminating proxy the app sees http://internal-host/..., not the URL Twilio called,
so the URL is rebuilt from PUBLIC_BASE_URL and the request's path and query.
"""

from __future__ import annotations

from typing import Any

from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

SIGNATURE_HEADER = "X-Twilio-Signature"


def called_url(public_base_url: str, path: str, query: str = "") -> str:
    url = public_base_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def is_signed(auth_token: str, url: str, params: Any, signature: str | None) -> bool:
    """`params`: the form as a multi-dict (Starlette's FormData), so a field sent twice is
    signed as Twilio signed it; a plain dict works for single values."""
    if not signature:
        return False
    # Only Twilio's default signing (the auth token, HMAC-SHA1). A Webhook Setting that
    # signs with a SharedKey fails here, and is refused: safe, and documented.
    return bool(RequestValidator(auth_token).validate(url, params, signature))

"""The twilio REST client, pointed at a configurable base URL and retrying what is worth
retrying.

twilio-python builds absolute URLs from each domain's hard-coded `base_url`
(https://api.twilio.com) and hands every request to one `HttpClient`. Subclassing the
library's `TwilioHttpClient` is therefore the one place that sees all calls: it swaps the
scheme and host for `TWILIO_API_BASE_URL` (tests point it at a local double) and retries.

Retried: 429 (honouring Retry-After) and 5xx, a bounded number of times with exponential
backoff. Everything else comes back at once; the library then raises
`TwilioRestException` with Twilio's error code, and `outbound.py` decides what it means.
A 5xx on create may in rare cases mean the message was accepted anyway; Twilio has no
idempotency key for Messages, so a duplicate is the accepted risk of retrying.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]

from bot.channels.whatsapp.retry import RetryPolicy, retryable

__all__ = ["RetryPolicy", "RoutedHttpClient", "make_client", "retryable"]

log = logging.getLogger(__name__)

# The library logs every request's URL and headers at INFO: six lines per message. Its
# client gets a logger of ours that only passes warnings.
_http_log = logging.getLogger(__name__ + ".http")
_http_log.setLevel(logging.WARNING)


class RoutedHttpClient(TwilioHttpClient):  # type: ignore[misc]
    def __init__(
        self,
        *,
        base_url: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(timeout=timeout, logger=_http_log)
        self._base = urlsplit(base_url.rstrip("/")) if base_url else None
        self.retry = retry or RetryPolicy()
        self._sleep = sleep

    def route(self, url: str) -> str:
        if self._base is None:
            return url
        parts = urlsplit(url)
        base = self._base
        return urlunsplit(
            (base.scheme, base.netloc, base.path + parts.path, parts.query, parts.fragment)
        )

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Any:
        url = self.route(url)
        retry = 0
        while True:
            response = super().request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                auth=auth,
                timeout=timeout,
                allow_redirects=allow_redirects,
            )
            status = int(response.status_code)
            if not retryable(status) or retry + 1 >= self.retry.attempts:
                return response
            retry += 1
            wait = self.retry.delay(retry, _header(response.headers, "Retry-After"))
            log.warning(
                "Twilio answered HTTP %d; retry %d of %d in %.1f s",
                status,
                retry,
                self.retry.attempts - 1,
                wait,
            )
            self._sleep(wait)


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    value = headers.get(name)
    return None if value is None else str(value)


def make_client(
    account_sid: str,
    auth_token: str,
    *,
    api_base_url: str | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """A `twilio.rest.Client` whose every request goes through `RoutedHttpClient`."""
    transport = RoutedHttpClient(base_url=api_base_url, retry=retry, sleep=sleep)
    return Client(account_sid, auth_token, http_client=transport)

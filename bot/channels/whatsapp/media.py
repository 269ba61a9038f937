"""Download the photo a citizen sent (`MediaUrl0`) with the account's credentials.

Twilio's media URLs need HTTP basic auth (account SID and auth token) and redirect to a
short-lived storage URL; httpx drops the credentials when the redirect leaves the host.
The credentials go only to Twilio (or the configured API base URL, in tests): an unsigned
request on a development server could otherwise point MediaUrl0 at a stranger's host and
collect the auth token.

At most `max_bytes + 1` bytes are read: enough for the service's own check to refuse an
oversized photo with its kind "too large" message, without holding a huge file in memory.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

TWILIO_MEDIA_SUFFIX = ".twilio.com"


class MediaUnavailable(Exception):
    """The file could not be fetched (network, Twilio error, a host we do not trust)."""


class MediaFetcher:
    def __init__(
        self,
        *,
        auth: tuple[str, str] | None,
        max_bytes: int,
        api_base_url: str | None = None,
        timeout: float = 20.0,
    ) -> None:
        self._auth = auth
        self._max_bytes = max_bytes
        self._extra_origin = _origin(api_base_url) if api_base_url else None
        self._timeout = timeout

    def trusted(self, url: str) -> bool:
        parts = urlsplit(url)
        if self._extra_origin is not None and _origin(url) == self._extra_origin:
            return True
        host = (parts.hostname or "").lower()
        return parts.scheme == "https" and (
            host == TWILIO_MEDIA_SUFFIX[1:] or host.endswith(TWILIO_MEDIA_SUFFIX)
        )

    async def fetch(self, url: str) -> bytes:
        if not self.trusted(url):
            log.warning("refused to fetch WhatsApp media from an unexpected host")
            raise MediaUnavailable("untrusted host")
        limit = self._max_bytes + 1
        # httpx only when a citizen sends media, not on every web worker's start-up.
        import httpx

        try:
            async with (
                httpx.AsyncClient(timeout=self._timeout, follow_redirects=True) as client,
                client.stream("GET", url, auth=self._auth) as response,
            ):
                if response.status_code != 200:
                    log.warning("WhatsApp media download answered HTTP %d", response.status_code)
                    raise MediaUnavailable(f"HTTP {response.status_code}")
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) >= limit:
                        break
                return bytes(data[:limit])
        except httpx.HTTPError as exc:
            log.warning("WhatsApp media download failed: %s", type(exc).__name__)
            raise MediaUnavailable(type(exc).__name__) from exc


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()

"""How the Twilio REST client retries (429 and 5xx, with backoff). Apart from the client
itself, so that channels can be configured without importing twilio's REST stack (and
`requests`) on every web worker's start-up: the client is built only when a sender is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # in all, the first try included
    base_delay: float = 0.5  # seconds before the 2nd try; doubles each time
    max_delay: float = 4.0  # also caps Retry-After: the webhook must answer within 15 s

    def delay(self, retry: int, retry_after: str | None) -> float:
        """Seconds to wait before retry number `retry` (1-based)."""
        if retry_after is not None:
            try:
                return max(0.0, min(float(retry_after), self.max_delay))
            except ValueError:
                pass  # an HTTP date: fall back to our own backoff
        return float(min(self.base_delay * 2 ** (retry - 1), self.max_delay))


def retryable(status: int) -> bool:
    return status == 429 or status >= 500

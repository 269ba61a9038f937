"""Telegram's flood limits, honoured on our side before Telegram has to say 429.

Telegram asks bots to stay under about 30 messages a second overall, about one a second in
one private chat (short bursts are tolerated) and 20 a minute in a group. python-telegram-bot's
`AIORateLimiter` knows the overall and group limits but not the per-chat one, and retries a
429 however long Telegram asks to wait; this limiter adds the first and bounds the second.

The limits are per process: several web workers each keep their own, which is why the
numbers stay below Telegram's and a 429 is still handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, Final

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

OVERALL_PER_SECOND: Final = 30
# A reply is often two or three messages (answer, next question): let those through at once.
CHAT_BURST: Final = 3
CHAT_PER_SECOND: Final = 1.0
GROUP_PER_MINUTE: Final = 20
MAX_RETRIES: Final = 3
# Waiting longer than this inside a webhook request risks Telegram's own timeout; the caller
# gets the RetryAfter instead (the webhook answers 5xx and Telegram redelivers later).
MAX_WAIT_SECONDS: Final = 20.0
# Limiters of chats that went quiet are dropped once there are this many.
_PRUNE_ABOVE: Final = 1024

# What python-telegram-bot hands the limiter: the request, and what it answers.
ApiResult = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, ApiResult]]


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that the int form will become a timedelta; both are handled here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramRateLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        *,
        overall_per_second: float = OVERALL_PER_SECOND,
        chat_burst: int = CHAT_BURST,
        chat_per_second: float = CHAT_PER_SECOND,
        group_per_minute: float = GROUP_PER_MINUTE,
        max_retries: int = MAX_RETRIES,
        max_wait_seconds: float = MAX_WAIT_SECONDS,
    ) -> None:
        self._overall = AsyncLimiter(overall_per_second, 1)
        self._chat_burst = chat_burst
        self._chat_period = chat_burst / chat_per_second
        self._group_per_minute = group_per_minute
        self._chats: dict[int | str, AsyncLimiter] = {}
        self._max_retries = max_retries
        self._max_wait = max_wait_seconds
        # Cleared while Telegram told us to wait: a 429 is about the bot, not one request.
        self._resume = asyncio.Event()
        self._resume.set()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _chat_limiter(self, chat_id: int | str) -> AsyncLimiter:
        if len(self._chats) > _PRUNE_ABOVE:
            for key, idle in list(self._chats.items()):
                if idle.has_capacity(idle.max_rate):
                    del self._chats[key]
        found = self._chats.get(chat_id)
        if found is not None:
            return found
        group = isinstance(chat_id, str) or chat_id < 0
        limiter = (
            AsyncLimiter(self._group_per_minute, 60)
            if group
            else AsyncLimiter(self._chat_burst, self._chat_period)
        )
        self._chats[chat_id] = limiter
        return limiter

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> ApiResult:
        chat_id = _chat_id(data.get("chat_id"))
        # Only messages count against a chat's limit; answering a button press must not wait.
        per_chat = chat_id is not None and endpoint.startswith("send")
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        attempt = 0
        while True:
            try:
                chat_context = (
                    self._chat_limiter(chat_id)
                    if per_chat and chat_id is not None
                    else contextlib.nullcontext()
                )
                overall = self._overall if chat_id is not None else contextlib.nullcontext()
                async with chat_context, overall:
                    await self._resume.wait()
                    return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                if attempt >= retries or wait > self._max_wait:
                    raise
                attempt += 1
                log.warning("Telegram asked to wait %.1f s (%s); retrying", wait, endpoint)
                self._resume.clear()
                try:
                    await asyncio.sleep(wait + 0.1)
                finally:
                    self._resume.set()


def _chat_id(value: Any) -> int | str | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)  # "@channelname"

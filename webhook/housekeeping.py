"""Periodic work of a running app: forgetting expired personal data."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from bot.container import Container

log = logging.getLogger(__name__)


async def purge_forever(container: Container, every_seconds: float) -> None:
    """Purge now and then at every interval; a failure is logged and tried again later."""
    while True:
        try:
            removed = await run_in_threadpool(container.purge, datetime.now(UTC))
            if any(removed.values()):
                log.info("purged %s", removed)
        except Exception:
            # A database blip must not stop the app; the next round catches up.
            log.exception("purge failed; will try again")
        await asyncio.sleep(every_seconds)

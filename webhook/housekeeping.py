"""Periodic work of a running app: forgetting expired personal data; and once at start,
moving Redis drafts still named by their chat's key."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from bot.container import Container

log = logging.getLogger(__name__)

# The start-up pass looks at no more names than this (a SCAN, reading only names that are
# not hashed): a few hundred round trips at most, off the request path.
LEGACY_SCAN_LIMIT = 100_000


async def move_legacy_redis_names(container: Container) -> None:
    """Drafts and locks that code before migration 0019 kept under names showing the
    chat's key (`dtsen:conv:whatsapp:+62…`, a phone number) moved to their hashed names,
    once, in the background: after an upgrade they would otherwise linger there until
    their expiry, and the app no longer finds them. `dtsen-bot keys rotate` does the same
    without a bound."""
    if not container.settings.redis_url:
        return
    from models.conversation_store.redis_store import RedisConversationStore

    try:
        store = container.store
        if not isinstance(store, RedisConversationStore):
            return
        done = await run_in_threadpool(store.move_legacy_names, limit=LEGACY_SCAN_LIMIT)
    except Exception:  # Redis down at start: `keys rotate` or the next start does it
        log.warning("could not look for Redis drafts named in clear", exc_info=True)
        return
    if done.removed:
        log.info(
            "Redis names showing a chat's key: %d draft(s) moved to hashed names, %d "
            "superseded, %d unreadable deleted, %d lock(s) deleted",
            done.moved,
            done.superseded,
            done.unreadable,
            done.locks,
        )
    if done.examined >= LEGACY_SCAN_LIMIT:
        log.warning(
            "more than %d Redis names: run `dtsen-bot keys rotate` to move the rest",
            LEGACY_SCAN_LIMIT,
        )


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

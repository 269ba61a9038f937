"""The outbox worker: sends the notifications that status changes and digests left behind,
and the replies a webhook could not send (it died mid-send: their lease ran out).

`Worker.run_once` claims due rows (`staff.outbox.claim`, which keeps each chat's order),
hands each to the notifier of its channel, and marks it sent right after the notifier
returns, or failed: retried with exponential backoff (`backoff`, doubled per attempt, at
most `max_backoff`) until `max_attempts`, then `dead`. When a row does not go out, the
later rows of its chat in the same claim are put back untried, so they never overtake it.
A row for a channel without a notifier is dead at once, with an error saying so
(configure the channel, then set the row back to pending to resend).

Delivery is at-least-once (see `staff.outbox`): a crash between the provider's answer and
`mark_sent` sends that one message again after its lease. Several workers (processes or
`serve` instances) may run against the same PostgreSQL database; a row is never claimed
by two of them at once, and one chat's messages still leave in order.

Notifier paths: "free_form" and "template" went out; "unreachable" means the channel
recorded that the chat cannot be reached: final for the outbox (status `sent`, with the
path). "waiting" means the channel holds it until the citizen writes again (WhatsApp
outside 24 hours without a template, a number that sent STOP, the simulator and the
terminal chat, which have no push): the row's state becomes `waiting`, and it goes out
after the replies to the citizen's next message. A notifier that raises is retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path as FilePath  # Path below is a notification's delivery path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Engine
from sqlmodel import Session

from bot.channels.notify import Notification, Notifier, Path
from bot.channels.simulator import SIMULATOR, TERMINAL, SimulatorChannel
from bot.settings import Settings
from conversations.languages import as_language
from models.channels import PHONE_CHANNEL
from models.tables import OutboxNotification
from staff.digest_schedule import send_due_digests
from staff.outbox import (
    REPLY,
    Partition,
    claim,
    mark_failed,
    mark_sent,
    release,
    reply_from_json,
)
from staff.workflow import Workflows

if TYPE_CHECKING:
    from bot.container import Container

log = logging.getLogger(__name__)

DEFAULT_LEASE: Final = timedelta(minutes=5)
DEFAULT_BACKOFF: Final = timedelta(seconds=30)
DEFAULT_MAX_BACKOFF: Final = timedelta(hours=6)
DEFAULT_MAX_ATTEMPTS: Final = 8
DEFAULT_BATCH: Final = 20
# A row whose lease ends within this margin is left for the next claim rather than sent
# late, when another worker may already have taken it again.
LEASE_MARGIN: Final = timedelta(seconds=15)


class Worker:
    def __init__(
        self,
        engine: Engine,
        notifiers: Mapping[str, Notifier],
        *,
        lease: timedelta = DEFAULT_LEASE,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff: timedelta = DEFAULT_BACKOFF,
        max_backoff: timedelta = DEFAULT_MAX_BACKOFF,
        batch: int = DEFAULT_BATCH,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        partition: Partition | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if lease <= LEASE_MARGIN:
            raise ValueError(f"the lease must be longer than {LEASE_MARGIN}")
        self._engine = engine
        self._notifiers = dict(notifiers)
        self.lease = lease
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.batch = batch
        self._clock = clock
        self.partition = partition

    @property
    def channels(self) -> list[str]:
        return list(self._notifiers)

    def _session(self) -> Session:
        return Session(self._engine)

    def retry_delay(self, attempts: int) -> timedelta:
        """Backoff after the `attempts`-th failed attempt: backoff, 2x, 4x ... (capped)."""
        factor = 2 ** max(0, attempts - 1)
        delay: timedelta = min(self.backoff * factor, self.max_backoff)
        return delay

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim and handle one batch of due notifications; returns how many were claimed.

        With `now` (tests), that moment is used throughout; otherwise the clock is read.
        """
        moment = now or self._clock()
        rows = await asyncio.to_thread(
            claim,
            self._session,
            now=moment,
            limit=self.batch,
            lease=self.lease,
            max_attempts=self.max_attempts,
            partition=self.partition,
        )
        held_up: set[tuple[str, str]] = set()
        for row in rows:
            assert row.id is not None
            chat = (row.channel, row.chat_id)
            if chat in held_up:
                # An earlier message of this chat did not go out: this one waits for it.
                await asyncio.to_thread(
                    release, self._session, row.id, attempt=row.attempts, at=now or self._clock()
                )
                continue
            if not await self._handle(row, now):
                held_up.add(chat)
        return len(rows)

    async def _handle(self, row: OutboxNotification, now: datetime | None) -> bool:
        """True once the row left the queue (sent, waiting, dead), False when it is still
        to go (a retry, a lease nearly over): its chat's later rows then wait."""
        assert row.id is not None and row.claimed_until is not None
        started = now or self._clock()
        if started >= row.claimed_until - LEASE_MARGIN:
            log.warning("outbox %s: lease nearly over, left for the next claim", row.id)
            return False
        notifier = self._notifiers.get(row.channel)
        if notifier is None:
            await self._failed(row, f"no notifier for channel {row.channel!r}", now, final=True)
            return True
        try:
            path = await notifier.notify(row.recipient, _notification(row))
        except asyncio.CancelledError:
            raise  # shutting down: the lease runs out and another run sends it
        except Exception as error:
            log.warning("outbox %s: %s failed: %r", row.id, row.channel, error)
            return await self._failed(row, f"{type(error).__name__}: {error}", now, final=False)
        # Right after the notifier returned: the shorter this gap, the rarer a duplicate.
        await asyncio.to_thread(
            mark_sent, self._session, row.id, path=path, at=now or self._clock()
        )
        return True

    async def _failed(
        self, row: OutboxNotification, error: str, now: datetime | None, *, final: bool
    ) -> bool:
        """Returns whether the row is given up (dead)."""
        assert row.id is not None
        at = now or self._clock()
        give_up = final or row.attempts >= self.max_attempts
        retry_at = None if give_up else at + self.retry_delay(row.attempts)
        if give_up:
            log.error("outbox %s: dead after %d attempt(s): %s", row.id, row.attempts, error)
        await asyncio.to_thread(
            mark_failed,
            self._session,
            row.id,
            attempt=row.attempts,
            error=error,
            at=at,
            retry_at=retry_at,
        )
        return give_up

    async def run_forever(
        self,
        poll_interval: float,
        stop_event: asyncio.Event,
        *,
        on_tick: Callable[[datetime], Any] | None = None,
        heartbeat: FilePath | None = None,
    ) -> None:
        """Poll until `stop_event` is set. A full batch is followed at once by the next.

        `on_tick(now)` (a plain function, run in a thread) is called once per round before
        claiming, e.g. to enqueue the daily digests that are due. Errors in a round are
        logged and the loop goes on after the poll interval. `heartbeat` is touched after
        every round, failed or not: its age tells a liveness probe that the loop still turns
        (a round stuck on a hung connection stops it; a database that is down does not,
        which is readiness's business, and a restart would not cure it).
        """
        while not stop_event.is_set():
            handled = 0
            try:
                if on_tick is not None:
                    await asyncio.to_thread(on_tick, self._clock())
                handled = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox round failed; trying again in %.0f s", poll_interval)
            if heartbeat is not None:
                _touch(heartbeat)
            if handled >= self.batch:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop_event.wait(), timeout=poll_interval)


def _touch(path: FilePath) -> None:
    try:
        path.touch()
    except OSError as exc:  # a full or read-only disk must not stop the sending
        log.warning("cannot touch the worker heartbeat %s: %s", path, exc)


def heartbeat_file(directory: FilePath, partition: Partition | None) -> FilePath:
    return directory / f"alive-{partition.index if partition else 0}"


def clear_heartbeats(directory: FilePath) -> None:
    """Forget the heartbeats of an earlier run (maybe with more processes), before starting:
    a stale file would fail the probe of a healthy worker forever."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("alive-*"):
        stale.unlink(missing_ok=True)


def _notification(row: OutboxNotification) -> Notification:
    if row.kind == REPLY:
        reply = reply_from_json({"text": row.text, **(row.reply or {})})
        return Notification(row.kind, row.text, reply=reply, language=as_language(row.language))
    return Notification(row.kind, row.text, dict(row.variables))


# -- notifiers from the settings ---------------------------------------------------------------


def build_notifiers(
    settings: Settings, engine: Engine, *, telegram_bot: Any | None = None
) -> dict[str, Notifier]:
    """A notifier per channel that is configured to send; others are skipped with a log line.

    Channel modules are imported lazily, so this works whatever channel code is installed:
    - telegram, when TELEGRAM_BOT_TOKEN is set: `bot.channels.telegram.notifier.TelegramNotifier`
      over `telegram_bot` (pass the running bot from `serve`, so both share one rate limiter)
      or a bot of its own, started (getMe) before the first notification;
    - whatsapp: `WhatsAppChannel.from_settings(settings).notifier(engine)` when the Twilio
      account and sender are set;
    - sms: `SmsChannel` when the Twilio account and TWILIO_SMS_FROM are set;
    - simulator and terminal (`dtsen-bot chat`): always (`SimulatorChannel`).
    Rows for a skipped channel go `dead` with "no notifier for channel ..." when claimed.
    """
    notifiers: dict[str, Notifier] = {
        channel: SimulatorChannel(name=channel) for channel in (SIMULATOR, TERMINAL)
    }
    telegram = _telegram_notifier(settings, engine, telegram_bot)
    if telegram is not None:
        notifiers["telegram"] = telegram
    whatsapp = _whatsapp_notifier(settings, engine)
    if whatsapp is not None:
        notifiers["whatsapp"] = whatsapp
    sms = _sms_notifier(settings, engine)
    if sms is not None:
        notifiers["sms"] = sms
    # A household's own phone (a proposal filed on its behalf, staff/notices.py): SMS
    # reaches any phone at once; WhatsApp only with an approved template (or once they
    # write to the bot), so it is the second choice.
    phone = notifiers.get("sms") or notifiers.get("whatsapp")
    if phone is not None:
        notifiers[PHONE_CHANNEL] = phone
    return notifiers


class _StartFirst:
    """A notifier whose client must be started once (an own Telegram bot: getMe)."""

    def __init__(self, notifier: Notifier, start: Callable[[], Awaitable[None]]) -> None:
        self.name = notifier.name
        self._notifier = notifier
        self._start: Callable[[], Awaitable[None]] | None = start
        self._lock = asyncio.Lock()

    async def notify(self, chat_id: str, notification: Notification) -> Path:
        if self._start is not None:
            async with self._lock:
                if self._start is not None:
                    await self._start()
                    self._start = None
        return await self._notifier.notify(chat_id, notification)


def _telegram_notifier(settings: Settings, engine: Engine, bot: Any | None) -> Notifier | None:
    if not settings.telegram_bot_token:
        log.info("Telegram notifications off: TELEGRAM_BOT_TOKEN is not set")
        return None
    try:
        notifier_module = importlib.import_module("bot.channels.telegram.notifier")
        client = importlib.import_module("bot.channels.telegram.client")
    except ImportError as error:
        log.warning("Telegram notifications off: no notifier module (%s)", error)
        return None
    if bot is not None:
        shared: Notifier = notifier_module.TelegramNotifier(bot, engine)
        return shared
    own_bot = client.build_bot(settings)
    own: Notifier = notifier_module.TelegramNotifier(own_bot, engine)
    return _StartFirst(own, lambda: client.start_bot(own_bot))


def _whatsapp_notifier(settings: Settings, engine: Engine) -> Notifier | None:
    try:
        channel_module = importlib.import_module("bot.channels.whatsapp.channel")
    except ImportError as error:
        log.warning("WhatsApp notifications off: no channel module (%s)", error)
        return None
    channel = channel_module.WhatsAppChannel.from_settings(settings)
    if not channel.config.can_send:
        log.info("WhatsApp notifications off: TWILIO_ACCOUNT_SID/AUTH_TOKEN/WHATSAPP_FROM not set")
        return None
    notifier: Notifier = channel.notifier(engine)
    return notifier


def _sms_notifier(settings: Settings, engine: Engine) -> Notifier | None:
    from bot.channels.sms.channel import SmsChannel

    channel = SmsChannel.from_settings(settings, engine=engine)
    if not channel.config.can_send:
        log.info("SMS notifications off: TWILIO_ACCOUNT_SID/AUTH_TOKEN/SMS_FROM not set")
        return None
    return channel


# -- running it: `dtsen-bot worker`, and `serve` in-process -----------------------------------

DEFAULT_DIGEST_HOUR: Final = 7
DEFAULT_POLL_INTERVAL: Final = 2.0
DIGEST_CHECK_EVERY: Final = timedelta(minutes=1)


def digest_tick(
    engine: Engine,
    workflows: Workflows,
    *,
    hour: int,
    cutoff_day: int,
    every: timedelta = DIGEST_CHECK_EVERY,
) -> Callable[[datetime], int]:
    """A `Worker.run_forever` tick that writes the due daily summaries to the outbox (at
    most once per `every`); returns how many staff members got one."""
    last_check: list[datetime] = []

    def tick(now: datetime) -> int:
        if last_check and now - last_check[0] < every:
            return 0
        last_check[:] = [now]
        with Session(engine) as session, session.begin():
            count = send_due_digests(
                session, now=now, hour=hour, workflows=workflows, cutoff_day=cutoff_day
            )
        if count:
            log.info("daily summaries written for %d staff member(s)", count)
        return count

    return tick


async def run_worker(
    container: Container,
    stop_event: asyncio.Event,
    *,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    digest_hour: int | None = DEFAULT_DIGEST_HOUR,
    notifiers: Mapping[str, Notifier] | None = None,
    telegram_bot: Any | None = None,
    partition: Partition | None = None,
    announce: bool = False,
) -> None:
    """Send notifications until `stop_event` is set; with `digest_hour`, also write the
    daily staff summaries when due. For `serve`: `asyncio.create_task(run_worker(...))`,
    passing its running Telegram bot as `telegram_bot` when there is one. `announce`: a
    process of its own (`dtsen-bot worker`) records the key versions it holds
    (`models.process_keys`); inside `serve`, serve does."""
    engine = container.engine
    if notifiers is None:
        notifiers = container.notifiers(telegram_bot=telegram_bot)
    worker = Worker(engine, notifiers, partition=partition)
    tick = (
        None
        if digest_hour is None
        else digest_tick(
            engine,
            container.workflows,
            hour=digest_hour,
            cutoff_day=container.settings.cutoff_day,
        )
    )
    log.info(
        "outbox worker started (channels: %s; daily summaries: %s)",
        ", ".join(sorted(worker.channels)) or "none",
        "off" if digest_hour is None else f"{digest_hour:02d}:00 local time",
    )
    beat_dir = container.settings.worker_heartbeat_dir
    heartbeat = None if beat_dir is None else heartbeat_file(beat_dir, partition)
    announcing = None
    if announce:
        announcing = asyncio.create_task(container.keep_announcing("worker"))
    try:
        await worker.run_forever(poll_interval, stop_event, on_tick=tick, heartbeat=heartbeat)
    finally:
        if announcing is not None:
            announcing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await announcing
    log.info("outbox worker stopped")

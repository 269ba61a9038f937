"""`dtsen-bot worker`: send the outbox's notifications, and the daily staff summaries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import click

from bot.container import Container, build
from bot.worker import DEFAULT_DIGEST_HOUR, DEFAULT_POLL_INTERVAL, Worker, run_worker


@click.command()
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@click.option(
    "--poll-interval",
    type=click.FloatRange(0.1, 3600),
    default=DEFAULT_POLL_INTERVAL,
    show_default=True,
    help="Seconds between looks at the outbox when it is empty.",
)
@click.option(
    "--digest-hour",
    type=click.IntRange(0, 23),
    default=DEFAULT_DIGEST_HOUR,
    show_default=True,
    envvar="DIGEST_HOUR",
    help="Hour (staff member's local time) of the daily summary to linked staff chats.",
)
@click.option("--no-digests", is_flag=True, help="Do not send the daily staff summaries.")
def worker(once: bool, poll_interval: float, digest_hour: int, no_digests: bool) -> None:
    """Send status notifications and summaries from the outbox, with retries."""
    with build() as container:
        settings = container.settings
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s"
        )
        if once:
            sender = Worker(container.engine, container.notifiers())
            click.echo(f"{asyncio.run(sender.run_once())} notification(s) handled.")
            return
        asyncio.run(_run(container, poll_interval, None if no_digests else digest_hour))


async def _run(container: Container, poll_interval: float, hour: int | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(signum, stop.set)
    click.echo("Outbox worker running. Press Ctrl-C to stop.")
    await run_worker(container, stop, poll_interval=poll_interval, digest_hour=hour)

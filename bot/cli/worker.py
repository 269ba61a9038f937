"""`dtsen-bot worker`: send the outbox's notifications, and the daily staff summaries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal

import click
from sqlalchemy.engine import make_url

from bot.container import Container, build
from bot.settings import Settings
from bot.worker import (
    DEFAULT_DIGEST_HOUR,
    DEFAULT_POLL_INTERVAL,
    Worker,
    clear_heartbeats,
    run_worker,
)
from staff.outbox import Partition


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
@click.option(
    "--processes",
    type=click.IntRange(1, 32),
    default=1,
    show_default=True,
    help="Sending processes; each chat's notifications stay in one, in order (PostgreSQL).",
)
def worker(
    once: bool, poll_interval: float, digest_hour: int, no_digests: bool, processes: int
) -> None:
    """Send status notifications and summaries from the outbox, with retries."""
    if processes > 1 and once:
        raise click.UsageError("--once sends from this process only: leave out --processes.")
    hour = None if no_digests else digest_hour
    beat_dir = Settings().worker_heartbeat_dir
    if beat_dir is not None and not once:
        clear_heartbeats(beat_dir)
    if processes > 1:
        _run_processes(processes, poll_interval, hour)
        return
    with build() as container:
        settings = container.settings
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s"
        )
        if once:
            sender = Worker(container.engine, container.notifiers())
            click.echo(f"{asyncio.run(sender.run_once())} notification(s) handled.")
            return
        asyncio.run(_run(container, poll_interval, hour))


def _run_processes(processes: int, poll_interval: float, hour: int | None) -> None:
    """One child process per partition; the parent forwards SIGTERM/SIGINT and waits."""
    if make_url(Settings().database_url).get_backend_name() != "postgresql":
        raise click.UsageError(f"{processes} worker processes need PostgreSQL (DATABASE_URL).")
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(
            target=_child,
            # Daily summaries are written by the first process only.
            args=(Partition(i, processes), poll_interval, hour if i == 0 else None),
            name=f"dtsen-worker-{i}",
        )
        for i in range(processes)
    ]
    for child in children:
        child.start()
    click.echo(f"Outbox worker running in {processes} processes. Press Ctrl-C to stop.")

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.pid is not None and child.is_alive():
                os.kill(child.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for child in children:
        child.join()


def _child(partition: Partition, poll_interval: float, hour: int | None) -> None:
    with build() as container:
        logging.basicConfig(
            level=container.settings.log_level,
            format=f"%(asctime)s %(levelname)s worker-{partition.index} %(message)s",
        )
        asyncio.run(_run(container, poll_interval, hour, partition, quiet=True))


async def _run(
    container: Container,
    poll_interval: float,
    hour: int | None,
    partition: Partition | None = None,
    *,
    quiet: bool = False,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(signum, stop.set)
    if not quiet:
        click.echo("Outbox worker running. Press Ctrl-C to stop.")
    await run_worker(
        container,
        stop,
        poll_interval=poll_interval,
        digest_hour=hour,
        partition=partition,
        announce=True,
    )

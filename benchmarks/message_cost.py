"""What one ordinary message costs the service, in process (no HTTP): database statements,
Redis round trips and CPU time per message, for every storage set-up.

    .venv/bin/python -m benchmarks.message_cost [--citizens 20] [--profile FILE.svg]

Citizens walk the typed part of an usulan (36 messages, menu to the KTP photo question)
through `ChatService.handle`, one after another, on SQLite, PostgreSQL, and PostgreSQL +
Redis (`BENCH_REDIS_URL`, default db 8: it is flushed). `--profile` records the
PostgreSQL + Redis run with py-spy (it must be installed) and writes a flame graph.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.throwaway_db import create_database, drop_database
from tests.costs import StatementCounter, counting_redis

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")


@dataclass
class Cost:
    setup: str
    messages: int
    statements: float
    redis: float
    cpu_ms: float


def _service(database_url: str, redis_url: str | None, data_dir: Path) -> tuple[Any, Any, Any]:
    from bot.container import build
    from bot.settings import Settings

    # Photos taken as sent: the typed part of the journey, as tests/conversations has it.
    settings = Settings(
        database_url=database_url, redis_url=redis_url, data_dir=data_dir, photo_checks="off"
    )
    container = build(settings)
    return container, container.engine, container.store


def run(setup: str, database_url: str, redis_url: str | None, citizens: int) -> Cost:
    from bot.inbound import InboundMessage
    from tests.conversations.transcript import USULAN_TYPED

    with tempfile.TemporaryDirectory() as tmp:
        container, engine, store = _service(database_url, redis_url, Path(tmp))
        redis_calls = counting_redis(store)
        counter = StatementCounter(engine)
        service = container.service
        # Warm up: the first message of a process pays imports and connections.
        service.handle(InboundMessage(channel="bench", sender="warm", text="menu"))
        counter.reset()
        redis_calls.reset()
        messages = 0
        start = time.process_time()
        for c in range(citizens):
            for n, (text, expected) in enumerate(USULAN_TYPED):
                handled = service.handle(
                    InboundMessage(
                        channel=f"bench-{setup}",
                        sender=f"62811{c:07d}",
                        message_id=f"{c}-{n}",
                        text=text,
                    )
                )
                # Tolerates the older return shape (a list), to measure older checkouts.
                replies = getattr(handled, "replies", handled)
                answer = "\n".join(r.text for r in replies)
                if expected not in answer:
                    raise SystemExit(f"citizen {c} after {text!r}: {answer!r}")
                messages += 1
        cpu = time.process_time() - start
        container.close()
    return Cost(
        setup,
        messages,
        counter.count / messages,
        redis_calls.count / messages,
        cpu * 1000 / messages,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=20)
    parser.add_argument("--only", choices=["sqlite", "postgresql", "postgresql+redis"])
    parser.add_argument("--profile", type=Path, help="py-spy flame graph of the Redis run")
    args = parser.parse_args()

    if args.profile:
        # py-spy runs this script again (without --profile) under its sampler.
        command = [
            sys.executable,
            "-m",
            "benchmarks.message_cost",
            "--only",
            "postgresql+redis",
            "--citizens",
            str(args.citizens),
        ]
        subprocess.run(
            ["py-spy", "record", "-o", str(args.profile), "-r", "200", "--", *command], check=True
        )
        return

    import redis

    pg_url = create_database("message_cost")
    try:
        costs = []
        with tempfile.TemporaryDirectory() as tmp:
            setups = [
                ("sqlite", f"sqlite:///{tmp}/bench.db", None),
                ("postgresql", pg_url, None),
                ("postgresql+redis", pg_url, REDIS_URL),
            ]
            for name, url, redis_url in setups:
                if args.only and name != args.only:
                    continue
                if redis_url:
                    redis.Redis.from_url(redis_url).flushdb()
                costs.append(run(name, url, redis_url, args.citizens))
    finally:
        drop_database(pg_url)
    print("| set-up | messages | SQL statements/msg | Redis round trips/msg | CPU ms/msg |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for c in costs:
        print(f"| {c.setup} | {c.messages} | {c.statements:.2f} | {c.redis:.2f} | {c.cpu_ms:.2f} |")


if __name__ == "__main__":
    main()

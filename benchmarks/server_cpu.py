"""Server CPU per ordinary message, per channel, against the bare endpoint in the same run.

    .venv/bin/python -m benchmarks.server_cpu [--citizens 3] [--rounds 3] [--callgrind]

`dtsen-bot serve` (one worker, PostgreSQL + Redis, as benchmarks/load.py starts it) and the
bare endpoint (benchmarks/bare_app.py: one Redis GET + SET, one PostgreSQL INSERT) run side
by side. Citizens walk the typed part of an usulan (30 text messages, menu to the KTP
photo question, every reply checked) one message at a time over the chat page's API, the
Telegram webhook and the signed WhatsApp webhook; the bare endpoint gets as many requests.
Rounds alternate the order.

Two measures of the server's own work, neither counting the load generator:

- default: user + system CPU time of the server process (from /proc) per message; on a
  busy machine it is inflated for both sides, so read the ratio to the bare endpoint;
- `--callgrind`: both servers run under `valgrind --tool=callgrind`, instrumented only
  while the messages are sent (`callgrind_control -z` before, `-d` after), and the figure
  is instructions executed per message: independent of what else the machine runs.
  Slow (about 50x): use `--citizens 1 --rounds 1`.

`BENCH_REDIS_URL` (default db 8) is flushed.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks import load
from benchmarks.load import REDIS_URL, Channels, Process, Step
from benchmarks.throwaway_db import create_database, drop_database

CHANNELS = ("simulator", "telegram", "whatsapp")


def typed_steps(serial: int) -> list[Step]:
    """The journey's typed part: ordinary text messages only (no photo, location)."""
    from tests.conversations.transcript import USULAN_TYPED

    return load.journey(serial)[: len(USULAN_TYPED)]


class Meter:
    """What one server did between `start` and `stop`: CPU seconds, or instructions."""

    def __init__(self, process: Process, callgrind_out: Path | None) -> None:
        self.process, self.out = process, callgrind_out
        self._cpu = 0.0
        self._dumps = 0

    def _pid(self) -> int:
        assert self.process.popen is not None
        return self.process.popen.pid

    def start(self) -> None:
        if self.out is not None:
            subprocess.run(["callgrind_control", "-z", str(self._pid())], check=True, **_quiet)
        else:
            self._cpu = self.process.cpu_seconds()

    def stop(self) -> float:
        if self.out is None:
            return self.process.cpu_seconds() - self._cpu
        self._dumps += 1
        subprocess.run(["callgrind_control", "-d", str(self._pid())], check=True, **_quiet)
        dump = Path(f"{self.out}.{self._dumps}")
        for _ in range(600):
            if dump.exists() and "totals:" in dump.read_text(errors="replace"):
                break
            time.sleep(0.1)
        for line in dump.read_text(errors="replace").splitlines():
            if line.startswith(("totals:", "summary:")):
                return float(line.split()[1])
        raise SystemExit(f"no totals in {dump}")


_quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


def under_callgrind(process: Process, out: Path) -> Process:
    process.command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
        *process.command,
    ]
    return process


async def walk(
    client: httpx.AsyncClient, channels: Channels, channel: str, chats: list[dict[str, Any]]
) -> int:
    sent = 0
    for chat in chats:
        for step in chat["steps"]:
            text = await channels.send(client, channel, chat, step)
            if step.expected not in text:
                raise SystemExit(f"{channel} after {step.value!r}: {text[:200]!r}")
            sent += 1
    return sent


async def bare_walk(client: httpx.AsyncClient, port: int, tag: str, messages: int) -> int:
    for n in range(messages):
        response = await client.post(
            f"http://127.0.0.1:{port}/bare", json={"user": tag, "text": f"message {n}"}
        )
        response.raise_for_status()
    return messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=3, help="per channel and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--callgrind", action="store_true")
    args = parser.parse_args()

    import redis

    from tests.doubles.telegram_bot_api import TelegramBotApiDouble, Updates
    from tests.doubles.twilio_api import running_twilio_api

    if args.callgrind:
        load.START_TIMEOUT_S = 900.0  # start-up under valgrind
    redis.Redis.from_url(REDIS_URL).flushdb()
    tmp = Path(tempfile.mkdtemp(prefix="server-cpu-"))
    app_db = create_database("cpu_app")
    bare_db = load.bare_database()
    serial = 0
    figures: dict[str, list[float]] = {name: [] for name in (*CHANNELS, "bare")}
    try:
        with (
            TelegramBotApiDouble(token="123456789:AAload-test-token") as telegram,
            running_twilio_api() as twilio,
        ):
            app = load.app_process(app_db, REDIS_URL, 1, tmp / "data", telegram, twilio.url)
            bare = load.bare_process(bare_db, 1)
            app_out = bare_out = None
            if args.callgrind:
                app_out, bare_out = tmp / "app.callgrind", tmp / "bare.callgrind"
                under_callgrind(app, app_out)
                under_callgrind(bare, bare_out)
                for process in (app, bare):  # valgrind needs the ready poll to wait longer
                    process.ready = "/healthz"
            with app, bare:
                if args.callgrind:
                    for process in (app, bare):
                        assert process.popen is not None
                        subprocess.run(
                            ["callgrind_control", "-i", "on", str(process.popen.pid)],
                            check=True,
                            **_quiet,
                        )
                app_meter, bare_meter = Meter(app, app_out), Meter(bare, bare_out)
                channels = Channels(f"http://127.0.0.1:{app.port}", telegram, twilio)

                def chats(count: int) -> list[dict[str, Any]]:
                    nonlocal serial
                    made = []
                    for _ in range(count):
                        serial += 1
                        made.append(
                            {
                                "user": f"cpu-{serial}",
                                "phone": f"6281{serial:08d}",
                                "updates": Updates(chat_id=900_000_000 + serial),
                                "steps": typed_steps(serial),
                            }
                        )
                    return made

                async def run() -> None:
                    async with httpx.AsyncClient(timeout=600) as client:
                        # Warm-up: first requests pay imports, connections, caches. Under
                        # valgrind the first Bot API call can time out (a 502 the provider
                        # would redeliver): the warm-up then starts again with a new chat.
                        for channel in CHANNELS:
                            for _ in range(3):
                                try:
                                    await walk(client, channels, channel, chats(1))
                                    break
                                except httpx.HTTPStatusError as error:
                                    print(f"warm-up on {channel}: {error}; again", flush=True)
                        await bare_walk(client, bare.port, "warm", 30)
                        for r in range(args.rounds):
                            order = [*CHANNELS, "bare"]
                            if r % 2:
                                order.reverse()
                            for name in order:
                                meter = bare_meter if name == "bare" else app_meter
                                meter.start()
                                if name == "bare":
                                    sent = await bare_walk(
                                        client,
                                        bare.port,
                                        f"r{r}",
                                        len(typed_steps(0)) * args.citizens,
                                    )
                                else:
                                    sent = await walk(client, channels, name, chats(args.citizens))
                                figures[name].append(meter.stop() / sent)

                asyncio.run(run())
    finally:
        drop_database(app_db)
        drop_database(bare_db)
        shutil.rmtree(tmp, ignore_errors=True)

    unit, scale = ("M instructions", 1e-6) if args.callgrind else ("CPU ms", 1e3)
    bare_median = statistics.median(figures["bare"])
    print(f"| endpoint | {unit}/msg (median of {args.rounds}) | all rounds | x bare |")
    print("| --- | ---: | --- | ---: |")
    for name, values in figures.items():
        median = statistics.median(values)
        rounds = ", ".join(f"{v * scale:.2f}" for v in values)
        print(f"| {name} | {median * scale:.2f} | {rounds} | {median / bare_median:.2f}x |")


if __name__ == "__main__":
    main()

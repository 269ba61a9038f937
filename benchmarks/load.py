"""Load test of the whole service over HTTP, against a bare endpoint in the same run.

    .venv/bin/python -m benchmarks.load [--quick] [--setups sqlite-1,pg-1,pg-2]

Simulated citizens walk a whole journey (an usulan from the menu to the ticket, with two
photos, a location and a phone number, then the menu again: 42 messages, every reply
checked) over the chat page's API, the Telegram webhook (updates as Telegram sends them,
replies through the local Bot API double) and the WhatsApp webhook (signed as Twilio signs,
photos fetched from the local Twilio double), one third of the citizens each.

Set-ups: SQLite with one worker, PostgreSQL + Redis with one and with two workers
(`dtsen-bot serve --workers N`, the real command). Each is run against the bare endpoint
(benchmarks/bare_app.py: one Redis GET + SET and one PostgreSQL INSERT per request, same
uvicorn, same socket, same worker count), alternating which goes first:

- closed loop at 1, 20 and 200 citizens (each sends its next message when the answer
  came): throughput, p50/p95/p99 latency, server CPU per message, errors;
- open loop at human pace: citizens (1,000; 300 with --quick) each send a message every
  10 s on average (exponential gaps), for a bounded time; latency percentiles.

Each row is followed by the app's percentiles per channel (a channel's own delays, such as
Telegram's pace of about one message a second per chat, show apart).

After each set-up the database is checked: every journey that finished was filed exactly
once. Everything listens on 127.0.0.1; every loop is bounded in time. The bare endpoint
gets the same number of requests from the same number of clients.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.throwaway_db import create_database, drop_database
from tests.faults.servers import free_port

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
PUBLIC = "https://bot.example.go.id"
TELEGRAM_SECRET = "load-test-secret"
CLOSED_TIME_LIMIT_S = 90.0
START_TIMEOUT_S = 120.0


# --- servers ---------------------------------------------------------------------------------


class Process:
    """A server process started with `command`, ready when GET `ready` answers 200."""

    def __init__(self, command: list[str], env: dict[str, str], port: int, ready: str) -> None:
        self.command, self.env, self.port, self.ready = command, env, port, ready
        self.popen: subprocess.Popen[bytes] | None = None
        handle, name = tempfile.mkstemp(prefix="load-", suffix=".log")
        os.close(handle)
        self.log = Path(name)

    def __enter__(self) -> Process:
        with self.log.open("ab") as out:  # the child keeps its own copy of the descriptor
            self.popen = subprocess.Popen(
                self.command, env={**os.environ, **self.env}, stdout=out, stderr=out
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise SystemExit(f"{self.command} exited; see {self.log}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}{self.ready}", timeout=2).is_success:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.command} did not start; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        assert self.popen is not None
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(60)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and all its worker processes so far."""
        assert self.popen is not None
        tick = os.sysconf("SC_CLK_TCK")
        parents: dict[int, int] = {}
        times: dict[int, float] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
        tree, frontier = {self.popen.pid}, [self.popen.pid]
        while frontier:
            pid = frontier.pop()
            for child, parent in parents.items():
                if parent == pid and child not in tree:
                    tree.add(child)
                    frontier.append(child)
        return sum(times.get(pid, 0.0) for pid in tree)


def app_process(
    database_url: str,
    redis_url: str | None,
    workers: int,
    data_dir: Path,
    telegram: Any,
    twilio_api: str,
) -> Process:
    port = free_port()
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url or "",
        "DATA_DIR": str(data_dir),
        "SIMULATOR_ENABLED": "true",
        "WORKER_IN_SERVE": "false",
        "LOG_LEVEL": "WARNING",
        "PUBLIC_BASE_URL": PUBLIC,
        "TELEGRAM_BOT_TOKEN": "123456789:AAload-test-token",
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "TELEGRAM_FILE_BASE_URL": telegram.file_base_url,
        "TELEGRAM_REPLY_IN_RESPONSE": "true",
        "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
        "TWILIO_AUTH_TOKEN": "test-auth-token-0123456789abcdef",
        "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "TWILIO_API_BASE_URL": twilio_api,
        # Small pools: app and bare workers together stay far below the shared server's
        # max_connections (100), which the defaults (40 + 10 a process) would exhaust.
        "DB_POOL_SIZE": "10",
        # Photos taken as sent: reading a KTP is measured by benchmarks/ktp_ocr.py, and the
        # journeys' tiny images would not pass the quality checks.
        "PHOTO_CHECKS": "off",
    }
    command = [sys.executable, "-c", "from bot.cli import main; main()", "serve"]
    command += ["--port", str(port)]
    if workers > 1:  # without the option, older checkouts can be measured too
        command += ["--workers", str(workers)]
    # /healthz answers once the app has started (its lifespan built the database).
    return Process(command, env, port, "/healthz")


def bare_process(database_url: str, workers: int) -> Process:
    port = free_port()
    env = {"BARE_DATABASE_URL": database_url, "BARE_REDIS_URL": REDIS_URL}
    command = [sys.executable, "-m", "benchmarks.bare_app", str(port), str(workers)]
    return Process(command, env, port, "/healthz")


# --- journeys --------------------------------------------------------------------------------


def tiny_png() -> bytes:
    from tests.images import tiny_png as make

    return make()


@dataclass
class Step:
    kind: str  # text | photo | location
    value: str
    expected: str


def journey(serial: int) -> list[Step]:
    from tests.conversations.transcript import NIK_MAN, NIK_WOMAN, USULAN_TYPED

    nik = NIK_MAN[:12] + f"{serial:04d}"
    member = NIK_WOMAN[:12] + f"{serial:04d}"
    steps = [
        Step("text", said.replace(NIK_MAN, nik).replace(NIK_WOMAN, member), expected)
        for said, expected in USULAN_TYPED
    ]
    steps += [
        Step("photo", "ktp", "foto rumah"),
        Step("photo", "house", "lokasi"),
        Step("location", "", "Nomor HP"),
        Step("text", "0812 3456 7890", "Ringkasan"),
        Step("text", "ya", "Kode tiket"),
        Step("text", "menu", "Apa yang ingin Anda lakukan?"),
    ]
    return steps


class Channels:
    """How one message of a citizen reaches the app, per channel, and its answer's text."""

    def __init__(self, base: str, telegram: Any, twilio: Any) -> None:
        self.base, self.telegram, self.twilio = base, telegram, twilio
        self.photo_b64 = "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
        self.telegram_file = telegram.add_file(tiny_png(), suffix="png")
        self.twilio_media = twilio.add_media(tiny_png(), "image/png")

    async def send(self, client: httpx.AsyncClient, channel: str, chat: Any, step: Step) -> str:
        if channel == "simulator":
            body: dict[str, Any] = {"user": chat["user"], "message_id": secrets.token_hex(8)}
            if step.kind == "text":
                body["text"] = step.value
            elif step.kind == "photo":
                body["photo"] = self.photo_b64
            else:
                body["location"] = {"lat": -6.93, "lon": 107.72}
            response = await client.post(f"{self.base}/api/simulator/messages", json=body)
            response.raise_for_status()
            return "\n".join(r["text"] for r in response.json()["replies"])
        if channel == "telegram":
            updates = chat["updates"]
            if step.kind == "text":
                update = updates.text(step.value)
            elif step.kind == "photo":
                update = updates.photo(self.telegram_file)
            else:
                update = updates.location(-6.93, 107.72)
            before = chat.setdefault("seen", 0)
            response = await client.post(
                f"{self.base}/webhook/telegram",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
            )
            response.raise_for_status()
            text = response.json().get("text", "") if response.content else ""
            sent = self.telegram.texts(updates.chat_id)
            chat["seen"] = len(sent)
            return "\n".join([*sent[before:], text])
        from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

        from tests.doubles.twilio_api import AUTH_TOKEN, inbound_form

        if step.kind == "text":
            form = inbound_form(chat["phone"], body=step.value)
        elif step.kind == "photo":
            form = inbound_form(
                chat["phone"],
                MessageType="image",
                NumMedia="1",
                MediaUrl0=self.twilio_media,
                MediaContentType0="image/png",
            )
        else:
            form = inbound_form(
                chat["phone"], MessageType="location", Latitude="-6.93", Longitude="107.72"
            )
        path = "/webhook/whatsapp"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + path, form)
        response = await client.post(
            f"{self.base}{path}", data=form, headers={"X-Twilio-Signature": signature}
        )
        response.raise_for_status()
        return response.text


# --- runs ------------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    messages: int = 0
    errors: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    journeys: int = 0
    first_error: str = ""
    # The same latencies by channel (the app only): one channel's own delays show apart.
    by_channel: dict[str, list[float]] = field(default_factory=dict)

    def record(self, latency: float, channel: str | None) -> None:
        self.latencies.append(latency)
        self.messages += 1
        if channel is not None:
            self.by_channel.setdefault(channel, []).append(latency)

    def pct(self, p: float, channel: str | None = None) -> float:
        found = self.latencies if channel is None else self.by_channel.get(channel, [])
        if not found:
            return float("nan")
        ordered = sorted(found)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    @property
    def throughput(self) -> float:
        return self.messages / self.wall if self.wall else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu * 1000 / self.messages if self.messages else float("nan")


# Sends citizen c's message n; returns the channel it went over (None: the bare endpoint).
Sender = Callable[[httpx.AsyncClient, int, int], Awaitable[str | None]]


async def closed_loop(result: Result, citizens: int, steps: int, send: Sender) -> None:
    limits = httpx.Limits(max_connections=citizens, max_keepalive_connections=citizens)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        deadline = time.monotonic() + CLOSED_TIME_LIMIT_S

        async def citizen(c: int) -> None:
            for n in range(steps):
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                try:
                    channel = await send(client, c, n)
                except Exception as error:  # counted, and the journey stops
                    result.errors += 1
                    result.first_error = result.first_error or repr(error)[:200]
                    return
                result.record(time.perf_counter() - started, channel)
            result.journeys += 1

        await asyncio.gather(*(citizen(c) for c in range(citizens)))


async def open_loop(
    result: Result, citizens: int, steps: int, seconds: float, send: Sender
) -> None:
    """Each citizen sends its next message after an exponential gap (mean 10 s), whether
    or not others are waiting; stops sending at `seconds`."""
    rng = random.Random(7)
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        end = time.monotonic() + seconds

        async def citizen(c: int) -> None:
            await asyncio.sleep(rng.uniform(0, 10))
            for n in range(steps):
                if time.monotonic() > end:
                    return
                started = time.perf_counter()
                try:
                    channel = await send(client, c, n)
                except Exception as error:
                    result.errors += 1
                    result.first_error = result.first_error or repr(error)[:200]
                    return
                result.record(time.perf_counter() - started, channel)
                await asyncio.sleep(rng.expovariate(1 / 10))
            result.journeys += 1

        await asyncio.gather(*(citizen(c) for c in range(citizens)))


def measure(process: Process, label: str, run: Callable[[Result], Awaitable[None]]) -> Result:
    result = Result(label)
    cpu = process.cpu_seconds()
    started = time.perf_counter()
    asyncio.run(run(result))
    result.wall = time.perf_counter() - started
    result.cpu = process.cpu_seconds() - cpu
    return result


# --- the set-ups -----------------------------------------------------------------------------


@dataclass
class Setup:
    name: str
    database: str  # sqlite | postgresql
    workers: int


SETUPS = {
    "sqlite-1": Setup("SQLite, 1 worker", "sqlite", 1),
    "pg-1": Setup("PostgreSQL + Redis, 1 worker", "postgresql", 1),
    "pg-2": Setup("PostgreSQL + Redis, 2 workers", "postgresql", 2),
}


def run_setup(
    setup: Setup,
    levels: list[int],
    open_citizens: int,
    open_seconds: float,
    bare_url: str,
    serial: list[int],
) -> list[tuple[str, Result, Result]]:
    import redis

    from tests.doubles.telegram_bot_api import TelegramBotApiDouble, Updates
    from tests.doubles.twilio_api import running_twilio_api

    rows: list[tuple[str, Result, Result]] = []
    if setup.database == "postgresql":
        redis.Redis.from_url(REDIS_URL).flushdb()  # the bare endpoint's keys need no reset
    tmp = Path(tempfile.mkdtemp(prefix="load-"))
    database = (
        f"sqlite:///{tmp}/load.db" if setup.database == "sqlite" else create_database("load_app")
    )
    filed_before = 0
    try:
        with (
            TelegramBotApiDouble(token="123456789:AAload-test-token") as telegram,
            running_twilio_api() as twilio,
            app_process(
                database,
                REDIS_URL if setup.database == "postgresql" else None,
                setup.workers,
                tmp / "data",
                telegram,
                twilio.url,
            ) as app,
            bare_process(bare_url, setup.workers) as bare,
        ):
            channels = Channels(f"http://127.0.0.1:{app.port}", telegram, twilio)
            names = ("simulator", "telegram", "whatsapp")
            started_journeys = 0

            def app_sender(citizens: int) -> Sender:
                chats: list[dict[str, Any]] = []
                plans: list[list[Step]] = []
                for c in range(citizens):
                    serial[0] += 1
                    chat_id = 800_000_000 + serial[0]
                    chats.append(
                        {
                            "channel": names[c % 3],
                            "user": f"load-{serial[0]}",
                            "phone": f"6281{serial[0]:08d}",
                            "updates": Updates(chat_id=chat_id),
                        }
                    )
                    plans.append(journey(serial[0]))

                async def send(client: httpx.AsyncClient, c: int, n: int) -> str | None:
                    step = plans[c][n]
                    channel: str = chats[c]["channel"]
                    text = await channels.send(client, channel, chats[c], step)
                    if step.expected not in text:
                        raise AssertionError(f"{channel} after {step.value!r}: {text[:200]!r}")
                    return channel

                return send

            def bare_sender(tag: str) -> Sender:
                async def send(client: httpx.AsyncClient, c: int, n: int) -> str | None:
                    response = await client.post(
                        f"http://127.0.0.1:{bare.port}/bare",
                        json={"user": f"{tag}-{c}", "text": f"message {n}"},
                    )
                    response.raise_for_status()
                    return None

                return send

            steps = len(journey(1))
            for i, citizens in enumerate(levels):
                order = ["app", "bare"] if i % 2 == 0 else ["bare", "app"]
                found: dict[str, Result] = {}
                for which in order:
                    label = f"closed {citizens}"
                    if which == "app":
                        sender = app_sender(citizens)
                        found[which] = measure(
                            app, label, lambda r, s=sender, c=citizens: closed_loop(r, c, steps, s)
                        )
                        started_journeys += citizens
                    else:
                        sender = bare_sender(f"c{citizens}")
                        found[which] = measure(
                            bare, label, lambda r, s=sender, c=citizens: closed_loop(r, c, steps, s)
                        )
                rows.append((f"closed, {citizens} citizens", found["app"], found["bare"]))
                print_row(setup.name, *rows[-1])
            found = {}
            for which in ("bare", "app"):
                if which == "app":
                    sender = app_sender(open_citizens)
                    found[which] = measure(
                        app,
                        "open",
                        lambda r, s=sender: open_loop(r, open_citizens, steps, open_seconds, s),
                    )
                else:
                    sender = bare_sender("open")
                    found[which] = measure(
                        bare,
                        "open",
                        lambda r, s=sender: open_loop(r, open_citizens, steps, open_seconds, s),
                    )
            rows.append(
                (
                    f"open, {open_citizens} citizens, {open_seconds:.0f} s",
                    found["app"],
                    found["bare"],
                )
            )
            print_row(setup.name, *rows[-1])
            finished = sum(row[1].journeys for row in rows)
        filed_before = check_filed(database, finished)
        print(
            f"  {setup.name}: {finished} journeys finished, {filed_before} usulan filed, "
            "each chat at most once: ok",
            flush=True,
        )
    finally:
        if setup.database == "postgresql":
            drop_database(database)
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def check_filed(database: str, finished: int) -> int:
    """Every finished journey filed exactly once (and no chat twice)."""
    from sqlalchemy import func, select

    from models.database import create_db_engine
    from models.tables import Request

    engine = create_db_engine(database)
    with engine.connect() as conn:
        per_chat = conn.execute(
            select(Request.chat_id, func.count()).group_by(Request.chat_id)
        ).all()
    engine.dispose()
    doubled = [chat for chat, count in per_chat if count != 1]
    if doubled:
        raise SystemExit(f"filed more than once: {doubled[:5]}")
    if len(per_chat) < finished:
        raise SystemExit(f"{finished} journeys finished but only {len(per_chat)} filed")
    return len(per_chat)


def bare_database() -> str:
    url = create_database("load_bare")
    from sqlalchemy import create_engine

    from models.database import normalise_url

    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE bare_event (id bigserial PRIMARY KEY, chat text, body text, "
            "at timestamptz DEFAULT now())"
        )
    engine.dispose()
    return url


HEADER = (
    "| set-up | load | msg/s (x bare) | p50 / p95 / p99 ms | bare p50 / p99 ms | "
    "CPU ms/msg (x bare) | errors |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |"
)


def print_row(setup_name: str, name: str, app: Result, bare: Result) -> None:
    """One line of the table (also printed as each load finishes: a long run keeps them)."""
    ratio = app.throughput / bare.throughput if bare.throughput else float("nan")
    cpu_ratio = app.cpu_ms / bare.cpu_ms if bare.messages else float("nan")
    print(
        f"| {setup_name} | {name} | {app.throughput:,.0f} ({ratio:.2f}x) | "
        f"{app.pct(50):.0f} / {app.pct(95):.0f} / {app.pct(99):.0f} | "
        f"{bare.pct(50):.0f} / {bare.pct(99):.0f} | "
        f"{app.cpu_ms:.2f} ({cpu_ratio:.1f}x) | {app.errors} / {app.messages} |",
        flush=True,
    )
    if app.by_channel:
        per_channel = "; ".join(
            f"{channel} {app.pct(50, channel):.0f} / {app.pct(95, channel):.0f} / "
            f"{app.pct(99, channel):.0f}"
            for channel in sorted(app.by_channel)
        )
        print(f"|  | by channel, p50 / p95 / p99 ms: {per_channel} | | | | | |", flush=True)
    if app.first_error:
        print(f"|  | first error: {app.first_error} | | | | | |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setups", default="sqlite-1,pg-1,pg-2")
    parser.add_argument("--levels", default="1,20,200")
    parser.add_argument("--open-citizens", type=int, default=1000)
    parser.add_argument("--open-seconds", type=float, default=60)
    parser.add_argument(
        "--quick", action="store_true", help="levels 1,20,60; open loop 300 citizens for 30 s"
    )
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    open_citizens, open_seconds = args.open_citizens, args.open_seconds
    if args.quick:
        levels, open_citizens, open_seconds = [1, 20, 60], 300, 30.0
    bare_url = bare_database()
    serial = [0]
    table: list[tuple[str, str, Result, Result]] = []
    try:
        for key in args.setups.split(","):
            setup = SETUPS[key]
            print(f"{setup.name} ...", flush=True)
            for name, app, bare in run_setup(
                setup, levels, open_citizens, open_seconds, bare_url, serial
            ):
                table.append((setup.name, name, app, bare))
    finally:
        drop_database(bare_url)
    print()
    print(HEADER)
    for row in table:
        print_row(*row)


if __name__ == "__main__":
    main()

"""`dtsen-bot keys rotate` on a PostgreSQL database of 10,000 requests, with the service
answering throughout.

    .venv/bin/python -m benchmarks.key_rotation [--requests 10000] [--members 3]
        [--citizens 4] [--batch 500] [--before 20] [--after 10]

1. A throwaway database (`benchmarks.throwaway_db`) is filled with `--requests` usulan of
   the simulator's chats `rot0`, `rot1`, ..., each with `--members` household members and a
   first status change, sealed under key version 1 only (as an installation that has
   never rotated): inserted through the tables' own column types with a key ring holding
   version 1, so they are stored exactly as the app stores them.
2. `dtsen-bot serve` (the real command, a child process) starts on it with versions 1 and
   2 (as after `keys add` and a restart: it opens both, seals with 2).
3. `--citizens` simulated citizens ask for the status of their own request over the chat
   page's API in a closed loop ("menu", then the buttons "Cek status permohonan" and
   "Permohonan saya"; every answer checked for the ticket): after a 5 s warm-up,
   `--before` seconds before the rotation, then during `dtsen-bot keys rotate` (the real
   command, another child process), then `--after` seconds after it.
4. Reports the rotation's wall time and rows/s, and per phase the number of messages and
   the latency p50/p99/max and errors; then checks that nothing is left under version 1
   and that every request and member opens with version 2 alone.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from benchmarks.throwaway_db import create_database, drop_database
from models.crypto import KeyRing

# Synthetic data: fixed keys. Version 1 sealed the data; version 2 is the one added.
KEY_1, KEY_2, LOOKUP = b"\x21" * 32, b"\x22" * 32, b"\x23" * 32
V1 = KeyRing({1: KEY_1}, LOOKUP)
BOTH = KeyRing({1: KEY_1, 2: KEY_2}, LOOKUP)
V2 = KeyRing({2: KEY_2}, LOOKUP)
CHUNK = 1000
START_TIMEOUT_S = 120.0
WARM_UP_S = 5.0


def key_environment() -> dict[str, str]:
    return {
        "DATA_KEYS": BOTH.dumps_environment(),
        "LOOKUP_KEY": base64.urlsafe_b64encode(LOOKUP).decode(),
    }


# --- filling ---------------------------------------------------------------------------------


def fill(url: str, requests: int, members: int) -> None:
    from sqlalchemy import insert

    from conversations.tickets import ALPHABET
    from models.database import create_db_engine
    from models.tables import HouseholdMember, Request, StatusChange

    engine = create_db_engine(url, V1, pool_size=2)
    rng = random.Random(9)
    now = datetime.now(UTC)
    tickets: set[str] = set()
    try:
        for start in range(0, requests, CHUNK):
            rows, member_rows, changes = [], [], []
            with engine.begin() as conn:
                for n in range(start, min(start + CHUNK, requests)):
                    while (ticket := "U" + "".join(rng.choices(ALPHABET, k=6))) in tickets:
                        pass
                    tickets.add(ticket)
                    nik = f"3204{rng.randrange(10**11, 10**12):012d}"
                    rows.append(
                        {
                            "ticket": ticket,
                            "kind": "usulan",
                            "subtype": "family",
                            "status": "diterima",
                            "channel": "simulator",
                            "chat_id": f"rot{n}",
                            "village_code": "32.04.01.2001",
                            "nik": nik,
                            "nik_lookup": nik,  # LookupDigest hashes it
                            "kk": f"3204{rng.randrange(10**11, 10**12):012d}",
                            "name": f"Warga Nomor {n}",
                            "answers": {
                                "street": f"Jl. Mawar No. {n}",
                                "dusun": "Krajan",
                                "rt": "003",
                                "rw": "001",
                                "lantai": "tanah",
                                "penghasilan": "< 1 juta",
                            },
                            "flags": [],
                            "language": "id",
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                ids = (
                    conn.execute(
                        insert(Request.__table__).returning(Request.__table__.c.id),  # type: ignore[attr-defined]
                        rows,
                    )
                    .scalars()
                    .all()
                )
                for request_id, row in zip(ids, rows, strict=True):
                    changes.append(
                        {
                            "request_id": request_id,
                            "at": now,
                            "actor": "citizen:simulator",
                            "from_status": None,
                            "to_status": "diterima",
                        }
                    )
                    for position in range(1, members + 1):
                        nik = f"3204{rng.randrange(10**11, 10**12):012d}"
                        member_rows.append(
                            {
                                "request_id": request_id,
                                "position": position,
                                "nik": nik,
                                "nik_lookup": nik,
                                "name": f"Anggota {position} {row['name']}",
                                "relationship": "anak",
                                "birth_place": "Bandung",
                                "birth_date": date(2010, 1, 1) + timedelta(days=n % 3000),
                                "mother_name": "Ibu Sari",
                                "disability": position == members,
                            }
                        )
                conn.execute(insert(StatusChange.__table__), changes)  # type: ignore[attr-defined]
                if member_rows:
                    conn.execute(insert(HouseholdMember.__table__), member_rows)  # type: ignore[attr-defined]
    finally:
        engine.dispose()


# --- the service -----------------------------------------------------------------------------


def start_serve(url: str, data_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    from tests.faults.servers import free_port

    port = free_port()
    env = {
        **os.environ,
        **key_environment(),
        "DATABASE_URL": url,
        "REDIS_URL": "",
        "DATA_DIR": str(data_dir),
        "SIMULATOR_ENABLED": "true",
        "WORKER_IN_SERVE": "false",
        "LOG_LEVEL": "WARNING",
        "PHOTO_CHECKS": "off",
        "DB_POOL_SIZE": "10",
    }
    command = [sys.executable, "-c", "from bot.cli import main; main()", "serve"]
    with log.open("ab") as out:
        popen = subprocess.Popen([*command, "--port", str(port)], env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise SystemExit(f"serve exited; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).is_success:
                return popen, port
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    popen.kill()
    raise SystemExit(f"serve did not start; see {log}")


# --- the citizens ----------------------------------------------------------------------------


@dataclass
class Sample:
    at: float
    seconds: float
    ok: bool


@dataclass
class Phases:
    rotation_started: float = float("inf")
    rotation_ended: float = float("inf")
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def phase(self, sample: Sample) -> str:
        if sample.at < self.rotation_started:
            return "before"
        return "during" if sample.at < self.rotation_ended else "after"


# (what the citizen sends, what the answer must contain). "menu" is typed; the others are
# taken by their button's label from the previous answer (menu numbers move as kinds are
# added).
STEPS = (
    ("menu", "Apa yang ingin Anda lakukan?"),
    ("Cek status", "Permohonan mana"),
    ("Permohonan saya", "Tiket U-"),
)


async def citizen(base: str, user: str, phases: Phases, stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        while not stop.is_set():
            choices: list[dict[str, str]] = []
            for said, expected in STEPS:
                body = {"user": user, "message_id": secrets.token_hex(8)}
                chosen = [c["id"] for c in choices if c["label"].startswith(said)]
                body.update({"choice": chosen[0]} if chosen else {"text": said})
                started = time.monotonic()
                ok = False
                try:
                    response = await client.post(f"{base}/api/simulator/messages", json=body)
                    replies = response.json()["replies"]
                    choices = [c for r in replies for c in r["choices"]]
                    text = "\n".join(r["text"] for r in replies)
                    ok = response.status_code == 200 and expected in text
                    if not ok:
                        status = response.status_code
                        phases.errors.append(f"{user} {said!r}: {status} {text[:120]!r}")
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    phases.errors.append(f"{user} {said!r}: {type(exc).__name__}: {exc}")
                phases.samples.append(Sample(started, time.monotonic() - started, ok))


def rotate(url: str, data_dir: Path, batch: int, log: Path) -> tuple[float, str]:
    env = {
        **os.environ,
        **key_environment(),
        "DATABASE_URL": url,
        "REDIS_URL": "",
        "DATA_DIR": str(data_dir),
    }
    command = [sys.executable, "-c", "from bot.cli import main; main()", "keys", "rotate"]
    started = time.monotonic()
    done = subprocess.run(
        [*command, "--batch", str(batch)], env=env, capture_output=True, text=True, timeout=3600
    )
    seconds = time.monotonic() - started
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        raise SystemExit(f"keys rotate failed ({done.returncode}); see {log}")
    return seconds, done.stdout


async def drive(
    base: str,
    citizens: int,
    before: float,
    after: float,
    rotation: Callable[[], tuple[float, str]],
) -> tuple[Phases, float, str]:
    phases = Phases()
    stop = asyncio.Event()
    tasks = [asyncio.create_task(citizen(base, f"rot{c}", phases, stop)) for c in range(citizens)]
    # The first messages of a fresh process (imports, pools, caches) are not "before".
    await asyncio.sleep(WARM_UP_S)
    phases.samples.clear()
    phases.errors.clear()
    await asyncio.sleep(before)
    phases.rotation_started = time.monotonic()
    seconds, output = await asyncio.to_thread(rotation)
    phases.rotation_ended = time.monotonic()
    await asyncio.sleep(after)
    stop.set()
    await asyncio.gather(*tasks)
    return phases, seconds, output


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


# --- checks ----------------------------------------------------------------------------------


def check(url: str) -> tuple[int, int, int]:
    """(values under version 1, requests opened, members opened) with version 2 alone."""
    from sqlmodel import Session, select

    from models.database import create_db_engine
    from models.key_rotation import count_version_in_tables
    from models.tables import HouseholdMember, Request

    engine = create_db_engine(url, V2, pool_size=2)
    try:
        left = sum(count_version_in_tables(engine, 1).values())
        with Session(engine) as session:
            requests = sum(1 for r in session.exec(select(Request)) if r.nik and r.answers)
            members = sum(
                1
                for m in session.exec(select(HouseholdMember))
                if m.name and m.birth_date and m.disability is not None
            )
        return left, requests, members
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--citizens", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--before", type=float, default=20.0)
    parser.add_argument("--after", type=float, default=10.0)
    args = parser.parse_args()

    url = create_database("rotate_bench")
    workdir = Path(tempfile.mkdtemp(prefix="rotate-bench-"))
    serve_log, rotate_log = workdir / "serve.log", workdir / "rotate.log"
    popen = None
    try:
        started = time.monotonic()
        fill(url, args.requests, args.members)
        print(
            f"Filled {args.requests:,} requests with {args.members} members each under key "
            f"version 1 in {time.monotonic() - started:.1f} s"
        )
        popen, port = start_serve(url, workdir / "data", serve_log)
        phases, seconds, output = asyncio.run(
            drive(
                f"http://127.0.0.1:{port}",
                args.citizens,
                args.before,
                args.after,
                lambda: rotate(url, workdir / "data", args.batch, rotate_log),
            )
        )
        rows = args.requests * (1 + args.members)
        print(output.strip())
        own = float(output.split("Done in ", 1)[1].split(" s", 1)[0])
        print(
            f"\nRotation of {rows:,} rows ({args.requests:,} requests + "
            f"{args.requests * args.members:,} members, batch {args.batch}): {own:.1f} s "
            f"re-sealing, {rows / own:,.0f} rows/s; {seconds:.1f} s wall for the command "
            "(its start-up, a database check and the final count included)"
        )
        print("\n| phase | messages | p50 ms | p99 ms | max ms | errors |")
        print("|---|---|---|---|---|---|")
        for name in ("before", "during", "after"):
            samples = [s for s in phases.samples if phases.phase(s) == name]
            times = [s.seconds * 1000 for s in samples]
            errors = sum(1 for s in samples if not s.ok)
            print(
                f"| {name} | {len(samples)} | {pct(times, 50):.0f} | {pct(times, 99):.0f} | "
                f"{max(times, default=0):.0f} | {errors} |"
            )
        for error in phases.errors[:10]:
            print("error:", error)
        left, requests, members = check(url)
        print(
            f"\nAfter: {left} values under version 1; with version 2 alone "
            f"{requests:,} requests and {members:,} members open."
        )
    finally:
        if popen is not None:
            popen.terminate()
            try:
                popen.wait(60)
            except subprocess.TimeoutExpired:
                popen.kill()
        drop_database(url)
        print(f"(logs in {workdir})")


if __name__ == "__main__":
    main()

"""`dtsen-bot serve` as a real process on the real PostgreSQL and Redis, for fault tests:
started, killed and restarted like in production, spoken to over HTTP like a provider."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.conversations.transcript import NIK_MAN, NIK_WOMAN, USULAN_TYPED
from tests.images import tiny_png

START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, env: dict[str, str], log: Path, *, workers: int = 1) -> None:
        self.port = free_port()
        self.env = {**os.environ, **env}
        self.workers = workers
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-c", "from bot.cli import main; main()", "serve"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"serve did not become ready: {self.log.read_text()[-2000:]}")

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self, timeout: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_env(database_url: str, redis_url: str | None, data_dir: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url or "",
        "DATA_DIR": str(data_dir),
        "SIMULATOR_ENABLED": "true",
        "WORKER_IN_SERVE": "false",
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": "",
        # The faults are the point, not the photos: taken as sent (tiny test images).
        "PHOTO_CHECKS": "off",
    }


def photo() -> str:
    return "data:image/png;base64," + base64.b64encode(tiny_png()).decode()


class SimulatedCitizen:
    """A citizen on the chat page, numbering messages so a resend is a provider's retry."""

    def __init__(self, base_url: str, user: str, serial: int) -> None:
        self.base_url = base_url
        self.user = user
        self.counter = 0
        # Numbers of their own, so each citizen's usulan is a different person.
        self.nik = NIK_MAN[:-4] + f"{serial:04d}"
        self.member = NIK_WOMAN[:-4] + f"{serial:04d}"

    def post(self, body: dict[str, Any], message_id: str | None = None) -> httpx.Response:
        if message_id is None:
            self.counter += 1
            message_id = f"{self.user}-{self.counter}"
        payload = {"user": self.user, "message_id": message_id, **body}
        return httpx.post(f"{self.base_url}/api/simulator/messages", json=payload, timeout=30)

    def say(self, text: str) -> str:
        response = self.post({"text": text})
        response.raise_for_status()
        return "\n".join(r["text"] for r in response.json()["replies"])

    def lines(self) -> Iterator[tuple[str, str]]:
        for said, expected in USULAN_TYPED:
            yield said.replace(NIK_MAN, self.nik).replace(NIK_WOMAN, self.member), expected

    def reach_summary(self) -> None:
        for said, expected in self.lines():
            answer = self.say(said)
            assert expected in answer, (said, answer)
        for body, expected in (
            ({"photo": photo()}, "foto rumah"),
            ({"photo": photo()}, "lokasi"),
            ({"location": {"lat": -6.93, "lon": 107.72}}, "Nomor HP"),
            ({"text": "0812 3456 7890"}, "Ringkasan"),
        ):
            response = self.post(body)
            response.raise_for_status()
            text = "\n".join(r["text"] for r in response.json()["replies"])
            assert expected in text, (body, text)

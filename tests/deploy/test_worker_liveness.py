"""The outbox worker's liveness probe (deploy/k8s/worker.yaml), run as Kubernetes runs it
against a real `dtsen-bot worker`: healthy while the loop turns, failing once a sending
process has not turned for 5 minutes, and not fooled by a stale file of an earlier run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.faults.servers import server_env

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
BIN = Path(sys.executable).parent


def probe_in_manifest() -> tuple[list[str], str]:
    """The worker container's liveness command and its heartbeat directory."""
    documents = list(yaml.safe_load_all((DEPLOY / "k8s" / "worker.yaml").read_text()))
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    return container["livenessProbe"]["exec"]["command"], env["WORKER_HEARTBEAT_DIR"]


def probe(command: list[str], beat_dir: Path, manifest_dir: str) -> int:
    # The manifest's path, moved under this test's own folder.
    moved = [part.replace(manifest_dir, str(beat_dir)) for part in command]
    return subprocess.run(moved, capture_output=True, check=False).returncode


def test_the_probe_passes_while_the_worker_turns_and_fails_when_it_hangs(
    tmp_path: Path,
) -> None:
    command, manifest_dir = probe_in_manifest()
    beat_dir = tmp_path / "beats"
    beat_dir.mkdir()
    (beat_dir / "alive-3").touch()  # left by an earlier run with four processes
    os.utime(beat_dir / "alive-3", (time.time() - 3600, time.time() - 3600))
    assert probe(command, beat_dir, manifest_dir) != 0
    env = {
        **os.environ,
        **server_env(f"sqlite:///{tmp_path}/db.sqlite", None, tmp_path / "data"),
        "WORKER_HEARTBEAT_DIR": str(beat_dir),
    }
    worker = subprocess.Popen(
        [str(BIN / "dtsen-bot"), "worker", "--poll-interval", "0.2", "--no-digests"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not (beat_dir / "alive-0").exists():
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            assert time.monotonic() < deadline, "the worker never touched its heartbeat"
            time.sleep(0.1)
        assert not (beat_dir / "alive-3").exists()
        assert probe(command, beat_dir, manifest_dir) == 0
        first = (beat_dir / "alive-0").stat().st_mtime_ns
        time.sleep(1)
        assert (beat_dir / "alive-0").stat().st_mtime_ns > first  # touched every round

        # Hung (stopped, as on a connection that never answers) for what looks like 6 min.
        worker.send_signal(signal.SIGSTOP)
        hung = time.time() - 360
        os.utime(beat_dir / "alive-0", (hung, hung))
        assert probe(command, beat_dir, manifest_dir) != 0
        worker.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + 10
        while probe(command, beat_dir, manifest_dir) != 0:
            assert time.monotonic() < deadline, "the heartbeat did not come back"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGCONT)
        worker.terminate()
        worker.wait(timeout=30)

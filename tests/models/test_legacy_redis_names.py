"""Drafts and locks that code before migration 0019 kept in Redis under the chat's key in
clear (`dtsen:conv:whatsapp:+62…`, a phone number) go to their hashed names: moved by
`dtsen-bot keys rotate` and by `serve` at start, on a real Redis."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner
from sqlalchemy import Engine

from bot.cli import main
from models.conversation_store import RedisConversationStore
from models.crypto import KeyRing
from tests.conftest import TEST_KEYS
from tests.conversations.transcript import NIK_MAN, NIK_WOMAN
from tests.faults.servers import Server, server_env

ONLY_V1 = KeyRing({1: TEST_KEYS.keys[1]}, TEST_KEYS.lookup_key)
WHEN = "2026-12-01T08:00:00+00:00"
# One chat per shape older code stored a draft in: in clear ("data"), sealed under
# "sealed", then under "~sealed", each bound to the chat's key in clear.
CLEAR = "whatsapp:+6281200000001"
SEALED = "whatsapp:+6281200000002"
TILDE = "sms:+6281200000003"
NEWER_THERE = "whatsapp:+6281200000004"  # a newer draft already under the hashed name
LOCKED = "whatsapp:+6281200000005"
BROKEN = "whatsapp:+6281200000006"  # opens under no key of the ring
PHONES = [k.split("+")[1] for k in (CLEAR, SEALED, TILDE, NEWER_THERE, LOCKED, BROKEN)]


def store(client: redis.Redis, keys: KeyRing = TEST_KEYS) -> RedisConversationStore:
    return RedisConversationStore(client, keys=keys, retention=timedelta(days=14))


def legacy(chat_key: str, member: str, state: dict[str, object]) -> str:
    if member == "data":
        return json.dumps({"updated_at": WHEN, "data": state})
    sealed = ONLY_V1.seal(json.dumps(state), f"redis.conversation:{chat_key}")
    return json.dumps({"updated_at": WHEN, member: sealed})


def plant(client: redis.Redis) -> None:
    """The keys as older code left them, each with a TTL of its own."""
    client.set(f"dtsen:conv:{CLEAR}", legacy(CLEAR, "data", {"nik": NIK_MAN}), px=600_000)
    client.set(f"dtsen:conv:{SEALED}", legacy(SEALED, "sealed", {"nik": NIK_WOMAN}), px=500_000)
    client.set(f"dtsen:conv:{TILDE}", legacy(TILDE, "~sealed", {"step": "kk"}), px=400_000)
    client.set(f"dtsen:conv:{NEWER_THERE}", legacy(NEWER_THERE, "data", {"old": 1}), px=300_000)
    store(client).save(NEWER_THERE, {"new": 2})
    client.set(f"dtsen:lock:{LOCKED}", "token-of-an-old-worker", px=30_000)
    other = KeyRing({1: b"\x09" * 32}, TEST_KEYS.lookup_key)
    client.set(
        f"dtsen:conv:{BROKEN}", json.dumps({"updated_at": WHEN, "~sealed": other.seal("{}", "x")})
    )


def names(client: redis.Redis) -> list[str]:
    return sorted(n.decode() for n in client.scan_iter())


def assert_moved(client: redis.Redis) -> None:
    current = store(client)
    for name in names(client):
        assert not any(phone in name for phone in PHONES), name
        value = client.get(name) or b""
        assert b"6281200" not in value and NIK_MAN.encode() not in value
    assert current.load(CLEAR) == {"nik": NIK_MAN}
    assert current.load(SEALED) == {"nik": NIK_WOMAN}
    assert current.load(TILDE) == {"step": "kk"}
    assert current.load(NEWER_THERE) == {"new": 2}  # the newer draft stands
    for chat_key, ttl in ((CLEAR, 600_000), (SEALED, 500_000), (TILDE, 400_000)):
        raw = client.get(current.state_name(chat_key)) or b""
        assert json.loads(raw)["~sealed"].startswith("v2:")  # the newest key, hashed name
        assert json.loads(raw)["updated_at"] == WHEN
        assert ttl - 60_000 < (client.pttl(current.state_name(chat_key)) or 0) <= ttl


def test_the_store_moves_every_shape_keeps_ttls_and_drops_what_cannot_be_used(
    redis_client: redis.Redis,
) -> None:
    plant(redis_client)
    current = store(redis_client)
    assert len(list(current.legacy_names())) == 6
    done = current.move_legacy_names()
    assert (done.moved, done.superseded, done.unreadable, done.locks) == (3, 1, 1, 1)
    assert_moved(redis_client)
    assert list(current.legacy_names()) == []
    again = current.move_legacy_names()  # a second run, or another worker's: nothing to do
    assert again.removed == 0 and again.changed == 0


def test_the_start_up_pass_stops_at_its_bound(redis_client: redis.Redis) -> None:
    plant(redis_client)
    done = store(redis_client).move_legacy_names(limit=2)
    assert done.examined == 2 and done.removed + done.changed <= 2


def test_keys_rotate_moves_legacy_names_first(
    redis_client: redis.Redis,
    _redis_url: str,
    db_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    plant(redis_client)
    monkeypatch.setenv("DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REDIS_URL", _redis_url)
    dry = CliRunner().invoke(main, ["keys", "rotate", "--dry-run"])
    assert "redis names showing a chat's key: 6" in dry.output, dry.output

    rotated = CliRunner().invoke(main, ["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert "3 draft(s) moved to their hashed names" in rotated.output
    assert "Could not open" not in rotated.output
    assert_moved(redis_client)
    for phone in PHONES:
        assert phone not in rotated.output


def test_serve_moves_legacy_names_at_start(
    redis_client: redis.Redis, _redis_url: str, db_engine: Engine, tmp_path: Path
) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("once is enough: the start-up pass is about Redis, not the database")
    plant(redis_client)
    url = db_engine.url.render_as_string(hide_password=False)
    server = Server(server_env(url, _redis_url, tmp_path / "var"), tmp_path / "serve.log")
    server.start()
    try:
        deadline = time.monotonic() + 30
        while list(store(redis_client).legacy_names()) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.stop()
    assert_moved(redis_client)


def test_a_rotation_failure_under_a_clear_name_does_not_print_the_name(
    redis_client: redis.Redis,
) -> None:
    from models.key_rotation import rotate_redis

    other = KeyRing({1: b"\x09" * 32}, TEST_KEYS.lookup_key)
    broken = json.dumps({"updated_at": WHEN, "~sealed": other.seal("{}", "x")})
    redis_client.set(f"dtsen:conv:{BROKEN}", broken)
    (progress,) = rotate_redis(redis_client, TEST_KEYS)
    assert progress.failed == 1
    assert progress.failures == ["conv:<a name showing a chat's key>: does not open"]

"""Conversation state in Redis: shared by every worker, expiring on its own.

The state is sealed (AES-256-GCM, `models.crypto`): a draft holds NIK, KK, names and a phone
number, and a Redis dump or replica must not. Each value is bound to its chat's key, so a
value copied under another chat's key does not open there. Sealed once per save and opened
once per message (the lock's read).

The chat's key ("whatsapp:+62…": a phone number) is not in the key names either: a chat is
named by the keyed hash (HMAC, `KeyRing.lookup`) of its key, the same on every worker."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import redis
from sqlmodel import Session

from models.conversation_store.base import Clock, LockTimeout, describe_error, encode_state, utcnow
from models.crypto import KeyRing, SealError
from models.sealed import SEALED_KEY

log = logging.getLogger(__name__)

# A short lease, renewed while the holder works: a holder killed mid-message (SIGKILL, OOM)
# stops renewing, so the provider's retry gets the chat after at most this long.
DEFAULT_LOCK_EXPIRY: Final = timedelta(seconds=1)
_LOCK_POLL_S: Final = 0.01

# Delete only if the value is still the one purge decided on: a save that happened in
# between (a chat coming back to life) must survive.
_DELETE_IF_UNCHANGED: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""

# Fencing: only the lock's current holder (its token) may save and release. A holder whose
# lease ran out while it was stalled finds another token there and changes nothing.
# KEYS: lock, state; ARGV: token, payload ("" = nothing to save), state ttl in ms.
_SAVE_AND_RELEASE: Final = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
    return 0
end
if ARGV[2] ~= '' then
    redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
end
redis.call('DEL', KEYS[1])
return 1
"""

# A state under a name that still shows its chat's key (stored before names were hashed),
# moved to the hashed name with its expiry, unless a newer save is there already.
# KEYS: old name, new name; ARGV: the value read, the sealed envelope, the retention in ms.
# Returns 1 moved, 2 dropped (a newer state stands under the hashed name), 0 changed.
_MOVE_IF_UNCHANGED: Final = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
    return 0
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
    ttl = ARGV[3]
end
local moved = 2
if redis.call('EXISTS', KEYS[2]) == 0 then
    redis.call('SET', KEYS[2], ARGV[2], 'PX', ttl)
    moved = 1
end
redis.call('DEL', KEYS[1])
return moved
"""

_DIGEST: Final = re.compile(r"[0-9a-f]{64}")

# Re-seal under the newest key only if nobody saved meanwhile; the expiry stays.
_REPLACE_IF_UNCHANGED: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
    return 1
end
return 0
"""

_RENEW: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


@dataclass
class LegacyNames:
    """What `RedisConversationStore.move_legacy_names` did with keys named in clear."""

    moved: int = 0  # to the chat's hashed name, sealed under the newest key, TTL kept
    superseded: int = 0  # deleted: a newer state stood under the hashed name
    unreadable: int = 0  # deleted: opens under no key of the ring (nothing could use it)
    locks: int = 0  # deleted: locks under clear names (only older code takes them)
    changed: int = 0  # saved or expired meanwhile: left as it is now
    examined: int = 0  # names looked at (the scan's bound)

    @property
    def removed(self) -> int:
        return self.moved + self.superseded + self.unreadable + self.locks


@dataclass
class _Held:
    """A lock this process holds: its token, the state read with it, a save held back."""

    token: str
    name: str  # the chat's hashed name
    thread: int
    taken: float
    loaded: bytes | None
    pending: str | None = None


class _Renewer:
    """One daemon thread per store extends the leases of held locks while their holders
    work. A message shorter than a quarter of the lease never costs a renewal."""

    def __init__(self, store: RedisConversationStore) -> None:
        self._store = store
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = threading.Lock()

    def ensure_running(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._started:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="redis-lock-renewer", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        interval = self._store.lock_expiry_s / 4
        while not self._wake.wait(interval):
            self._store.renew_held(older_than=interval)


class RedisConversationStore:
    """`<prefix>conv:<name>` holds `{"updated_at": iso, "~sealed": "v<n>:…"}` (the state,
    sealed) with TTL = retention, renewed on every save, so abandoned chats vanish without
    a purge job. The save time stays readable for `purge`. `<name>` is the keyed hash of
    the chat's key (`chat_name`); `<prefix>lock:<name>` is its lock."""

    # Redis writes at once, outside any SQL transaction.
    joins_transaction = False

    def __init__(
        self,
        client: redis.Redis,
        *,
        keys: KeyRing,
        retention: timedelta,
        prefix: str = "dtsen:",
        lock_expiry: timedelta = DEFAULT_LOCK_EXPIRY,
        clock: Clock = utcnow,
    ) -> None:
        if retention <= timedelta(0):
            raise ValueError("retention must be positive")
        self._client = client
        self._keys = keys
        self._retention_ms = max(1, int(retention.total_seconds() * 1000))
        self._prefix = prefix
        self._lock_expiry_s = lock_expiry.total_seconds()
        self._clock = clock
        self._delete_if_unchanged = client.register_script(_DELETE_IF_UNCHANGED)
        self._save_and_release = client.register_script(_SAVE_AND_RELEASE)
        self._renew = client.register_script(_RENEW)
        self._replace_if_unchanged = client.register_script(_REPLACE_IF_UNCHANGED)
        self._move_if_unchanged = client.register_script(_MOVE_IF_UNCHANGED)
        self._held: dict[str, _Held] = {}
        self._held_mutex = threading.Lock()
        self._renewer = _Renewer(self)
        self.lock_waits = 0  # times a lock was found taken (read by the metrics)

    @property
    def lock_expiry_s(self) -> float:
        return self._lock_expiry_s

    @property
    def redis_client(self) -> redis.Redis:
        return self._client

    def chat_name(self, key: str) -> str:
        """What names a chat in Redis: the keyed hash of its key, not the key."""
        return self._keys.lookup(key)

    def state_name(self, key: str) -> str:
        return f"{self._prefix}conv:{self.chat_name(key)}"

    def lock_name(self, key: str) -> str:
        return f"{self._prefix}lock:{self.chat_name(key)}"

    @staticmethod
    def _context(name: str) -> str:
        # The associated data: a value opens only under the chat it was saved for (its
        # hashed name, so rotation, which sees only names, can re-seal it).
        return f"redis.conversation:{name}"

    def _open(self, name: str, raw: str | bytes) -> dict[str, Any]:
        """The state in a stored envelope; `SealError` when it does not open."""
        try:
            envelope = json.loads(raw)
        except ValueError as exc:
            raise SealError("a conversation state in Redis is not a sealed envelope") from exc
        sealed = envelope.get(SEALED_KEY) if isinstance(envelope, dict) else None
        if sealed is None and isinstance(envelope, dict) and isinstance(envelope.get("data"), dict):
            # Saved in clear before states were sealed: read, then sealed at the next save
            # (or by `reseal`); such values expire within the retention anyway.
            legacy: dict[str, Any] = envelope["data"]
            return legacy
        if not isinstance(sealed, str):
            raise SealError("a conversation state in Redis is not a sealed envelope")
        try:
            data = self._keys.open_json(sealed, self._context(name))
        except ValueError as exc:  # opened, yet not JSON: not something we sealed
            raise SealError("a conversation state in Redis does not open") from exc
        if not isinstance(data, dict):
            raise SealError("a conversation state in Redis is not an object")
        return data

    def _envelope(self, name: str, data: dict[str, Any]) -> str:
        sealed = self._keys.seal(encode_state(data), self._context(name))
        return json.dumps({"updated_at": self._clock().isoformat(), SEALED_KEY: sealed})

    def _mine(self, key: str) -> _Held | None:
        held = self._held.get(key)
        return held if held is not None and held.thread == threading.get_ident() else None

    def load(self, key: str, *, session: Session | None = None) -> dict[str, Any] | None:
        held = self._mine(key)
        if held is not None:
            # Read in the same round trip as the lock was taken (or saved since, unsent).
            raw: Any = held.pending if held.pending is not None else held.loaded
            name = held.name
        else:
            name = self.chat_name(key)
            raw = self._client.get(f"{self._prefix}conv:{name}")
        if raw is None:
            return None
        return self._open(name, raw)

    def save(self, key: str, data: dict[str, Any], *, session: Session | None = None) -> None:
        held = self._mine(key)
        if held is not None:
            # Sent with the release, in one round trip, and only if the lock is still ours.
            held.pending = self._envelope(held.name, data)
            return
        name = self.chat_name(key)
        payload = self._envelope(name, data)
        self._client.set(f"{self._prefix}conv:{name}", payload, px=self._retention_ms)

    def delete(self, key: str, *, session: Session | None = None) -> None:
        held = self._mine(key)
        if held is not None:
            held.pending = None
            held.loaded = None
        self._client.delete(self.state_name(key))

    @contextmanager
    def lock(self, key: str, *, timeout: float = 10.0) -> Iterator[None]:
        """Taken together with a read of the state (one round trip); a save made while it is
        held goes out with the release (one more). The lease is short and renewed while the
        holder works, so a killed holder frees the chat within `lock_expiry`."""
        name = self.chat_name(key)
        lock_name, state_key = f"{self._prefix}lock:{name}", f"{self._prefix}conv:{name}"
        token = uuid.uuid4().hex
        lease_ms = max(1, int(self._lock_expiry_s * 1000))
        deadline = time.monotonic() + max(timeout, 0.0)
        waited = False
        while True:
            pipe = self._client.pipeline(transaction=False)
            pipe.set(lock_name, token, nx=True, px=lease_ms)
            pipe.get(state_key)
            taken, loaded = pipe.execute()
            if taken:
                break
            if not waited:
                waited = True
                self.lock_waits += 1
            if time.monotonic() >= deadline:
                raise LockTimeout(timeout, chat=name[:12])
            time.sleep(_LOCK_POLL_S)
        held = _Held(token, name, threading.get_ident(), time.monotonic(), loaded)
        with self._held_mutex:
            self._held[key] = held
        self._renewer.ensure_running()
        ok = False
        try:
            yield
            ok = True
        finally:
            with self._held_mutex:
                self._held.pop(key, None)
            payload = held.pending if ok and held.pending is not None else ""
            kept = self._save_and_release(
                keys=[lock_name, state_key], args=[token, payload, self._retention_ms]
            )
            if not kept:
                log.warning(
                    "conversation lock %s was lost before release (the holder stalled "
                    "past its %.1fs lease); its state save was dropped",
                    name[:12],  # not the chat's key: it may be a phone number
                    self._lock_expiry_s,
                )

    def renew_held(self, *, older_than: float) -> None:
        """Extend the leases of locks held longer than `older_than` seconds."""
        now = time.monotonic()
        with self._held_mutex:
            due = [(h.name, h.token) for h in self._held.values() if now - h.taken >= older_than]
        lease_ms = max(1, int(self._lock_expiry_s * 1000))
        for name, token in due:
            try:
                self._renew(keys=[f"{self._prefix}lock:{name}"], args=[token, lease_ms])
            except Exception as exc:  # the renewer thread must outlive any error
                # Not only RedisError: a client closed under it raises OSError/ValueError,
                # and a dead renewer would let every later lease run out.
                log.warning("could not renew a conversation lock: %s", describe_error(exc))

    def purge(self, *, older_than: datetime) -> int:
        removed = 0
        pattern = _glob_escape(self._prefix) + "conv:*"
        for state_key in self._client.scan_iter(match=pattern, count=500):
            raw = self._client.get(state_key)
            if raw is None:
                continue  # expired meanwhile
            updated_at = datetime.fromisoformat(json.loads(raw)["updated_at"])
            if updated_at < older_than:
                removed += int(self._delete_if_unchanged(keys=[state_key], args=[raw]))
        return removed

    def reseal(self) -> tuple[int, int]:
        """Every state under the newest key, also those under a name showing the chat's
        key (moved first, `move_legacy_names`); a state saved meanwhile is left as saved
        (it is current). Returns (resealed or moved, unreadable): an unreadable state under
        a hashed name is left for its expiry."""
        moved = self.move_legacy_names().moved
        resealed = unreadable = 0
        prefix = self._prefix + "conv:"
        for found in self._client.scan_iter(match=_glob_escape(prefix) + "*", count=500):
            state_key = found.decode() if isinstance(found, bytes) else str(found)
            tail = state_key.removeprefix(prefix)
            if _DIGEST.fullmatch(tail) is None:
                continue  # saved under a clear name since (older code still running)
            raw = self._client.get(found)
            if raw is None:
                continue  # expired meanwhile
            try:
                data = self._open(tail, raw)
            except SealError:
                unreadable += 1
                continue
            envelope = json.loads(raw)
            if str(envelope.get(SEALED_KEY, "")).startswith(self._keys.current_prefix):
                continue
            sealed = self._keys.seal(encode_state(data), self._context(tail))
            payload = json.dumps({"updated_at": envelope["updated_at"], SEALED_KEY: sealed})
            done = self._replace_if_unchanged(keys=[state_key], args=[raw, payload])
            resealed += int(done)
        return moved + resealed, unreadable

    def legacy_names(self, *, limit: int | None = None) -> Iterator[str]:
        """Keys of this store named by a chat's key in clear (`<prefix>conv:whatsapp:+62…`,
        `<prefix>lock:…`), as code before the hashed names (migration 0019) stored them;
        at most `limit` names are looked at."""
        examined = 0
        for space in ("conv:", "lock:"):
            prefix = self._prefix + space
            for found in self._client.scan_iter(match=_glob_escape(prefix) + "*", count=500):
                examined += 1
                if limit is not None and examined > limit:
                    return
                name = found.decode() if isinstance(found, bytes) else str(found)
                if _DIGEST.fullmatch(name.removeprefix(prefix)) is None:
                    yield name

    def move_legacy_names(self, *, limit: int | None = None) -> LegacyNames:
        """Each state under a clear name moved to its chat's hashed name, sealed under the
        newest key and bound to that name, keeping its expiry, unless a newer state stands
        there (then the old one is only deleted); locks under clear names deleted. A state
        that opens under no key of the ring is deleted too: the app looks only under hashed
        names, so nothing could ever use it, and its name shows a phone number. Safe beside
        the service and beside another run (each move is one compare-and-set script).
        `limit` bounds the names scanned (`serve`'s start-up pass)."""
        done = LegacyNames()
        conv, lock = self._prefix + "conv:", self._prefix + "lock:"
        examined = 0
        for space in (conv, lock):
            for found in self._client.scan_iter(match=_glob_escape(space) + "*", count=500):
                examined += 1
                if limit is not None and examined > limit:
                    done.examined = examined - 1
                    return done
                old = found.decode() if isinstance(found, bytes) else str(found)
                chat_key = old.removeprefix(space)
                if _DIGEST.fullmatch(chat_key) is not None:
                    continue
                if space == lock:
                    done.locks += int(self._client.delete(old))
                    continue
                self._move_one(old, chat_key, done)
        done.examined = examined
        return done

    def _move_one(self, old: str, chat_key: str, done: LegacyNames) -> None:
        raw = self._client.get(old)
        if raw is None:
            done.changed += 1  # expired meanwhile
            return
        name = self.chat_name(chat_key)
        try:
            envelope, data = self._open_legacy(chat_key, name, raw)
        except SealError:
            gone = self._delete_if_unchanged(keys=[old], args=[raw])
            done.unreadable += int(gone)
            done.changed += 1 - int(gone)
            return
        updated_at = envelope.get("updated_at") or self._clock().isoformat()
        sealed = self._keys.seal(encode_state(data), self._context(name))
        payload = json.dumps({"updated_at": updated_at, SEALED_KEY: sealed})
        result = int(
            self._move_if_unchanged(
                keys=[old, f"{self._prefix}conv:{name}"],
                args=[raw, payload, self._retention_ms],
            )
        )
        if result == 1:
            done.moved += 1
        elif result == 2:
            done.superseded += 1
        else:
            done.changed += 1

    def _open_legacy(
        self, chat_key: str, name: str, raw: str | bytes
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A state stored under a clear name, in any shape older code stored it: in clear
        (`"data"`), or sealed (`"sealed"`, later `"~sealed"`) and bound to the chat's key
        in clear; (envelope, state), or `SealError`."""
        try:
            envelope = json.loads(raw)
        except ValueError as exc:
            raise SealError("not a conversation envelope") from exc
        if not isinstance(envelope, dict):
            raise SealError("not a conversation envelope")
        if isinstance(envelope.get("data"), dict) and SEALED_KEY not in envelope:
            return envelope, envelope["data"]
        sealed = envelope.get(SEALED_KEY, envelope.get("sealed"))
        if not isinstance(sealed, str):
            raise SealError("not a conversation envelope")
        for context in (self._context(chat_key), self._context(name)):
            try:
                data = self._keys.open_json(sealed, context)
            except SealError:
                continue
            except ValueError as exc:
                raise SealError("a conversation state in Redis does not open") from exc
            if isinstance(data, dict):
                return envelope, data
        raise SealError("a conversation state in Redis does not open")

    def health(self) -> dict[str, Any]:
        status: dict[str, Any] = {"ok": False, "backend": "redis"}
        try:
            self._client.ping()
        except Exception as exc:  # a probe reports, it does not raise
            status["error"] = describe_error(exc)
            return status
        status["ok"] = True
        return status


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)

"""Personal data at rest: authenticated encryption and keyed hashes for look-ups.

Why AES-256-GCM with a key-version prefix rather than MultiFernet: a stored value names the
key that sealed it in clear (`"v2:…"`), so `dtsen-bot keys rotate` finds the rows still
under an old key with a plain SQL prefix test and re-seals them in short, resumable
batches, instead of trying every key on every row; GCM is also shorter on disk (28 bytes
of nonce and tag instead of Fernet's 57 plus base64 padding of CBC blocks) and AES-256.
Each value is bound to where it lives (the associated data, "request.nik"), so a value
copied into another column does not open there.

Keys: several versions, the newest seals, every one opens. They come from the environment
(`DATA_KEYS="1:<base64>,2:<base64>"` and `LOOKUP_KEY=<base64>`) or, when unset, from the
file `data_keys` in DATA_DIR, made on first start (0600) like the secret key. The look-up
key of the keyed hash (HMAC-SHA256) does not rotate with them: every look-up column would
have to be recomputed at once (see SECURITY.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE: Final = "data_keys"
_NONCE_BYTES: Final = 12
_PREFIX: Final = re.compile(r"^v(\d{1,6}):")


class SealError(Exception):
    """Keys missing, malformed, or a sealed value that no key opens (tampered, wrong key)."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key_bytes(text: str, what: str) -> bytes:
    try:
        raw = _unb64(text.strip())
    except (binascii.Error, ValueError) as exc:
        raise SealError(f"{what}: not base64") from exc
    if len(raw) != 32:
        raise SealError(f"{what}: must be 32 bytes (base64 of 32 random bytes)")
    return raw


@dataclass(frozen=True)
class KeyRing:
    """Encryption keys by version (the highest seals) and the look-up (HMAC) key."""

    keys: Mapping[int, bytes]
    lookup_key: bytes

    def __post_init__(self) -> None:
        if not self.keys:
            raise SealError("no encryption key")
        if len(self.lookup_key) != 32:
            raise SealError("the look-up key must be 32 bytes")

    @property
    def current(self) -> int:
        return max(self.keys)

    @property
    def current_prefix(self) -> str:
        return f"v{self.current}:"

    # -- sealing ------------------------------------------------------------------------------

    def seal_bytes(self, plain: bytes, context: str) -> bytes:
        """`b"v<n>:" + nonce + ciphertext-and-tag`, for files."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, plain, context.encode())
        return f"v{self.current}:".encode() + nonce + sealed

    def open_bytes(self, sealed: bytes, context: str) -> bytes:
        version, body = _split(sealed[:8].decode("ascii", "replace"), sealed)
        key = self.keys.get(version)
        if key is None:
            raise SealError(f"no key version {version}")
        nonce, data = body[:_NONCE_BYTES], body[_NONCE_BYTES:]
        try:
            return AESGCM(key).decrypt(nonce, data, context.encode())
        except Exception as exc:  # InvalidTag: tampered, or sealed for another place
            raise SealError(f"a value sealed for {context} does not open") from exc

    def seal(self, plain: str, context: str) -> str:
        """Text for a database column: `v<n>:` and the base64 of nonce, ciphertext and tag."""
        sealed = self.seal_bytes(plain.encode("utf-8"), context)
        head = f"v{self.current}:"
        return head + _b64(sealed[len(head) :])

    def open(self, sealed: str, context: str) -> str:
        match = _PREFIX.match(sealed)
        if match is None:
            raise SealError(f"a value in {context} is not sealed")
        try:
            body = _unb64(sealed[match.end() :])
        except (binascii.Error, ValueError) as exc:  # cut or tampered text
            raise SealError(f"a value sealed for {context} does not open") from exc
        return self.open_bytes(match.group(0).encode() + body, context).decode("utf-8")

    def reseal(self, sealed: str, context: str) -> str:
        """The same value under the newest key (as is when already under it)."""
        if sealed.startswith(self.current_prefix):
            return sealed
        return self.seal(self.open(sealed, context), context)

    def seal_json(self, value: Any, context: str) -> str:
        return self.seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")), context)

    def open_json(self, sealed: str, context: str) -> Any:
        return json.loads(self.open(sealed, context))

    # -- keyed hash ----------------------------------------------------------------------------

    def lookup(self, value: str) -> str:
        """HMAC-SHA256 of `value` (hex): the same value always gives the same digest, so
        exact look-ups and unique indexes work without the value in clear."""
        return hmac.new(self.lookup_key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def generate(cls) -> KeyRing:
        return cls({1: secrets.token_bytes(32)}, secrets.token_bytes(32))

    @classmethod
    def parse(cls, keys: str, lookup_key: str) -> KeyRing:
        """`"1:<base64>,2:<base64>"` and the look-up key's base64."""
        ring: dict[int, bytes] = {}
        for part in filter(None, (p.strip() for p in keys.split(","))):
            version, sep, key = part.partition(":")
            if not sep or not version.isdigit():
                raise SealError("DATA_KEYS: write version:base64, separated by commas")
            ring[int(version)] = _key_bytes(key, f"key version {version}")
        return cls(ring, _key_bytes(lookup_key, "LOOKUP_KEY"))

    def dumps(self) -> str:
        lines = [f"lookup {_b64(self.lookup_key)}"]
        lines += [f"v{version} {_b64(key)}" for version, key in sorted(self.keys.items())]
        return "\n".join(lines) + "\n"

    @classmethod
    def loads(cls, text: str) -> KeyRing:
        ring: dict[int, bytes] = {}
        lookup_key = b""
        for line in filter(None, (raw.strip() for raw in text.splitlines())):
            name, _, key = line.partition(" ")
            if name == "lookup":
                lookup_key = _key_bytes(key, "look-up key")
            elif name.startswith("v") and name[1:].isdigit():
                ring[int(name[1:])] = _key_bytes(key, f"key {name}")
            else:
                raise SealError(f"key file: unknown line {name!r}")
        return cls(ring, lookup_key)

    def dumps_environment(self) -> str:
        """The encryption keys as DATA_KEYS takes them (`"1:<base64>,2:<base64>"`)."""
        return ",".join(f"{version}:{_b64(key)}" for version, key in sorted(self.keys.items()))

    def with_new_version(self) -> KeyRing:
        return KeyRing({**self.keys, self.current + 1: secrets.token_bytes(32)}, self.lookup_key)


def _split(head: str, sealed: bytes) -> tuple[int, bytes]:
    match = _PREFIX.match(head)
    if match is None:
        raise SealError("not a sealed value")
    return int(match.group(1)), sealed[match.end() :]


def is_sealed(value: str | bytes) -> bool:
    return key_version(value) is not None


def key_version(value: str | bytes) -> int | None:
    """The version of the key that sealed `value` (its head is enough), None when clear."""
    head = value[:8].decode("ascii", "replace") if isinstance(value, bytes) else value[:8]
    match = _PREFIX.match(head)
    return int(match.group(1)) if match else None


def key_file(data_dir: Path) -> Path:
    return data_dir / KEY_FILE


def load_keys(keys: str | None, lookup_key: str | None, data_dir: Path) -> KeyRing:
    """The configured keys, or those kept in DATA_DIR/data_keys (made on first start)."""
    if keys or lookup_key:
        if not (keys and lookup_key):
            raise SealError("set both DATA_KEYS and LOOKUP_KEY, or neither")
        return KeyRing.parse(keys, lookup_key)
    path = key_file(data_dir)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: two workers starting at once keep one file
        # (the second link fails) and nobody reads it half-written.
        _write_private(path.with_name(f"{KEY_FILE}.{secrets.token_hex(6)}"), KeyRing.generate())
    return KeyRing.loads(path.read_text(encoding="utf-8"))


def _write_private(tmp: Path, ring: KeyRing, *, replace: Path | None = None) -> None:
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(ring.dumps())
        handle.flush()
        os.fsync(handle.fileno())
    if replace is not None:
        tmp.replace(replace)
        return
    target = tmp.with_name(KEY_FILE)
    try:
        os.link(tmp, target)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def add_key_version(data_dir: Path) -> KeyRing:
    """A new newest key in the key file (the old ones stay: they still open old values)."""
    ring = load_keys(None, None, data_dir).with_new_version()
    replace_key_file(key_file(data_dir), ring)
    return ring


def replace_key_file(path: Path, ring: KeyRing) -> None:
    """Write `ring` over the key file at `path`, aside first (owner-only), then moved."""
    _write_private(path.with_name(f"{KEY_FILE}.{secrets.token_hex(6)}"), ring, replace=path)

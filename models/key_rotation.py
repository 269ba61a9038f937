"""Re-sealing personal data under the newest key version while the service runs.

Every place in `models.sealed_registry` is walked in short batches: a database table in its
primary-key order (keyset pagination: `WHERE id > :last ... LIMIT :batch`, one transaction
per batch), Redis keys by SCAN, files one at a time. What is under an older version is found
by the version prefix every sealed value starts with (`"v1:…"`), so a second run, or a run
after an interruption, only sees what is left: rotation is idempotent and resumes by
starting again.

Nothing the app writes meanwhile is overwritten. A row is updated only where each re-sealed
column still holds the value that was read (`UPDATE … WHERE id = :id AND nik = :old`); a
row the app changed in between is left as the app wrote it (sealed with the newest key
already, or picked up by the next pass). Redis values are replaced by a compare-and-set
script keeping the key's TTL; a file is rewritten aside and moved into place only if it
has not changed.

The processes that serve must know the newest version before rotation starts (add it,
restart them, then rotate): a value re-sealed under a version a running process lacks
would not open there.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import JSON, Text, and_, bindparam, column, func, or_, select, table, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.elements import ColumnElement

from models.crypto import KeyRing, SealError
from models.sealed import SEALED_KEY
from models.sealed_registry import (
    FILE_SPACES,
    KEY_SPACES,
    SealedColumn,
    SealedFiles,
    SealedKeySpace,
    Shape,
    sealed_columns,
)

DEFAULT_BATCH: Final = 500
# Passes over a table: a row changed by the app during one pass is tried again in the next.
_MAX_PASSES: Final = 5
_BATCH_ATTEMPTS: Final = 3

# KEYS: the key; ARGV: the value read, the re-sealed value. Replaces only what was read,
# and keeps the TTL (Redis 6.0+).
_COMPARE_AND_SET: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') and 1
end
return 0
"""


@dataclass
class Progress:
    """What a run did to one place (a table, a Redis key space, a folder)."""

    place: str
    left_before: int = 0
    resealed: int = 0
    # Changed by the app between read and write: the app's value stands.
    changed_meanwhile: int = 0
    # Under a version the ring lacks, or not opening (tampered, sealed for another place).
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    def fail(self, where: str, error: Exception) -> None:
        self.failed += 1
        if len(self.failures) < 20:
            self.failures.append(f"{where}: {error}")


Report = Callable[[Progress, float], None]


def _quiet(_progress: Progress, _seconds: float) -> None:
    return None


# -- database -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    name: str
    key: str
    columns: tuple[SealedColumn, ...]


def _tables(columns: Iterable[SealedColumn]) -> list[_Table]:
    grouped: dict[tuple[str, str], list[SealedColumn]] = {}
    for sealed in columns:
        grouped.setdefault((sealed.table, sealed.key), []).append(sealed)
    return [_Table(name, key, tuple(cols)) for (name, key), cols in grouped.items()]


def _shape_text(col: ColumnElement[Any], shape: Shape) -> ColumnElement[Any]:
    """The sealed text of a column as SQL sees it (a JSON column's "~sealed" member)."""
    if shape == "json":
        return col[SEALED_KEY].as_string()  # type: ignore[no-any-return]
    return col


def _older(text: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    """Sealed under another version than `prefix` names. Plain LIKE on the stored text."""
    return and_(text.is_not(None), text != "", text.not_like(f"{prefix}%"))


def _sql(t: _Table) -> tuple[Any, dict[str, ColumnElement[Any]]]:
    # Plain types: rotation reads and writes the stored text, never opens through the ORM.
    sa_table = table(
        t.name,
        column(t.key),
        *(column(c.column, JSON() if c.shape == "json" else Text()) for c in t.columns),
    )
    texts = {c.column: _shape_text(sa_table.c[c.column], c.shape) for c in t.columns}
    return sa_table, texts


def count_left_in_tables(
    engine: Engine, keys: KeyRing, columns: Iterable[SealedColumn] | None = None
) -> dict[str, int]:
    """Per sealed column, how many values are not under the newest version."""
    found: dict[str, int] = {}
    for t in _tables(sealed_columns() if columns is None else columns):
        sa_table, texts = _sql(t)
        with engine.connect() as conn:
            for sealed in t.columns:
                where = _older(texts[sealed.column], keys.current_prefix)
                found[sealed.name] = conn.execute(
                    select(func.count()).select_from(sa_table).where(where)
                ).scalar_one()
    return found


def count_version_in_tables(
    engine: Engine, version: int, columns: Iterable[SealedColumn] | None = None
) -> dict[str, int]:
    """Per sealed column, how many values are sealed under `version`."""
    found: dict[str, int] = {}
    for t in _tables(sealed_columns() if columns is None else columns):
        sa_table, texts = _sql(t)
        with engine.connect() as conn:
            for sealed in t.columns:
                found[sealed.name] = conn.execute(
                    select(func.count())
                    .select_from(sa_table)
                    .where(texts[sealed.column].like(f"v{version}:%"))
                ).scalar_one()
    return found


def rotate_tables(
    engine: Engine,
    keys: KeyRing,
    *,
    columns: Iterable[SealedColumn] | None = None,
    batch: int = DEFAULT_BATCH,
    report: Report = _quiet,
    stop_after_batches: int | None = None,
) -> list[Progress]:
    """Re-seals every registered column, table by table, `batch` rows per transaction.

    `stop_after_batches` ends the run early (as an interruption would): for tests."""
    done: list[Progress] = []
    batches = 0
    for t in _tables(sealed_columns() if columns is None else columns):
        progress = Progress(t.name)
        done.append(progress)
        sa_table, texts = _sql(t)
        key = sa_table.c[t.key]
        any_older = or_(*(_older(texts[c.column], keys.current_prefix) for c in t.columns))
        with engine.connect() as conn:
            progress.left_before = conn.execute(
                select(func.count()).select_from(sa_table).where(any_older)
            ).scalar_one()
        report(progress, 0.0)
        unopenable: set[Any] = set()
        for _pass in range(_MAX_PASSES):
            changed_before = progress.changed_meanwhile
            last: Any = None
            while True:
                if stop_after_batches is not None and batches >= stop_after_batches:
                    return done
                started = time.monotonic()
                query = select(key, *(sa_table.c[c.column] for c in t.columns)).where(any_older)
                if last is not None:
                    query = query.where(key > last)
                rows = _batch(
                    engine,
                    query.order_by(key).limit(batch),
                    t,
                    sa_table,
                    texts,
                    keys,
                    progress,
                    unopenable,
                )
                if not rows:
                    break
                last = rows[-1][0]
                batches += 1
                report(progress, time.monotonic() - started)
            if progress.changed_meanwhile == changed_before:
                break
    return done


def _batch(
    engine: Engine,
    query: Any,
    t: _Table,
    sa_table: Any,
    texts: dict[str, ColumnElement[Any]],
    keys: KeyRing,
    progress: Progress,
    unopenable: set[Any],
) -> list[Any]:
    """One batch in one short transaction; tried again when the database gives up on it
    (a deadlock with an app transaction, SQLite busy past its timeout)."""
    for attempt in range(_BATCH_ATTEMPTS):
        before = (progress.resealed, progress.changed_meanwhile, progress.failed)
        try:
            with engine.begin() as conn:
                rows = list(conn.execute(query).all())
                groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
                for row in rows:
                    if row[0] in unopenable:
                        continue
                    params = _resealed_row(t, keys, row, progress)
                    if params is None:
                        unopenable.add(row[0])
                    elif len(params) > 1:
                        columns = tuple(sorted(k[4:] for k in params if k.startswith("new_")))
                        groups.setdefault(columns, []).append(params)
                for columns, many in groups.items():
                    # One statement for the batch's rows (executemany: pipelined by psycopg),
                    # each row guarded by the values it had when read.
                    statement = (
                        update(sa_table)
                        .where(
                            sa_table.c[t.key] == bindparam("row_key"),
                            *(texts[c] == bindparam(f"old_{c}") for c in columns),
                        )
                        .values({c: bindparam(f"new_{c}") for c in columns})
                    )
                    matched = conn.execute(statement, many).rowcount
                    progress.resealed += matched
                    progress.changed_meanwhile += len(many) - matched
            return rows
        except OperationalError:
            progress.resealed, progress.changed_meanwhile, progress.failed = before
            if attempt == _BATCH_ATTEMPTS - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _resealed_row(t: _Table, keys: KeyRing, row: Any, progress: Progress) -> dict[str, Any] | None:
    """The update's parameters for one row (`row_key`, `old_<column>`, `new_<column>` for
    each column under an older version), or None when a value does not open."""
    params: dict[str, Any] = {"row_key": row[0]}
    for position, sealed in enumerate(t.columns, start=1):
        stored = row[position]
        old = _sealed_text(stored, sealed.shape)
        if not old or old.startswith(keys.current_prefix):
            continue
        try:
            new = keys.reseal(old, sealed.context)
        except SealError as error:
            progress.fail(f"{sealed.name} {t.key}={row[0]}", error)
            return None
        params[f"old_{sealed.column}"] = old
        params[f"new_{sealed.column}"] = (
            {**stored, SEALED_KEY: new} if sealed.shape == "json" else new
        )
    return params


def _sealed_text(stored: Any, shape: Shape) -> str | None:
    if stored is None:
        return None
    if shape == "json":
        if isinstance(stored, str):  # a driver that hands JSON back as text
            stored = json.loads(stored)
        value = stored.get(SEALED_KEY) if isinstance(stored, dict) else None
        return value if isinstance(value, str) else None
    return str(stored)


# -- redis --------------------------------------------------------------------------------


def _redis_text(raw: bytes, shape: Shape) -> str | None:
    text = raw.decode("utf-8", "replace")
    if shape == "json":
        try:
            loaded = json.loads(text)
        except ValueError:
            return None
        value = loaded.get(SEALED_KEY) if isinstance(loaded, dict) else None
        return value if isinstance(value, str) else None
    return text


def _redis_keys(client: Any, prefix: str, space: SealedKeySpace) -> Iterator[bytes]:
    pattern = _glob_escape(prefix) + space.pattern
    yield from client.scan_iter(match=pattern, count=DEFAULT_BATCH)


def count_left_in_redis(
    client: Any,
    keys: KeyRing,
    *,
    prefix: str = "dtsen:",
    spaces: Iterable[SealedKeySpace] = KEY_SPACES,
    version: int | None = None,
) -> dict[str, int]:
    """Per key space, how many values are not under the newest version (or are under
    `version`)."""
    found: dict[str, int] = {}
    for space in spaces:
        found[space.name] = 0
        for name in _redis_keys(client, prefix, space):
            raw = client.get(name)
            text = _redis_text(raw, space.shape) if raw is not None else None
            if text and _counts(text, keys, version):
                found[space.name] += 1
    return found


def _counts(text: str, keys: KeyRing, version: int | None) -> bool:
    if version is not None:
        return text.startswith(f"v{version}:")
    return not text.startswith(keys.current_prefix)


def rotate_redis(
    client: Any,
    keys: KeyRing,
    *,
    prefix: str = "dtsen:",
    spaces: Iterable[SealedKeySpace] = KEY_SPACES,
    report: Report = _quiet,
) -> list[Progress]:
    """Re-seals every registered Redis key space by SCAN, value by value, keeping TTLs."""
    compare_and_set = client.register_script(_COMPARE_AND_SET)
    done: list[Progress] = []
    for space in spaces:
        progress = Progress(f"redis {space.name}")
        done.append(progress)
        started = time.monotonic()
        for name in _redis_keys(client, prefix, space):
            raw = client.get(name)
            text = _redis_text(raw, space.shape) if raw is not None else None
            if not text or text.startswith(keys.current_prefix):
                continue
            progress.left_before += 1
            short = name.decode("utf-8", "replace").removeprefix(prefix)
            try:
                new = keys.reseal(text, space.context_of(short))
            except SealError as error:
                told: Exception = error
                if _named_in_clear(short):
                    # Printed by `keys rotate`: neither the name nor the error's context
                    # (both show the chat's key, maybe a phone number).
                    short = short.partition(":")[0] + ":<a name showing a chat's key>"
                    told = SealError("does not open")
                progress.fail(short, told)
                continue
            if space.shape == "json":
                whole = json.loads(raw)
                whole[SEALED_KEY] = new
                new = json.dumps(whole, ensure_ascii=False)
            if compare_and_set(keys=[name], args=[raw, new]) == 1:
                progress.resealed += 1
            else:
                progress.changed_meanwhile += 1  # rewritten or gone meanwhile
            if (progress.resealed + progress.changed_meanwhile) % DEFAULT_BATCH == 0:
                report(progress, time.monotonic() - started)
                started = time.monotonic()
        report(progress, time.monotonic() - started)
    return done


_HASHED_NAME: Final = re.compile(r"[0-9a-f]{64}")


def _named_in_clear(short: str) -> bool:
    """A Redis key named by what it is about (older code: `conv:whatsapp:+62…`) rather
    than its keyed hash."""
    return _HASHED_NAME.fullmatch(short.partition(":")[2]) is None


def _glob_escape(text: str) -> str:
    return "".join(f"\\{ch}" if ch in "*?[]\\" else ch for ch in text)


# -- files --------------------------------------------------------------------------------

_HEAD_BYTES: Final = 8
_TMP_PREFIX: Final = ".rotate-"


def _files(data_dir: Path, space: SealedFiles) -> Iterator[tuple[Path, str]]:
    root = data_dir / space.directory
    if not root.is_dir():
        return
    for path in sorted(root.glob(space.glob)):
        if path.is_file() and not path.name.startswith(_TMP_PREFIX):
            yield path, path.relative_to(root).as_posix()


def _file_head(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            return handle.read(_HEAD_BYTES).decode("ascii", "replace")
    except FileNotFoundError:
        return None


def count_left_in_files(
    data_dir: Path,
    keys: KeyRing,
    *,
    spaces: Iterable[SealedFiles] = FILE_SPACES,
    version: int | None = None,
) -> dict[str, int]:
    found: dict[str, int] = {}
    for space in spaces:
        found[space.name] = sum(
            1
            for path, _ in _files(data_dir, space)
            if (head := _file_head(path)) and _counts(head, keys, version)
        )
    return found


def rotate_files(
    data_dir: Path,
    keys: KeyRing,
    *,
    spaces: Iterable[SealedFiles] = FILE_SPACES,
    report: Report = _quiet,
) -> list[Progress]:
    """Re-seals every registered file: written aside (same folder, same mode), then moved
    over the old one if that is still what was read."""
    done: list[Progress] = []
    for space in spaces:
        progress = Progress(f"files {space.name}")
        done.append(progress)
        started = time.monotonic()
        for path, relative in _files(data_dir, space):
            head = _file_head(path)
            if not head or head.startswith(keys.current_prefix):
                continue
            progress.left_before += 1
            if space.reseal is not None:
                try:
                    done_here = space.reseal(
                        path, keys, space.context_of(relative), space.clear_kind
                    )
                except SealError as error:
                    progress.fail(relative, error)
                    continue
                if done_here:
                    progress.resealed += 1
                else:
                    progress.changed_meanwhile += 1
                continue
            try:
                old = path.read_bytes()
                new = keys.seal_bytes(
                    keys.open_bytes(old, space.context_of(relative)), space.context_of(relative)
                )
            except FileNotFoundError:
                progress.changed_meanwhile += 1
                continue
            except SealError as error:
                progress.fail(relative, error)
                continue
            if _replace_if_unchanged(path, old, new):
                progress.resealed += 1
            else:
                progress.changed_meanwhile += 1
            if (progress.resealed + progress.changed_meanwhile) % DEFAULT_BATCH == 0:
                report(progress, time.monotonic() - started)
                started = time.monotonic()
        report(progress, time.monotonic() - started)
    return done


def _replace_if_unchanged(path: Path, old: bytes, new: bytes) -> bool:
    tmp = path.with_name(f"{_TMP_PREFIX}{secrets.token_hex(6)}")
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return False
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(new)
            handle.flush()
            os.fsync(handle.fileno())
        # Deleted (a purge, an erasure) or rewritten meanwhile: leave it as it is now. The
        # window between this check and the move is a few microseconds.
        try:
            if path.read_bytes() != old:
                return False
        except FileNotFoundError:
            return False
        tmp.replace(path)
        return True
    finally:
        tmp.unlink(missing_ok=True)

"""Every place personal data is kept sealed: database columns, Redis keys and files.

`dtsen-bot keys rotate` re-seals what this registry lists, and nothing else; a place that
is sealed but missing here keeps its old key version for ever (and then no longer opens
once that version is removed from the ring). So whoever seals something new registers it:

- **A database column** sealed through the column types of `models.sealed` (`SealedText`,
  `SealedJSON`, and `SealedDate`/`SealedBool`, stored as sealed text) is found in the
  table metadata by `sealed_columns()`: nothing to add. A column sealed some other way
  (the value sealed in code and stored as plain text) goes in `EXTRA_COLUMNS`.
- **Redis keys** whose values are sealed go in `KEY_SPACES`.
- **Files** under `DATA_DIR` that are sealed whole (`KeyRing.seal_bytes`) go in
  `FILE_SPACES`.

A registered place holds one of the shapes `keys rotate` knows (`Shape`); a value names the
key version that sealed it in clear at its start (`"v2:…"`, see `models.crypto`), which is
how rotation finds what is left under an older version with a plain prefix test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from sqlalchemy import MetaData

from models.blobs import reseal_file, sniff_image_type, sniff_minutes_type
from models.crypto import KeyRing
from models.sealed import SealedJSON, SealedText, SealedValue

# "text": the whole stored value is `KeyRing.seal(...)` output ("v1:<base64>"); a sealed
#         date or yes/no (`SealedValue`) is stored so too, its text form sealed.
# "json": a JSON object whose "~sealed" member is that text (`SealedJSON`), other members
#         kept in clear beside it.
Shape = Literal["text", "json"]


def fixed(context: str) -> Callable[[str], str]:
    """The same associated data for every key or file of a space."""
    return lambda _name: context


@dataclass(frozen=True)
class SealedColumn:
    """A database column holding sealed values, bound to `context` (the associated data)."""

    table: str
    column: str
    context: str
    shape: Shape
    # The table's primary key: rotation walks the table in its order (keyset pagination).
    key: str = "id"

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass(frozen=True)
class SealedKeySpace:
    """Redis keys matching `pattern` (a SCAN glob after the store's prefix, e.g. "conv:*")
    whose string values have `shape`. `context_of` gets the key without the prefix."""

    name: str
    pattern: str
    shape: Shape
    context_of: Callable[[str], str] = field(compare=False)


def _never(_data: bytes) -> bool:
    return False


# (path, keys, associated data, clear_kind) -> whether the file was re-sealed (False: gone,
# or already under the newest key); raises SealError for a file that does not open.
FileResealer = Callable[[Path, KeyRing, str, Callable[[bytes], bool]], bool]


@dataclass(frozen=True)
class SealedFiles:
    """Files under `DATA_DIR/<directory>` (recursively, names matching `glob`), each
    sealed whole with `KeyRing.seal_bytes`; `context_of` gets the path relative to that
    directory, with "/" separators.

    `clear_kind` recognises a file stored before sealing (its own bytes: a photo, a PDF),
    which rotation then seals. `reseal` is the space's own way to re-seal one file (e.g.
    `models.blobs.reseal_file`, which holds the lock the store's deletes take); unset,
    rotation writes the file aside and moves it over the old one if that is unchanged
    (and cannot seal clear files)."""

    name: str
    directory: str
    context_of: Callable[[str], str] = field(compare=False)
    glob: str = "**/*"
    clear_kind: Callable[[bytes], bool] = field(default=_never, compare=False)
    reseal: FileResealer | None = field(default=None, compare=False)


# Columns sealed without the column types (none yet).
EXTRA_COLUMNS: Final[tuple[SealedColumn, ...]] = ()

# Redis key spaces holding sealed values. Rotation re-seals them by SCAN, keeping each
# key's TTL.
KEY_SPACES: Final[tuple[SealedKeySpace, ...]] = (
    # The conversation store's states (models/conversation_store/redis_store.py): an
    # envelope {"updated_at", "~sealed"}, each bound to its chat's key.
    SealedKeySpace(
        "conversation states",
        "conv:*",
        "json",
        context_of=lambda name: "redis.conversation:" + name.removeprefix("conv:"),
    ),
)


def _by_ref(kind: str) -> Callable[[str], str]:
    """The associated data `models.blobs.FileBlobStore` binds a file to: its store's kind
    and its ref, the file's name (the two folders above it only spread the files out)."""
    return lambda path: f"file.{kind}:{path.rsplit('/', 1)[-1]}"


# Sealed files under DATA_DIR, as the container's stores write them (`root/ab/cd/<ref>`;
# the glob leaves out a write's temporary ".tmp-*.part").
FILE_SPACES: Final[tuple[SealedFiles, ...]] = (
    # KTP, house and evidence photos (`Container.photos`, models/blobs.py). `reseal_file`
    # takes the lock the store's deletes take and keeps the time the orphan purge reads;
    # photos stored before sealing (clear) are sealed too.
    SealedFiles(
        "photos",
        "attachments",
        _by_ref("photo"),
        glob="??/??/*",
        clear_kind=lambda data: sniff_image_type(data) is not None,
        reseal=reseal_file,
    ),
    # Signed minutes and transition documents (`Container.minutes`, staff/minutes.py).
    SealedFiles(
        "minutes",
        "minutes",
        _by_ref("minutes"),
        glob="??/??/*",
        clear_kind=lambda data: sniff_minutes_type(data) is not None,
        reseal=reseal_file,
    ),
)


def sealed_columns(metadata: MetaData | None = None) -> tuple[SealedColumn, ...]:
    """Every sealed column: those typed `SealedText`/`SealedValue`/`SealedJSON` in the
    tables, then `EXTRA_COLUMNS`; in a stable order (table, then column as declared)."""
    if metadata is None:
        from sqlmodel import SQLModel

        import models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

        metadata = SQLModel.metadata
    found: list[SealedColumn] = []
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        keys = [c.name for c in table.primary_key.columns]
        for column in table.columns:
            kind = column.type
            shape: Shape
            if isinstance(kind, SealedText | SealedValue):
                shape = "text"
            elif isinstance(kind, SealedJSON):
                shape = "json"
            else:
                continue
            if len(keys) != 1:
                raise ValueError(f"{table.name}: rotation needs a one-column primary key")
            found.append(SealedColumn(table.name, column.name, kind.context, shape, keys[0]))
    return (*found, *EXTRA_COLUMNS)

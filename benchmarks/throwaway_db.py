"""A throwaway PostgreSQL database for a benchmark: created beside `BENCH_POSTGRES_URL`'s
database, migrated, and dropped at the end; and rows for COPY stored as the app stores them
(personal data sealed with the benchmark's own keys, look-up digests computed)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from models.crypto import KeyRing

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# The data is synthetic, so fixed keys do: every engine a benchmark opens on its throwaway
# database (and every child process) seals and opens with the same ring.
BENCH_KEYS = KeyRing({1: b"\x11" * 32}, b"\x12" * 32)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def admin_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", DEFAULT_URL)


def create_database(prefix: str) -> str:
    """A new empty database named `<prefix>_<random>`, migrated; returns its URL."""
    from sqlalchemy import create_engine

    from models.database import create_db_engine, normalise_url, upgrade_database

    base = normalise_url(admin_url())
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = create_db_engine(url)
    upgrade_database(engine)
    engine.dispose()
    return url


def drop_database(url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from models.database import normalise_url

    name = make_url(url).database
    admin = create_engine(normalise_url(admin_url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def keyed_engine(url: str) -> Engine:
    """An engine on a benchmark database that opens its sealed columns."""
    from models.database import create_db_engine

    return create_db_engine(url, BENCH_KEYS)


class CopyRows:
    """Turns rows in clear into what `COPY table (columns)` must receive so that the app reads
    them back: each value goes through its column's own type (a sealed column seals, a
    look-up column hashes the NIK it is given, a JSON column is dumped), as an ORM insert
    would do it; so the benchmark cannot drift from how the app stores personal data."""

    def __init__(self, engine: Engine, table: str, columns: Sequence[str]) -> None:
        from sqlmodel import SQLModel

        import models.tables  # noqa: F401  (the tables on SQLModel.metadata)

        self.dialect = engine.dialect
        self.columns = ", ".join(columns)
        found = SQLModel.metadata.tables[table].c
        self._binds = [found[name].type.bind_processor(self.dialect) for name in columns]

    def __call__(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if value is None or bind is None else bind(value)
            for value, bind in zip(row, self._binds, strict=True)
        )

"""A throwaway PostgreSQL database for a benchmark: created beside `BENCH_POSTGRES_URL`'s
database, migrated, and dropped at the end."""

from __future__ import annotations

import os
import secrets

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

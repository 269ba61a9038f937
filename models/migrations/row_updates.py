"""What the data migrations share: writing a batch of per-row changes as one statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa


def update_rows(
    connection: sa.Connection, table: Any, changes: Sequence[Mapping[str, Any]]
) -> None:
    """Set each row's new values (`{"id": ..., column: value, ...}`, the same columns in
    every change) in one UPDATE with a parameter set per row, which psycopg pipelines: a
    statement per row took 11 s for 30,000 rows (migration 0024), this 1.3 s."""
    if not changes:
        return
    columns = [column for column in changes[0] if column != "id"]
    statement = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values({column: sa.bindparam(f"new_{column}") for column in columns})
    )
    connection.execute(
        statement,
        [
            {"row_id": change["id"], **{f"new_{c}": change[c] for c in columns}}
            for change in changes
        ],
    )

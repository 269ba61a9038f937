"""A member's birth date and disability sealed at rest.

`household_member.birth_date` (a date) and `disability` (yes/no) become sealed text like
the member's other details (0013, 0016): the date as its ISO text ("1992-03-14"), the
yes/no as "1" or "0", each bound to its column ("household_member.birth_date"). They
become TEXT on PostgreSQL; SQLite keeps the declared DATE/BOOLEAN (a NUMERIC affinity,
under which sealed text, never a number, stays text; no table rebuild). Existing rows are
sealed with the keys the engine carries; NULL stays NULL. The downgrade puts the values
back in clear, in the column types they had.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

from models.migrations.row_updates import update_rows
from models.sealed import keys_of

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
TABLE = "household_member"


# The text forms sealed (as `models.sealed.SealedDate`/`SealedBool` write them, as of this
# revision). In clear a yes/no reads back as PostgreSQL's text of a boolean ('true') or
# SQLite's integer (1).
def _date_text(value: Any) -> str:
    return date.fromisoformat(str(value)).isoformat()


def _bool_text(value: Any) -> str:
    if str(value).lower() in ("1", "true", "t"):
        return "1"
    if str(value).lower() in ("0", "false", "f"):
        return "0"
    raise ValueError(f"{TABLE}.disability holds {value!r}, not a yes/no")


_TO_TEXT = {"birth_date": _date_text, "disability": _bool_text}


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        for column in _TO_TEXT:
            op.alter_column(TABLE, column, type_=sa.Text())
    _each_row(connection, seal=True)


def downgrade() -> None:
    connection = op.get_bind()
    _each_row(connection, seal=False)
    if connection.dialect.name == "postgresql":
        op.alter_column(TABLE, "birth_date", type_=sa.Date(), postgresql_using="birth_date::date")
        op.alter_column(
            TABLE, "disability", type_=sa.Boolean(), postgresql_using="disability::boolean"
        )


def _each_row(connection: sa.Connection, *, seal: bool) -> None:
    t = sa.table(TABLE, sa.column("id", sa.Integer()), *(sa.column(c) for c in _TO_TEXT))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(t)
            .where(t.c.id > last, sa.or_(*(t.c[c].is_not(None) for c in _TO_TEXT)))
            .order_by(t.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        keys = keys_of(connection.dialect)
        changes = []
        for row in rows:
            values: dict[str, Any] = {"id": row.id}
            for column, to_text in _TO_TEXT.items():
                value = row._mapping[column]
                context = f"{TABLE}.{column}"
                if value is not None:
                    value = (
                        keys.seal(to_text(value), context)
                        if seal
                        else _in_clear(column, keys.open(str(value), context), connection)
                    )
                values[column] = value
            changes.append(values)
        update_rows(connection, t, changes)
        last = rows[-1].id


def _in_clear(column: str, text: str, connection: sa.Connection) -> Any:
    """What the column held before 0023: PostgreSQL casts the text back to its type after
    (a date's ISO text, a boolean's 'true'/'false'); SQLite stores a date as ISO text and
    a boolean as 1/0."""
    if column == "disability":
        if connection.dialect.name == "postgresql":
            return "true" if text == "1" else "false"
        return 1 if text == "1" else 0
    return text

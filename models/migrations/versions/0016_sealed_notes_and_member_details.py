"""Staff notes and a member's sex and occupation sealed at rest.

`status_change.note` (staff's words on a move: a rejection's reason, the household's
circumstances), `musyawarah_item.note` (the meeting's reason, read by the citizen) and
`household_member.sex/occupation` become sealed text like the member's name (0013). They
become TEXT on PostgreSQL; existing rows are sealed with the keys the engine carries. An
empty or missing value stays as it is.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from models.sealed import keys_of

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500

# table: (sealed columns, with their length before)
_SEALED: dict[str, tuple[tuple[str, int | None], ...]] = {
    "status_change": (("note", None),),
    "musyawarah_item": (("note", None),),
    "household_member": (("sex", 1), ("occupation", 32)),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in _SEALED.items():
            for column, _length in columns:
                op.alter_column(table, column, type_=sa.Text())
    _each_row(op.get_bind(), seal=True)


def downgrade() -> None:
    _each_row(op.get_bind(), seal=False)
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in _SEALED.items():
            for column, length in columns:
                op.alter_column(table, column, type_=sa.String(length=length))


def _each_row(connection: sa.Connection, *, seal: bool) -> None:
    for table, columns in _SEALED.items():
        names = [column for column, _length in columns]
        t = sa.table(
            table, sa.column("id", sa.Integer()), *(sa.column(c, sa.Text()) for c in names)
        )
        last = 0
        while True:
            rows = connection.execute(
                sa.select(t).where(t.c.id > last).order_by(t.c.id).limit(BATCH)
            ).all()
            if not rows:
                break
            keys = keys_of(connection.dialect)
            for row in rows:
                values: dict[str, Any] = {}
                for column in names:
                    value = row._mapping[column]
                    context = f"{table}.{column}"
                    if value:
                        value = keys.seal(value, context) if seal else keys.open(value, context)
                    values[column] = value
                connection.execute(sa.update(t).where(t.c.id == row.id).values(**values))
            last = rows[-1].id

"""Chat ids that are only ever compared are kept as their keyed hash.

A WhatsApp or SMS chat id is the citizen's phone number ("whatsapp:+62…"). Where it only
finds rows again, the column holds its keyed hash (HMAC, `LookupDigest`): the conversation
table's key, the sender of a handled delivery, a chat's contact record and the status
look-up attempts. Code binds the id in clear and the column type hashes it, so
`ChatContact.chat_id == chat_id` keeps working. Existing rows are hashed here with the
look-up key the engine carries. The columns become VARCHAR(64) on PostgreSQL.

A hash cannot be undone: the downgrade empties these four tables (drafts' durable copies,
delivery records, contacts and look-up attempts: short-lived data the service rebuilds).

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from models.sealed import keys_of

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
# A keyed hash as `KeyRing.lookup` writes it; a chat id in clear never looks like one (it
# holds a ":" or is shorter), so a row hashed already is left alone.
_DIGEST = re.compile(r"[0-9a-f]{64}")

# table: (its primary key, the hashed column, that column's length before)
_HASHED: dict[str, tuple[str, str, int]] = {
    "conversation": ("key", "key", 255),
    "processed_message": ("id", "chat_id", 128),
    "chat_contact": ("id", "chat_id", 128),
    "lookup_attempt": ("id", "chat_key", 255),
}


def upgrade() -> None:
    connection = op.get_bind()
    for table, (key, column, _length) in _HASHED.items():
        _hash_rows(connection, table, key, column)
    if connection.dialect.name == "postgresql":
        for table, (_key, column, _length) in _HASHED.items():
            op.alter_column(table, column, type_=sa.String(length=64))


def downgrade() -> None:
    for table, (_key, column, length) in _HASHED.items():
        op.execute(sa.text(f"DELETE FROM {table}"))
        if op.get_bind().dialect.name == "postgresql":
            op.alter_column(table, column, type_=sa.String(length=length))


def _hash_rows(connection: sa.Connection, table: str, key: str, column: str) -> None:
    columns: list[sa.ColumnClause[Any]] = [sa.column(column, sa.String())]
    if key != column:  # the conversation's key is the hashed column itself
        columns.append(sa.column(key, sa.Integer()))
    t = sa.table(table, *columns)
    key_column = t.c[key]
    last: Any = None
    while True:
        statement = sa.select(t).order_by(key_column).limit(BATCH)
        if last is not None:
            statement = statement.where(key_column > last)
        rows = connection.execute(statement).all()
        if not rows:
            break
        keys = keys_of(connection.dialect)
        for row in rows:
            value = row._mapping[column]
            # An anonymised (empty) id stays empty, as `LookupDigest` keeps it. Changing the
            # conversation's key may move its row ahead of this page: met again, it is
            # skipped.
            if value and not _DIGEST.fullmatch(value):
                connection.execute(
                    sa.update(t)
                    .where(key_column == row._mapping[key])
                    .values({column: keys.lookup(value)})
                )
        last = rows[-1]._mapping[key]

"""Conversation states, recorded deliveries and outgoing texts sealed at rest.

`conversation.data` (the draft: NIK, KK, names, phone; with Redis the durable copy of every
draft), `processed_message.replies/state` (a delivery's answers and the state it left),
`outbox_notification.text/variables/reply` and `outbound_message.body/variables` (what the
bot says: names, tickets, reasons) become sealed like the request's columns (0013): text
as `v<n>:…`, JSON as `{"~sealed": "v<n>:…"}`. The two text columns become TEXT on
PostgreSQL (as in 0013); existing rows are sealed here with the keys the engine carries.
An empty text stays empty (a sent row's forgotten text); JSON is sealed whole, also when
empty.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from models.crypto import KeyRing
from models.sealed import SEALED_KEY, keys_of

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500

# table: (its key column, sealed text columns, sealed JSON columns)
_SEALED: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "conversation": ("key", (), ("data",)),
    "processed_message": ("id", (), ("replies", "state")),
    "outbox_notification": ("id", ("text",), ("variables", "reply")),
    "outbound_message": ("id", ("body",), ("variables",)),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, (_key, texts, _jsons) in _SEALED.items():
            for column in texts:
                op.alter_column(table, column, type_=sa.Text())
    _each_row(op.get_bind(), _seal)


def downgrade() -> None:
    _each_row(op.get_bind(), _unseal)
    if op.get_bind().dialect.name == "postgresql":
        for table, (_key, texts, _jsons) in _SEALED.items():
            for column in texts:
                op.alter_column(table, column, type_=sa.String())


Convert = Callable[[KeyRing, str, bool, Any], Any]


def _seal(keys: KeyRing, context: str, is_json: bool, value: Any) -> Any:
    if is_json:
        return {SEALED_KEY: keys.seal_json(value, context)}
    return keys.seal(value, context) if value else value


def _unseal(keys: KeyRing, context: str, is_json: bool, value: Any) -> Any:
    if is_json:
        return keys.open_json(value[SEALED_KEY], context)
    return keys.open(value, context) if value else value


def _each_row(connection: sa.Connection, convert: Convert) -> None:
    for table, (key, texts, jsons) in _SEALED.items():
        key_type: Any = sa.String() if key == "key" else sa.Integer()
        t = sa.table(
            table,
            sa.column(key, key_type),
            *(sa.column(c, sa.Text()) for c in texts),
            *(sa.column(c, sa.JSON(none_as_null=True)) for c in jsons),
        )
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
                values: dict[str, Any] = {}
                for column in texts:
                    values[column] = convert(keys, f"{table}.{column}", False, row._mapping[column])
                for column in jsons:
                    value = row._mapping[column]
                    # NULL stays NULL (no reply beyond the text, no state).
                    values[column] = (
                        None if value is None else convert(keys, f"{table}.{column}", True, value)
                    )
                connection.execute(
                    sa.update(t).where(key_column == row._mapping[key]).values(**values)
                )
            last = rows[-1]._mapping[key]

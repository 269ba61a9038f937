"""The outbox keeps a chat's keyed hash, and the id to send to sealed until sent.

`outbox_notification.chat_id` (a WhatsApp or SMS chat id is a phone number) becomes the
chat's keyed hash (`LookupDigest`), which orders one chat's rows and finds them; the new
`recipient` holds the id to send to, sealed, and is forgotten once the row is sent, like
its text. `outbound_message.chat_id` is only compared: its keyed hash. Existing rows are
converted here with the engine's keys; the columns become VARCHAR(64) on PostgreSQL.

The downgrade puts back what it can: the recipient of a row not yet sent; a sent row's
chat id cannot be recovered from its hash and is left empty.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from models.sealed import keys_of

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
_DIGEST = re.compile(r"[0-9a-f]{64}")


def upgrade() -> None:
    connection = op.get_bind()
    op.add_column(
        "outbox_notification",
        sa.Column("recipient", sa.Text(), nullable=False, server_default=""),
    )
    outbox = sa.table(
        "outbox_notification",
        sa.column("id", sa.Integer()),
        sa.column("chat_id", sa.String()),
        sa.column("recipient", sa.Text()),
        sa.column("status", sa.String()),
    )
    outbound = sa.table(
        "outbound_message", sa.column("id", sa.Integer()), sa.column("chat_id", sa.String())
    )

    def outbox_values(row: Any, keys: Any) -> dict[str, Any]:
        # A sent row has forgotten its text: it forgets where it went too.
        sent = row.status == "sent"
        return {
            "chat_id": keys.lookup(row.chat_id),
            "recipient": "" if sent else keys.seal(row.chat_id, "outbox_notification.recipient"),
        }

    _each_row(connection, outbox, outbox_values)
    _each_row(connection, outbound, lambda row, keys: {"chat_id": keys.lookup(row.chat_id)})
    if connection.dialect.name == "postgresql":
        for table in ("outbox_notification", "outbound_message"):
            op.alter_column(table, "chat_id", type_=sa.String(length=64))


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        for table in ("outbox_notification", "outbound_message"):
            op.alter_column(table, "chat_id", type_=sa.String(length=128))
    outbox = sa.table(
        "outbox_notification",
        sa.column("id", sa.Integer()),
        sa.column("chat_id", sa.String()),
        sa.column("recipient", sa.Text()),
    )

    def back(row: Any, keys: Any) -> dict[str, Any]:
        opened = keys.open(row.recipient, "outbox_notification.recipient") if row.recipient else ""
        return {"chat_id": opened}

    _each_row(connection, outbox, back, hashed_only=False)
    op.execute(sa.text("UPDATE outbound_message SET chat_id = ''"))
    with op.batch_alter_table("outbox_notification") as batch:
        batch.drop_column("recipient")


def _each_row(
    connection: sa.Connection, table: Any, values: Any, *, hashed_only: bool = True
) -> None:
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        keys = keys_of(connection.dialect)
        for row in rows:
            # An empty chat id stays empty; one hashed already is left alone.
            if hashed_only and (not row.chat_id or _DIGEST.fullmatch(row.chat_id)):
                continue
            connection.execute(
                sa.update(table).where(table.c.id == row.id).values(**values(row, keys))
            )
        last = rows[-1].id

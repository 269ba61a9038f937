"""One outbox for replies and notifications, with a delivery state per message.

`outbox_notification` gains what a reply needs (the delivery it answers, its position,
the engine's reply, the language) and an index over one chat's rows. Notifications that
waited in `outbound_message` (status "waiting", WhatsApp outside the 24-hour window and
the simulator) move into the outbox as rows in its own "waiting" state: one queue, not two.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_notification") as batch:
        batch.add_column(sa.Column("delivery", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("reply", sa.JSON(none_as_null=True), nullable=True))
        batch.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="id")
        )
    with op.batch_alter_table("outbox_notification") as batch:
        batch.alter_column("position", server_default=None)
        batch.alter_column("language", server_default=None)
    op.create_index(
        "ix_outbox_notification_chat",
        "outbox_notification",
        ["channel", "chat_id", "status"],
        unique=False,
    )
    op.execute(
        """
        INSERT INTO outbox_notification
            (channel, chat_id, kind, text, variables, status, attempts, due_at, path,
             created_at, position, language)
        SELECT channel, chat_id, kind, body, '{}', 'waiting', 0, created_at, 'waiting',
             created_at, 0, 'id'
        FROM outbound_message WHERE status = 'waiting' AND body IS NOT NULL
        ORDER BY created_at, id
        """
    )
    op.execute("DELETE FROM outbound_message WHERE status = 'waiting'")


def downgrade() -> None:
    op.execute(
        """
        INSERT INTO outbound_message
            (channel, chat_id, kind, path, status, body, created_at, updated_at)
        SELECT channel, chat_id, kind, 'waiting', 'waiting', text, created_at, created_at
        FROM outbox_notification WHERE status = 'waiting'
        """
    )
    op.execute("DELETE FROM outbox_notification WHERE status = 'waiting'")
    op.execute("DELETE FROM outbox_notification WHERE kind = 'reply'")
    op.drop_index("ix_outbox_notification_chat", table_name="outbox_notification")
    with op.batch_alter_table("outbox_notification") as batch:
        batch.drop_column("language")
        batch.drop_column("reply")
        batch.drop_column("position")
        batch.drop_column("delivery")

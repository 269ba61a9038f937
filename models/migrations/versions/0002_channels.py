"""Channels: chat contacts (last inbound time, reachability) and outbound messages.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "chat_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("last_inbound_at", _utc(), nullable=True),
        sa.Column("unreachable_at", _utc(), nullable=True),
        sa.Column("unreachable_reason", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_chat_contact"),
        sa.UniqueConstraint("channel", "chat_id", name="uq_chat_contact_channel_chat_id"),
    )
    op.create_table(
        "outbound_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider_message_id", sa.String(length=255), nullable=True),
        sa.Column("template", sa.String(length=255), nullable=True),
        sa.Column("body", sa.String(), nullable=True),
        sa.Column("variables", sa.JSON(), nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbound_message"),
        sa.UniqueConstraint(
            "channel",
            "provider_message_id",
            name="uq_outbound_message_channel_provider_message_id",
        ),
    )
    op.create_index(
        "ix_outbound_message_channel_chat_id_status",
        "outbound_message",
        ["channel", "chat_id", "status"],
    )


def downgrade() -> None:
    op.drop_index("ix_outbound_message_channel_chat_id_status", table_name="outbound_message")
    op.drop_table("outbound_message")
    op.drop_table("chat_contact")

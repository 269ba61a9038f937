"""The staff side: staff accounts with areas and linked chats, the access log, musyawarah
meetings and their agendas, the export log, and the notification outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_access_log"),
    )
    op.create_index("ix_access_log_at", "access_log", ["at"], unique=False)
    op.create_index("ix_access_log_staff_id", "access_log", ["staff_id"], unique=False)
    op.create_table(
        "export_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("area_code", sa.String(length=32), nullable=False),
        sa.Column("musyawarah_id", sa.Integer(), nullable=True),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_export_log"),
    )
    op.create_table(
        "musyawarah",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(length=32), nullable=False),
        sa.Column("held_on", _utc(), nullable=False),
        sa.Column("place", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("berita_acara_number", sa.String(length=128), nullable=True),
        sa.Column("berita_acara_date", _utc(), nullable=True),
        sa.Column("attendance", sa.JSON(), nullable=False),
        sa.Column("minutes_ref", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("closed_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_musyawarah"),
    )
    op.create_index("ix_musyawarah_village_code", "musyawarah", ["village_code"], unique=False)
    op.create_table(
        "outbox_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", _utc(), nullable=False),
        sa.Column("claimed_until", _utc(), nullable=True),
        sa.Column("path", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_notification"),
    )
    op.create_index(
        "ix_outbox_notification_request_id", "outbox_notification", ["request_id"], unique=False
    )
    op.create_index(
        "ix_outbox_notification_status_due_at",
        "outbox_notification",
        ["status", "due_at"],
        unique=False,
    )
    op.create_table(
        "staff_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("disabled_at", _utc(), nullable=True),
        sa.Column("last_digest_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff_account"),
    )
    op.create_index("ix_staff_account_username", "staff_account", ["username"], unique=True)
    op.create_table(
        "musyawarah_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("musyawarah_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["musyawarah_id"],
            ["musyawarah.id"],
            name="fk_musyawarah_item_musyawarah_id_musyawarah",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["request.id"],
            name="fk_musyawarah_item_request_id_request",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_musyawarah_item"),
        sa.UniqueConstraint(
            "musyawarah_id", "request_id", name="uq_musyawarah_item_musyawarah_id_request_id"
        ),
    )
    op.create_index(
        "ix_musyawarah_item_musyawarah_id", "musyawarah_item", ["musyawarah_id"], unique=False
    )
    op.create_index(
        "ix_musyawarah_item_request_id", "musyawarah_item", ["request_id"], unique=False
    )
    op.create_table(
        "staff_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_account.id"],
            name="fk_staff_area_staff_id_staff_account",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_staff_area"),
        sa.UniqueConstraint("staff_id", "area_code", name="uq_staff_area_staff_id_area_code"),
    )
    op.create_index("ix_staff_area_area_code", "staff_area", ["area_code"], unique=False)
    op.create_table(
        "staff_chat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("linked_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_account.id"],
            name="fk_staff_chat_staff_id_staff_account",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_staff_chat"),
        sa.UniqueConstraint("channel", "chat_id", name="uq_staff_chat_channel_chat_id"),
    )
    op.create_index("ix_staff_chat_staff_id", "staff_chat", ["staff_id"], unique=False)


def downgrade() -> None:
    op.drop_table("staff_chat")
    op.drop_table("staff_area")
    op.drop_table("musyawarah_item")
    op.drop_table("staff_account")
    op.drop_table("outbox_notification")
    op.drop_table("musyawarah")
    op.drop_table("export_log")
    op.drop_table("access_log")

"""Initial schema: requests with members, attachments, history and consent; de-duplication,
look-up attempts and conversation state.

Revision ID: 0001
Revises:
Create Date: 2025-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subtype", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("village_code", sa.String(length=32), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("kk", sa.String(length=16), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("subject_nik", sa.String(length=16), nullable=True),
        sa.Column("subject_name", sa.String(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("closed_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_request"),
    )
    op.create_index("ix_request_ticket", "request", ["ticket"], unique=True)
    op.create_index("ix_request_village_code", "request", ["village_code"])
    op.create_index("ix_request_nik", "request", ["nik"])
    op.create_index("ix_request_subject_nik", "request", ["subject_nik"])
    op.create_index("ix_request_channel_chat_id", "request", ["channel", "chat_id"])

    op.create_table(
        "household_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("relationship", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_household_member"),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["request.id"],
            name="fk_household_member_request_id_request",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "request_id", "position", name="uq_household_member_request_id_position"
        ),
    )
    op.create_index("ix_household_member_nik", "household_member", ["nik"])

    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=True),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attachment"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["request.id"], name="fk_attachment_request_id_request"
        ),
    )
    op.create_index("ix_attachment_ref", "attachment", ["ref"], unique=True)
    op.create_index("ix_attachment_request_id", "attachment", ["request_id"])

    op.create_table(
        "status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("from_status", sa.String(length=64), nullable=True),
        sa.Column("to_status", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_status_change"),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["request.id"],
            name="fk_status_change_request_id_request",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_status_change_request_id", "status_change", ["request_id"])

    op.create_table(
        "consent_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("text_version", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("given_at", _utc(), nullable=False),
        sa.Column("withdrawn_at", _utc(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_consent_record"),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["request.id"],
            name="fk_consent_record_request_id_request",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_consent_record_channel_chat_id", "consent_record", ["channel", "chat_id"])
    op.create_index("ix_consent_record_request_id", "consent_record", ["request_id"])

    op.create_table(
        "processed_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("processed_at", _utc(), nullable=False),
        sa.Column("replies", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_processed_message"),
        sa.UniqueConstraint(
            "channel", "message_id", name="uq_processed_message_channel_message_id"
        ),
    )
    op.create_index("ix_processed_message_processed_at", "processed_message", ["processed_at"])

    op.create_table(
        "lookup_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_key", sa.String(length=255), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lookup_attempt"),
    )
    op.create_index("ix_lookup_attempt_chat_key_at", "lookup_attempt", ["chat_key", "at"])

    op.create_table(
        "conversation",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_conversation"),
    )
    op.create_index("ix_conversation_updated_at", "conversation", ["updated_at"])


def downgrade() -> None:
    for table in (
        "conversation",
        "lookup_attempt",
        "processed_message",
        "consent_record",
        "status_change",
        "attachment",
        "household_member",
        "request",
    ):
        # Dropping a table drops its indexes with it.
        op.drop_table(table)

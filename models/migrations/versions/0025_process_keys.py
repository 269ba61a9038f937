"""The processes that serve, with the key versions they hold (`models.process_keys`).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "process_keys",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=190), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("versions", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_process_keys_seen_at", "process_keys", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_process_keys_seen_at", table_name="process_keys")
    op.drop_table("process_keys")

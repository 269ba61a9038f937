"""Household members keep an occupation and a disability, when the citizen gave them.

Both are optional in the chat (asked only when the citizen says some member works or has
a disability); empty means not given, never "none".

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("household_member") as batch:
        batch.add_column(sa.Column("occupation", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("disability", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("household_member") as batch:
        batch.drop_column("disability")
        batch.drop_column("occupation")

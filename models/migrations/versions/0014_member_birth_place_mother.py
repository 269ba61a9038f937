"""Household members keep their place of birth and mother's name, when the citizen gave them.

The BNBA's Tempat Lahir and Nama Ibu Kandung for members: optional in the chat, asked with
a member's occupation and disability when the citizen chooses to give them; empty means not
given. Both are personal data: sealed like the member's name (models/sealed.py).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("household_member") as batch:
        batch.add_column(sa.Column("birth_place", sa.Text(), nullable=True))
        batch.add_column(sa.Column("mother_name", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("household_member") as batch:
        batch.drop_column("mother_name")
        batch.drop_column("birth_place")

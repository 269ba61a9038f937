"""Household members keep their sex and birth date, for the BNBA's member rows.

Taken from the member's NIK when there is one, else as the citizen said them (a member
without a NIK is asked). Members filed before stay empty here; the BNBA still derives what
their NIK says.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("household_member") as batch:
        batch.add_column(sa.Column("sex", sa.String(length=1), nullable=True))
        batch.add_column(sa.Column("birth_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("household_member") as batch:
        batch.drop_column("birth_date")
        batch.drop_column("sex")

"""The export log says whose list was exported and whether withdrawn requests were in it.

`export_log.list_name`: "bnba" (the usulan's by-name-by-address list, every export so far)
or "sanggahan". `export_log.withdrawn_included`: the staff member asked for requests whose
citizen withdrew consent, which every list leaves out by default.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("export_log") as batch:
        batch.add_column(
            sa.Column("list_name", sa.String(length=16), nullable=False, server_default="bnba")
        )
        batch.add_column(
            sa.Column("withdrawn_included", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("export_log") as batch:
        batch.alter_column("list_name", server_default=None)
        batch.alter_column("withdrawn_included", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("export_log") as batch:
        batch.drop_column("withdrawn_included")
        batch.drop_column("list_name")

"""Who proposed a household in their own capacity: the `proposer` table.

Permensos 3/2021 Pasal 5 names who proposes: RT/RW, kepala dusun, the lurah or kepala desa,
Potensi dan Sumber Kesejahteraan Sosial (PSKS), and self-registration. A proposal filed by
one of them keeps the proposer's own NIK, name and phone apart from the household proposed
(issue 10), sealed like every NIK and name (models/sealed.py), with the NIK's keyed hash
to find them. One row per request at most, deleted with it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proposer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.String(length=32), nullable=False),
        sa.Column("nik", sa.Text(), nullable=False),
        sa.Column("nik_lookup", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["request.id"],
            name="fk_proposer_request_id_request",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_proposer"),
        sa.UniqueConstraint("request_id", name="uq_proposer_request_id"),
    )
    op.create_index("ix_proposer_nik_lookup", "proposer", ["nik_lookup"])


def downgrade() -> None:
    op.drop_index("ix_proposer_nik_lookup", table_name="proposer")
    op.drop_table("proposer")

"""Documents recorded with workflow moves: Berita Acara, SPTJM, SK Wali Kota, surat
pengesahan, surat persetujuan updating, the Minister's penetapan. One row per document,
recorded once for a batch of requests; `request_document` links it to each request (and
to the status change it came with), so every request's timeline shows it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transition_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("number", sa.String(length=128), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("file_ref", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("area_code", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("musyawarah_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_transition_document"),
    )
    op.create_index(
        "ix_transition_document_area_code", "transition_document", ["area_code"], unique=False
    )
    op.create_index(
        "ix_transition_document_musyawarah_id",
        "transition_document",
        ["musyawarah_id"],
        unique=False,
    )
    op.create_table(
        "request_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("status_change_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["transition_document.id"],
            name="fk_request_document_document_id_transition_document",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["request.id"],
            name="fk_request_document_request_id_request",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_request_document"),
        sa.UniqueConstraint(
            "request_id", "document_id", name="uq_request_document_request_id_document_id"
        ),
    )
    op.create_index(
        "ix_request_document_request_id", "request_document", ["request_id"], unique=False
    )
    op.create_index(
        "ix_request_document_document_id", "request_document", ["document_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_request_document_document_id", table_name="request_document")
    op.drop_index("ix_request_document_request_id", table_name="request_document")
    op.drop_table("request_document")
    op.drop_index("ix_transition_document_musyawarah_id", table_name="transition_document")
    op.drop_index("ix_transition_document_area_code", table_name="transition_document")
    op.drop_table("transition_document")

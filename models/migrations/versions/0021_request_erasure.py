"""A citizen's "hapus data saya" waits for staff: when it was asked, when it was done.

UU 27/2022 gives the citizen the right to have their data deleted. What was not yet filed
is deleted at once; a filed request is flagged (`erasure_requested_at`) for staff of its
area, who erase it (the closed-request anonymiser, models/retention.py) and the time is
kept (`erased_at`). The partial index serves the staff's list of waiting erasures.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.coltypes import UTCDateTime

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "erasure_requested_at IS NOT NULL AND erased_at IS NULL"


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: on SQLite batch mode copies the request table and
    # drops the old one, and with foreign keys on that drop cascades to every household
    # member, status change and agenda item of every request.
    op.add_column("request", sa.Column("erasure_requested_at", UTCDateTime(), nullable=True))
    op.add_column("request", sa.Column("erased_at", UTCDateTime(), nullable=True))
    op.create_index(
        "ix_request_erasure_waiting",
        "request",
        ["erasure_requested_at"],
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )


def downgrade() -> None:
    op.drop_index("ix_request_erasure_waiting", table_name="request")
    # SQLite 3.35+ drops a column in place (no copy of the table, see upgrade).
    op.drop_column("request", "erased_at")
    op.drop_column("request", "erasure_requested_at")

"""An index for "requests in this kecamatan / kabupaten" (village_code LIKE '32.04.05.%').

The staff queue and digests select requests by the prefix of their desa code. On
PostgreSQL a plain B-tree index serves LIKE 'prefix%' only under the "C" collation;
`varchar_pattern_ops` serves it under any collation (and equality too). A kecamatan digest
over 1,000,000 requests goes from about 0.5 s (sequential scans) to about 20 ms (see
benchmarks/digest.py). SQLite gets a plain index on the same column (its LIKE is
case-insensitive and does not use one; it is there so both databases share one schema).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_request_village_code_prefix",
        "request",
        ["village_code"],
        unique=False,
        postgresql_ops={"village_code": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_request_village_code_prefix", table_name="request")

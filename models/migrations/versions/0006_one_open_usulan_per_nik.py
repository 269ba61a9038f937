"""One open usulan per NIK, enforced by a partial unique index.

The flow checked for an open usulan before filing, but two chats submitting the same NIK at
the same moment both passed the check and both were filed. The index makes the second
insert fail; the service answers that chat kindly (nothing saved, answers kept).

Duplicates filed before this migration would stop the index from being built. For each NIK
the oldest open usulan stays open; each later one is closed (its status is kept), flagged
`duplicate_nik` and given a status-change note naming the ticket it duplicates, so staff
can see what happened and reopen by hand if the two were really different people.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from models.coltypes import UTCDateTime

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_USULAN = "kind = 'usulan' AND closed_at IS NULL"
FLAG = "duplicate_nik"

_request = sa.table(
    "request",
    sa.column("id", sa.Integer()),
    sa.column("ticket", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("nik", sa.String()),
    sa.column("status", sa.String()),
    sa.column("flags", sa.JSON()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
    sa.column("closed_at", UTCDateTime()),
)
_status_change = sa.table(
    "status_change",
    sa.column("request_id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("from_status", sa.String()),
    sa.column("to_status", sa.String()),
    sa.column("note", sa.Text()),
)


def upgrade() -> None:
    _close_duplicates(op.get_bind(), datetime.now(UTC))
    op.create_index(
        "uq_request_open_usulan_nik",
        "request",
        ["nik"],
        unique=True,
        sqlite_where=sa.text(OPEN_USULAN),
        postgresql_where=sa.text(OPEN_USULAN),
    )


def _close_duplicates(connection: sa.Connection, now: datetime) -> None:
    r = _request.c
    rows = connection.execute(
        sa.select(r.id, r.ticket, r.nik, r.status, r.flags)
        .where(sa.text(OPEN_USULAN))
        .order_by(r.nik, r.created_at, r.id)
    ).all()
    first_ticket: dict[str, str] = {}
    for row in rows:
        if row.nik not in first_ticket:
            first_ticket[row.nik] = row.ticket
            continue
        flags = sorted({*(row.flags or []), FLAG})
        connection.execute(
            sa.update(_request)
            .where(r.id == row.id)
            .values(flags=flags, closed_at=now, updated_at=now)
        )
        connection.execute(
            sa.insert(_status_change).values(
                request_id=row.id,
                at=now,
                actor="system",
                from_status=row.status,
                to_status=row.status,
                note=f"Ditutup: NIK yang sama sudah punya usulan terbuka {first_ticket[row.nik]}",
            )
        )


def downgrade() -> None:
    op.drop_index("uq_request_open_usulan_nik", table_name="request")

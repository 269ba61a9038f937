"""A request finds the household it proposes: the keyed hash of the household's phone.

An RT head (or another proposer in their capacity, Permensos 3/2021 Pasal 5) gives the
household's own phone, kept sealed in the request's answers (`household_phone`). The
household is told the outcome on that number, but its own WhatsApp or SMS chat could not
list the request ("permohonan saya") nor see it by ticket without the NIK. The new column
`request.household_lookup` holds the number's keyed hash (`LookupDigest`), set from the
answers on every write (`models.tables._set_lookups`); existing proposals are filled here
with the engine's keys, in batches.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.migrations.row_updates import update_rows
from models.sealed import SEALED_KEY, keys_of

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
# The subtypes filed in a proposer's capacity when this migration was written
# (conversations/kinds.py CAPACITIES): only they can hold a household's phone.
IN_CAPACITY = ("rt_rw", "kepala_dusun", "perangkat_desa", "psks")


def upgrade() -> None:
    op.add_column("request", sa.Column("household_lookup", sa.String(length=64), nullable=True))
    op.create_index("ix_request_household_lookup", "request", ["household_lookup"])
    connection = op.get_bind()
    table = sa.table(
        "request",
        sa.column("id", sa.Integer()),
        sa.column("subtype", sa.String()),
        sa.column("answers", sa.JSON()),
        sa.column("household_lookup", sa.String()),
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c.answers)
            .where(table.c.id > last, table.c.subtype.in_(IN_CAPACITY))
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        keys = keys_of(connection.dialect)
        changes = []
        for row in rows:
            stored = row.answers if isinstance(row.answers, dict) else {}
            sealed = stored.get(SEALED_KEY)
            answers = keys.open_json(sealed, "request.answers") if sealed else {}
            phone = answers.get("household_phone") if isinstance(answers, dict) else None
            number = str(phone).lstrip("+") if phone else ""
            if number:
                changes.append({"id": row.id, "household_lookup": keys.lookup(number)})
        update_rows(connection, table, changes)
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index("ix_request_household_lookup", table_name="request")
    # SQLite 3.35+ drops a column in place (no batch copy of the request table, see 0021).
    op.drop_column("request", "household_lookup")

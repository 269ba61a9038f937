"""Repair text stored before the edge cleaned it: NUL, control characters, lone surrogates.

Until now a citizen's `"Jl. Mawar\\x00 No. 1"` went into `request.answers` as `\\u0000`, and
from then on every PostgreSQL query taking an answer as text (BNBA exports, the queue's
dusun/RT/RW filters, digests) failed for the whole area. This migration passes every text
a citizen or a provider could have put in the database through `clean_value` (the same
cleaning the edge now applies), in batches, writing back only the rows that change. The
schema does not change; downgrading leaves the repaired text as it is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from conversations.cleantext import clean_value

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000

# (table, primary key, text columns, JSON columns): everything citizens and providers write.
_COLUMNS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("request", "id", ("name", "subject_name"), ("answers",)),
    ("household_member", "id", ("name", "relationship"), ()),
    ("status_change", "id", ("note",), ()),
    ("conversation", "key", (), ("data",)),
    ("processed_message", "id", (), ("replies", "state")),
    ("outbound_message", "id", ("body",), ("variables",)),
    ("outbox_notification", "id", ("text",), ("variables",)),
)


def upgrade() -> None:
    connection = op.get_bind()
    for name, key, texts, jsons in _COLUMNS:
        table = sa.table(
            name,
            sa.column(key),
            *(sa.column(c, sa.Text()) for c in texts),
            *(sa.column(c, sa.JSON()) for c in jsons),
        )
        _repair(connection, table, key, (*texts, *jsons))


def _repair(
    connection: sa.Connection, table: sa.TableClause, key: str, names: tuple[str, ...]
) -> None:
    pk = table.c[key]
    last = None
    while True:
        query = sa.select(pk, *(table.c[n] for n in names)).order_by(pk).limit(BATCH)
        if last is not None:
            query = query.where(pk > last)
        rows = connection.execute(query).all()
        if not rows:
            return
        for row in rows:
            values = dict(zip(names, row[1:], strict=True))
            changed = {n: clean_value(v) for n, v in values.items()}
            # Only what changed: writing an untouched None back to a JSON column would
            # turn SQL NULL into the JSON text 'null'.
            changed = {n: v for n, v in changed.items() if v != values[n]}
            if changed:
                connection.execute(sa.update(table).where(pk == row[0]).values(**changed))
        last = rows[-1][0]


def downgrade() -> None:
    pass  # cleaned text stays cleaned: the old characters had no meaning worth restoring

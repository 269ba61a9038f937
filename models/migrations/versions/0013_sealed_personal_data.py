"""Personal data sealed at rest: NIK, KK, names and answers; keyed hashes to find NIKs.

`request.nik/kk/name/subject_nik/subject_name`, `household_member.nik/name` become sealed
text (AES-256-GCM, `models.crypto`) and `request.answers` a sealed whole beside the few
place keys SQL filters on. The one-open-usulan-per-NIK index and the NIK indexes move to
the new keyed-hash (HMAC) columns. Existing rows are sealed here with the keys the
engine carries (`create_db_engine(url, keys)`): a database with rows cannot be upgraded
without them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from models.sealed import SEALED_KEY, keys_of

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_USULAN = "kind = 'usulan' AND closed_at IS NULL"
# Kept readable beside the sealed answers (models.tables.CLEAR_ANSWERS, as of this revision).
CLEAR_ANSWERS = ("dusun", "rt", "rw", "subject_dusun", "subject_rt", "subject_rw")
BATCH = 500

_SEALED = {
    "request": ("nik", "kk", "name", "subject_nik", "subject_name"),
    "household_member": ("nik", "name"),
}


def upgrade() -> None:
    # No batch mode: on SQLite it rebuilds `request`, and dropping the old table with foreign
    # keys on deletes every household member (ON DELETE CASCADE). SQLite keeps text of any
    # length in a VARCHAR(16), so only PostgreSQL's column types change.
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_index("uq_request_open_usulan_nik", table_name="request")
    op.drop_index("ix_request_nik", table_name="request")
    op.drop_index("ix_request_subject_nik", table_name="request")
    op.drop_index("ix_household_member_nik", table_name="household_member")
    op.add_column(
        "request",
        sa.Column("nik_lookup", sa.String(length=64), nullable=False, server_default=""),
    )
    op.add_column("request", sa.Column("subject_nik_lookup", sa.String(length=64)))
    op.add_column("household_member", sa.Column("nik_lookup", sa.String(length=64)))
    for table, columns in _SEALED.items():
        for column in columns if postgresql else ():
            op.alter_column(table, column, type_=sa.Text())

    _seal_rows(op.get_bind())

    op.create_index("ix_request_nik_lookup", "request", ["nik_lookup"])
    op.create_index("ix_request_subject_nik_lookup", "request", ["subject_nik_lookup"])
    op.create_index(
        "uq_request_open_usulan_nik",
        "request",
        ["nik_lookup"],
        unique=True,
        sqlite_where=sa.text(OPEN_USULAN),
        postgresql_where=sa.text(OPEN_USULAN),
    )
    op.create_index("ix_household_member_nik_lookup", "household_member", ["nik_lookup"])


def _seal_rows(connection: sa.Connection) -> None:
    for table, columns in _SEALED.items():
        with_answers = table == "request"
        t = sa.table(
            table,
            sa.column("id", sa.Integer()),
            sa.column("nik_lookup", sa.String()),
            *(sa.column(c, sa.Text()) for c in columns),
            *([sa.column("subject_nik_lookup", sa.String())] if with_answers else []),
            *([sa.column("answers", sa.JSON())] if with_answers else []),
        )
        last = 0
        while True:
            rows = connection.execute(
                sa.select(t).where(t.c.id > last).order_by(t.c.id).limit(BATCH)
            ).all()
            if not rows:
                break
            keys = keys_of(connection.dialect)
            for row in rows:
                # An empty value stays as it is ("" in NOT NULL columns of anonymised rows).
                values: dict[str, Any] = {
                    c: keys.seal(v, f"{table}.{c}") if (v := getattr(row, c)) else v
                    for c in columns
                }
                nik = row.nik
                values["nik_lookup"] = keys.lookup(nik) if nik else ("" if with_answers else None)
                if with_answers:
                    subject = row.subject_nik
                    values["subject_nik_lookup"] = keys.lookup(subject) if subject else None
                    answers = row.answers if row.answers is not None else {}
                    stored = {k: answers[k] for k in CLEAR_ANSWERS if k in answers}
                    stored[SEALED_KEY] = keys.seal_json(answers, "request.answers")
                    values["answers"] = stored
                connection.execute(sa.update(t).where(t.c.id == row.id).values(**values))
            last = rows[-1].id


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    _unseal_rows(op.get_bind())
    op.drop_index("ix_household_member_nik_lookup", table_name="household_member")
    op.drop_index("uq_request_open_usulan_nik", table_name="request")
    op.drop_index("ix_request_nik_lookup", table_name="request")
    op.drop_index("ix_request_subject_nik_lookup", table_name="request")
    op.drop_column("household_member", "nik_lookup")
    op.drop_column("request", "nik_lookup")
    op.drop_column("request", "subject_nik_lookup")
    for table, columns in _SEALED.items():
        for column in columns if postgresql else ():
            length = 16 if column in ("nik", "kk", "subject_nik") else None
            op.alter_column(table, column, type_=sa.String(length=length))
    op.create_index("ix_request_nik", "request", ["nik"])
    op.create_index("ix_request_subject_nik", "request", ["subject_nik"])
    op.create_index("ix_household_member_nik", "household_member", ["nik"])
    op.create_index(
        "uq_request_open_usulan_nik",
        "request",
        ["nik"],
        unique=True,
        sqlite_where=sa.text(OPEN_USULAN),
        postgresql_where=sa.text(OPEN_USULAN),
    )


def _unseal_rows(connection: sa.Connection) -> None:
    for table, columns in _SEALED.items():
        with_answers = table == "request"
        t = sa.table(
            table,
            sa.column("id", sa.Integer()),
            *(sa.column(c, sa.Text()) for c in columns),
            *([sa.column("answers", sa.JSON())] if with_answers else []),
        )
        for row in connection.execute(sa.select(t)).all():
            keys = keys_of(connection.dialect)
            values: dict[str, Any] = {
                c: keys.open(getattr(row, c), f"{table}.{c}")
                if getattr(row, c)
                else getattr(row, c)
                for c in columns
            }
            if with_answers and row.answers and SEALED_KEY in row.answers:
                values["answers"] = keys.open_json(row.answers[SEALED_KEY], "request.answers")
            connection.execute(sa.update(t).where(t.c.id == row.id).values(**values))

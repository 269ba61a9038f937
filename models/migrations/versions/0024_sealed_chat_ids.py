"""The last chat ids in clear become keyed hashes; the ones read back get a sealed copy.

Over WhatsApp and SMS a chat id is the citizen's phone number. `request.chat_id`,
`attachment.chat_id`, `consent_record.chat_id` and `staff_chat.chat_id` become the chat's
keyed hash (`LookupDigest`): they find a chat's requests, photos, consents and staff link,
and the indexes on (channel, chat_id) keep doing so. Where the id is read back to send
something, a new sealed column holds it: `request.reply_to` (status notices, the erasure's
notice) and `staff_chat.recipient` (digests, sign-in links, the dashboard's linked chats).
Existing rows are converted here with the engine's keys, in batches, leaving alone rows
already hashed; the columns become VARCHAR(64) on PostgreSQL.

The downgrade puts back what it can: a request's and a staff link's id from its sealed
copy; a photo's or a consent's from the request it belongs to or any request of the same
chat (matched by hash). What matches nothing (an anonymised request) is left empty.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from models.crypto import KeyRing
from models.migrations.row_updates import update_rows
from models.sealed import keys_of

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
_DIGEST = re.compile(r"[0-9a-f]{64}")
TABLES = ("request", "attachment", "consent_record", "staff_chat")
# The new sealed copies, table -> column; a seal is bound to "table.column".
COPIES = {"request": "reply_to", "staff_chat": "recipient"}


def _table(name: str) -> Any:
    columns: list[sa.ColumnClause[Any]] = [
        sa.column("id", sa.Integer()),
        sa.column("chat_id", sa.String()),
    ]
    if name in COPIES:
        columns.append(sa.column(COPIES[name], sa.Text()))
    if name in ("attachment", "consent_record"):
        columns.append(sa.column("channel", sa.String()))
        columns.append(sa.column("request_id", sa.Integer()))
    return sa.table(name, *columns)


def upgrade() -> None:
    connection = op.get_bind()
    # Plain ADD COLUMN, not batch mode (see downgrade).
    for name, copy in COPIES.items():
        op.add_column(name, sa.Column(copy, sa.Text(), nullable=False, server_default=""))
    for name in TABLES:

        def values(
            row: Any, keys: KeyRing, name: str = name, copy: str | None = COPIES.get(name)
        ) -> Any:
            hashed: dict[str, Any] = {"chat_id": keys.lookup(row.chat_id)}
            if copy is not None:
                hashed[copy] = keys.seal(row.chat_id, f"{name}.{copy}")
            return hashed

        _each_row(connection, _table(name), values)
    if connection.dialect.name == "postgresql":
        for name in TABLES:
            op.alter_column(name, "chat_id", type_=sa.String(length=64))


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        for name in TABLES:
            op.alter_column(name, "chat_id", type_=sa.String(length=128))
    # Every chat id a sealed copy still holds, by its hash and by request: what the photos
    # and consents had.
    by_hash: dict[str, str] = {}
    by_request: dict[int, str] = {}
    for name, copy in COPIES.items():

        def back(row: Any, keys: KeyRing, name: str = name, copy: str = copy) -> Any:
            sealed = getattr(row, copy)
            clear = keys.open(sealed, f"{name}.{copy}") if sealed else ""
            if clear:
                by_hash[keys.lookup(clear)] = clear
                if name == "request":
                    by_request[row.id] = clear
            return {"chat_id": clear}

        _each_row(connection, _table(name), back, hashed_only=False)

    def matched(row: Any, _keys: KeyRing) -> Any:
        return {"chat_id": by_request.get(row.request_id) or by_hash.get(row.chat_id, "")}

    for name in ("attachment", "consent_record"):
        _each_row(connection, _table(name), matched, hashed_only=False)
    # SQLite 3.35+ drops a column in place: batch mode would copy the request table and,
    # with foreign keys on, cascade the drop of the old one to its members (see 0021).
    for name, copy in COPIES.items():
        op.drop_column(name, copy)


def _each_row(
    connection: sa.Connection,
    table: Any,
    values: Callable[[Any, KeyRing], dict[str, Any]],
    *,
    hashed_only: bool = True,
) -> None:
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        keys = keys_of(connection.dialect)
        update_rows(
            connection,
            table,
            [
                {"id": row.id, **values(row, keys)}
                for row in rows
                # An empty chat id stays empty; one hashed already is left alone.
                if not (hashed_only and (not row.chat_id or _DIGEST.fullmatch(row.chat_id)))
            ],
        )
        last = rows[-1].id

"""Persistence: tables, repositories, migrations and conversation-state stores.

- `database`: `create_db_engine`, `upgrade_database`, `database_status`.
- `tables`: the SQLModel tables; `coltypes.UTCDateTime` keeps every datetime aware, in UTC.
- Repositories (take a Session, never commit): `requests`, `attachments`, `consent`,
  `dedup`, `lookups`; `tickets` for ticket numbers.
- `blobs`: photo storage (`FileBlobStore`); `conversation_store`: SQL or Redis state store.
- `migrations/`: Alembic scripts shipped inside the package (hand-written, reviewed).
"""

#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY database and photo store.
#   deploy/restore.sh BACKUP_DIR/dtsen-<time>
# Stop web and worker first; start them after (they upgrade the schema if the code is
# newer than the backup).
set -euo pipefail
from="${1:?usage: restore.sh BACKUP_DIR/dtsen-TIME}"
: "${DATABASE_URL:?set DATABASE_URL}"
: "${DATA_DIR:?set DATA_DIR}"
(cd "$from" && sha256sum --check --quiet SHA256SUMS)
if [ -n "$(ls -A "$DATA_DIR" 2>/dev/null)" ]; then
    echo "refusing: $DATA_DIR is not empty" >&2
    exit 1
fi
pg_restore --exit-on-error --no-owner --single-transaction \
    --dbname="${DATABASE_URL/postgresql+psycopg/postgresql}" "$from/database.dump"
mkdir -p "$DATA_DIR"
tar --extract --file="$from/photos.tar" --directory="$DATA_DIR"
echo "restored $from"

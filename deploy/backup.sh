#!/usr/bin/env bash
# Back up what dtsen-bot cannot rebuild: the PostgreSQL database and the photo store.
#   deploy/backup.sh BACKUP_DIR
# Needs DATABASE_URL (postgresql://...) and DATA_DIR (the photo store, as the app sees it)
# in the environment, and pg_dump of the server's major version. Writes
# BACKUP_DIR/dtsen-<UTC time>/{database.dump,photos.tar,SHA256SUMS}.
# Photos are stored as the app wrote them (encrypted at rest when that is configured):
# keep the key (SECRET_KEY / the data key) in a different place than these backups.
set -euo pipefail
target="${1:?usage: backup.sh BACKUP_DIR}"
: "${DATABASE_URL:?set DATABASE_URL}"
: "${DATA_DIR:?set DATA_DIR}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="$target/dtsen-$stamp"
mkdir -p "$out"
# pg_dump takes a consistent snapshot without stopping the service; custom format
# restores in parallel and table by table.
pg_dump --format=custom --no-owner --dbname="${DATABASE_URL/postgresql+psycopg/postgresql}" \
    --file="$out/database.dump"
# Photos are written once and never changed (content-addressed), so copying while the
# service runs is safe; a photo newer than the dump is harmless.
tar --create --file="$out/photos.tar" --directory="$DATA_DIR" .
(cd "$out" && sha256sum database.dump photos.tar > SHA256SUMS)
echo "$out"

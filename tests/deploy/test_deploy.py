"""deploy/: the manifests validate against the Kubernetes and Compose schemas (shipped in
the validators' packages, nothing fetched), and a backup restores into an empty database
and photo store with everything in it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, create_engine, select, text
from sqlmodel import Session

from models.database import normalise_url
from models.requests import create_request
from models.tables import Request
from tests.models.factories import NOW, fresh_nik, new_usulan

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
BIN = Path(sys.executable).parent


def run(*command: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_kubernetes_manifests_are_valid() -> None:
    manifests = sorted(str(p) for p in (DEPLOY / "k8s").glob("*.yaml"))
    out = run(str(BIN / "kubernetes-validate"), "--strict", *manifests)
    kinds = {
        line.split(" for resource ")[1].split("/")[0]
        for line in out.splitlines()
        if " for resource " in line
    }
    assert {"deployment", "horizontalpodautoscaler", "poddisruptionbudget"} <= kinds


def test_compose_file_is_valid() -> None:
    run(
        str(BIN / "check-jsonschema"),
        "--builtin-schema",
        "vendor.compose-spec",
        str(DEPLOY / "compose.yaml"),
    )


def test_a_backup_restores_the_database_and_the_photos_into_empty_ones(
    postgresql_engine: Engine, tmp_path: Path
) -> None:
    with Session(postgresql_engine) as session, session.begin():
        ticket = create_request(session, new_usulan(nik=fresh_nik()), now=NOW).ticket
    photos = tmp_path / "photos"
    (photos / "attachments" / "ab").mkdir(parents=True)
    (photos / "attachments" / "ab" / "abcd.bin").write_bytes(b"\x89PNG encrypted bytes")
    source = postgresql_engine.url.render_as_string(hide_password=False)
    made = run(
        str(DEPLOY / "backup.sh"),
        str(tmp_path / "backups"),
        env={"DATABASE_URL": source, "DATA_DIR": str(photos)},
    ).strip()

    admin = create_engine(normalise_url(source), isolation_level="AUTOCOMMIT")
    name = f"dtsen_restore_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    target = normalise_url(source).set(database=name)
    restored = tmp_path / "restored"
    try:
        run(
            str(DEPLOY / "restore.sh"),
            made,
            env={
                "DATABASE_URL": target.render_as_string(hide_password=False),
                "DATA_DIR": str(restored),
            },
        )
        engine = create_engine(target)
        with Session(engine) as session:
            assert session.execute(select(Request.ticket)).scalars().all() == [ticket]
            assert session.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    assert (restored / "attachments" / "ab" / "abcd.bin").read_bytes() == b"\x89PNG encrypted bytes"
    # Restoring over existing photos is refused: it never mixes two stores.
    again = subprocess.run(
        [str(DEPLOY / "restore.sh"), made],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DATABASE_URL": "postgresql://x@127.0.0.1/none",
            "DATA_DIR": str(restored),
        },
        check=False,
    )
    assert again.returncode == 1 and "not empty" in again.stderr

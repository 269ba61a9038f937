"""Migration 0005 repairs rows stored before the edge cleaned text (SQLite and PostgreSQL)."""

from __future__ import annotations

import io

from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import Session, select

import models.database as database
from models.database import upgrade_database
from models.requests import create_request
from models.tables import Conversation, HouseholdMember, Request
from staff.bnba import BnbaSelection, write_bnba
from tests.models.factories import NOW, new_usulan

# As the old code stored it: the JSON text holds the escape, the text column a control char.
BROKEN_ANSWERS = '{"street": "Jl. Mawar\\u0000 No. 1", "dusun": "Krajan\\u0000", "rt": "003"}'


def test_rows_with_nul_and_control_characters_are_repaired_and_exports_work_again(
    db_engine: Engine,
) -> None:
    config = database._alembic_config()
    with db_engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
    try:
        with Session(db_engine) as session, session.begin():
            request = create_request(session, new_usulan(name="Siti"), now=NOW)
            session.add(Conversation(key="telegram:1", data={"a": "b"}, updated_at=NOW))
            request_id = request.id
        json_type = "JSON" if db_engine.dialect.name == "postgresql" else "TEXT"
        with db_engine.begin() as conn:
            conn.execute(
                text(
                    f"UPDATE request SET answers = CAST(:a AS {json_type}), name = :n WHERE id = :i"
                ),
                {"a": BROKEN_ANSWERS, "n": "Siti\x01 Aminah\u202e", "i": request_id},
            )
            conn.execute(
                text(f"UPDATE conversation SET data = CAST(:d AS {json_type})"),
                {"d": '{"answers": {"street": "x\\u0000y"}}'},
            )
            conn.execute(text("UPDATE household_member SET name = :n"), {"n": "Bu\x07di"})
    finally:
        upgrade_database(db_engine)

    out = io.BytesIO()
    assert write_bnba(db_engine, BnbaSelection("32.04"), out, "csv") == 3
    with Session(db_engine) as session:
        request = session.exec(select(Request)).one()
        assert request.answers == {"street": "Jl. Mawar No. 1", "dusun": "Krajan", "rt": "003"}
        assert request.name == "Siti Aminah"
        assert {m.name for m in session.exec(select(HouseholdMember))} == {"Budi"}
        assert session.exec(select(Conversation)).one().data == {"answers": {"street": "xy"}}

"""Migrations that repair data stored by older code (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import timedelta

from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

import models.database as database
from models.database import upgrade_database
from models.requests import create_request
from models.tables import Conversation, HouseholdMember, Request, StatusChange
from staff.bnba import BnbaSelection, write_bnba
from tests.models.factories import NIK_B, NOW, new_usulan

# As the old code stored it: the JSON text holds the escape, the text column a control char.
BROKEN_ANSWERS = '{"street": "Jl. Mawar\\u0000 No. 1", "dusun": "Krajan\\u0000", "rt": "003"}'


def downgrade_to(engine: Engine, revision: str) -> None:
    config = database._alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_rows_with_nul_and_control_characters_are_repaired_and_exports_work_again(
    db_engine: Engine,
) -> None:
    downgrade_to(db_engine, "0004")
    try:
        with Session(db_engine) as session, session.begin():
            request = create_request(session, new_usulan(name="Siti", members=[]), now=NOW)
            session.add(Conversation(key="telegram:1", data={"a": "b"}, updated_at=NOW))
            request_id = request.id
        with db_engine.begin() as conn:  # members as that schema held them (no sex column yet)
            for position, (nik, name) in enumerate(((NIK_B, "Budi"), (None, "Ani"))):
                conn.execute(
                    text(
                        "INSERT INTO household_member (request_id, position, nik, name, "
                        "relationship) VALUES (:r, :p, :k, :n, 'anak')"
                    ),
                    {"r": request_id, "p": position, "k": nik, "n": name},
                )
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
            conn.execute(
                text("UPDATE household_member SET name = :n WHERE nik IS NOT NULL"),
                {"n": "Bu\x07di"},
            )
    finally:
        upgrade_database(db_engine)

    out = io.BytesIO()
    assert write_bnba(db_engine, BnbaSelection("32.04"), out, "csv") == 3
    with Session(db_engine) as session:
        request = session.exec(select(Request)).one()
        assert request.answers == {"street": "Jl. Mawar No. 1", "dusun": "Krajan", "rt": "003"}
        assert request.name == "Siti Aminah"
        assert {m.name for m in session.exec(select(HouseholdMember))} == {"Budi", "Ani"}
        assert session.exec(select(Conversation)).one().data == {"answers": {"street": "xy"}}


def test_duplicate_open_usulan_filed_before_the_index_are_closed_but_the_first(
    db_engine: Engine,
) -> None:
    downgrade_to(db_engine, "0005")
    try:
        with Session(db_engine) as session, session.begin():
            tickets = [
                create_request(
                    session, new_usulan(chat_id=chat, members=[]), now=NOW + timedelta(minutes=i)
                ).ticket
                for i, chat in enumerate(("first", "second", "third"))
            ]
            create_request(session, new_usulan(nik=NIK_B, members=[]), now=NOW)
    finally:
        upgrade_database(db_engine)

    with Session(db_engine) as session:
        requests = {r.ticket: r for r in session.exec(select(Request))}
        first, *later = (requests[t] for t in tickets)
        assert first.closed_at is None and first.flags == []
        for request in later:
            assert request.closed_at is not None and request.flags == ["duplicate_nik"]
            assert request.status == "diterima"
            note = session.exec(
                select(StatusChange.note)
                .where(StatusChange.request_id == request.id)
                .order_by(col(StatusChange.id).desc())
            ).first()
            assert note is not None and first.ticket in note
        assert sum(r.closed_at is None for r in requests.values()) == 2  # NIK_B's stays open

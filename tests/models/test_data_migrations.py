"""Migrations that repair data stored by older code (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import secrets
from datetime import datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

import models.database as database
from models.database import upgrade_database
from models.requests import (
    NikHasOpenUsulan,
    change_status,
    create_request,
    find_members_in_open_usulan,
    find_open_usulan_by_nik,
)
from models.tables import Conversation, HouseholdMember, Request, StatusChange
from staff.bnba import BnbaSelection, write_bnba
from tests.models.factories import KK_A, NIK_A, NIK_B, NOW, new_usulan

# As the old code stored it: the JSON text holds the escape, the text column a control char.
BROKEN_ANSWERS = '{"street": "Jl. Mawar\\u0000 No. 1", "dusun": "Krajan\\u0000", "rt": "003"}'


def downgrade_to(engine: Engine, revision: str) -> None:
    config = database._alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def old_usulan(
    engine: Engine,
    *,
    nik: str = NIK_A,
    chat_id: str = "1001",
    created_at: datetime = NOW,
    members: bool = True,
) -> tuple[int, str]:
    """An usulan as code before the sealing (0013) stored it, in clear: (id, ticket)."""
    ticket = f"U{secrets.token_hex(3).upper()}"
    with engine.begin() as conn:
        request_id = conn.execute(
            text(
                "INSERT INTO request (ticket, kind, subtype, status, channel, chat_id,"
                " village_code, nik, kk, name, answers, flags, language, created_at, updated_at)"
                " VALUES (:t, 'usulan', 'family', 'diterima', 'telegram', :c, '32.04.01.2001',"
                " :nik, :kk, 'Siti Aminah', :a, '[]', 'id', :at, :at) RETURNING id"
            ),
            {
                "t": ticket,
                "c": chat_id,
                "nik": nik,
                "kk": KK_A,
                "a": '{"rt": "003"}',
                "at": created_at.replace(tzinfo=None),
            },
        ).scalar_one()
        if members:
            conn.execute(
                text(
                    "INSERT INTO household_member (request_id, position, nik, name, relationship)"
                    " VALUES (:r, 1, :nik, 'Budi Santoso', 'suami'), (:r, 2, NULL, 'Ani', 'anak')"
                ),
                {"r": request_id, "nik": NIK_B},
            )
    return request_id, ticket


def test_rows_with_nul_and_control_characters_are_repaired_and_exports_work_again(
    db_engine: Engine,
) -> None:
    downgrade_to(db_engine, "0004")
    try:
        request_id, _ = old_usulan(db_engine)
        with Session(db_engine) as session, session.begin():
            session.add(Conversation(key="telegram:1", data={"a": "b"}, updated_at=NOW))
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
        tickets = [
            old_usulan(db_engine, chat_id=chat, created_at=NOW + timedelta(minutes=i))[1]
            for i, chat in enumerate(("first", "second", "third"))
        ]
        old_usulan(db_engine, nik=NIK_B, members=False)
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


def test_personal_data_filed_in_clear_is_sealed_and_still_found_by_nik(db_engine: Engine) -> None:
    downgrade_to(db_engine, "0012")
    try:
        old_usulan(db_engine)
    finally:
        upgrade_database(db_engine)

    with db_engine.connect() as conn:
        raw = [
            str(row)
            for t in ("request", "household_member")
            for row in conn.execute(text(f"SELECT * FROM {t}"))
        ]
    for secret in (NIK_A, NIK_B, KK_A, "Siti", "Budi"):
        assert not any(secret in row for row in raw), secret
    with Session(db_engine) as session:
        found = find_open_usulan_by_nik(session, NIK_A)
        assert found is not None and (found.nik, found.kk, found.name) == (
            NIK_A,
            KK_A,
            "Siti Aminah",
        )
        assert found.answers == {"rt": "003"}
        assert find_members_in_open_usulan(session, [NIK_B]) == {NIK_B: found.ticket}
        # The index moved with the NIK: a second open usulan for it is still refused.
        with pytest.raises(NikHasOpenUsulan):
            create_request(session, new_usulan(chat_id="other"), now=NOW)


def test_the_erasure_columns_come_and_go_without_touching_a_requests_other_rows(
    db_engine: Engine,
) -> None:
    """Migration 0021 adds two columns to `request` in place: on SQLite a copied table would
    cascade its drop to every member, status change and agenda item."""
    with Session(db_engine) as session, session.begin():
        request = create_request(session, new_usulan(), now=NOW)
        change_status(session, request, "diverifikasi", actor="staff:1", at=NOW)
        request.erasure_requested_at = NOW
    downgrade_to(db_engine, "0020")
    upgrade_database(db_engine)
    with Session(db_engine) as session:
        assert len(session.exec(select(HouseholdMember)).all()) == 2
        assert len(session.exec(select(StatusChange)).all()) == 2
        assert session.exec(select(Request)).one().erasure_requested_at is None  # dropped

"""A request proposing a household is found by the household's own phone number: set when
filed, filled in by migration 0026 for proposals filed before it, and gone when the
request is anonymised (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, select

from models.blobs import FileBlobStore
from models.database import upgrade_database
from models.requests import NewProposer, create_request, list_requests_for_household
from models.retention import anonymise
from models.tables import Request
from tests.conftest import TEST_KEYS
from tests.models.factories import NIK_C, NOW, fresh_nik, new_usulan
from tests.models.test_data_migrations import downgrade_to

HOUSEHOLD = "6281234567890"


def _file_both(engine: Engine) -> tuple[str, str]:
    """An RT head's proposal giving the household's phone, and an usulan for oneself."""
    with Session(engine) as session, session.begin():
        proposal = create_request(
            session,
            new_usulan(
                subtype="rt_rw",
                chat_id="6281211112222",
                nik=fresh_nik(),
                answers={"rt": "003", "household_phone": "+" + HOUSEHOLD},
                proposer=NewProposer("rt_rw", NIK_C, "Ahmad Fauzi", "+6281211112222"),
            ),
            now=NOW,
        )
        own = create_request(
            session,
            new_usulan(chat_id=HOUSEHOLD, nik=fresh_nik(), answers={"phone": "+" + HOUSEHOLD}),
            now=NOW,
        )
        return proposal.ticket, own.ticket


def _found(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [r.ticket for r in list_requests_for_household(session, HOUSEHOLD)]


def test_a_proposal_is_found_by_the_households_number_and_nothing_else(
    db_engine: Engine,
) -> None:
    proposal, _own = _file_both(db_engine)
    assert _found(db_engine) == [proposal]  # not the usulan this number filed itself
    with db_engine.connect() as conn:
        stored = conn.execute(text("SELECT household_lookup FROM request")).scalars().all()
    assert HOUSEHOLD not in str(stored)  # a keyed hash, never the number


def test_the_migration_fills_in_proposals_filed_before_it(db_engine: Engine) -> None:
    proposal, _own = _file_both(db_engine)
    downgrade_to(db_engine, "0025")
    try:
        with db_engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("request")}
        assert "household_lookup" not in columns
    finally:
        upgrade_database(db_engine)
    assert _found(db_engine) == [proposal]


def test_an_anonymised_request_is_no_longer_found_by_the_number(
    db_engine: Engine, tmp_path: Path
) -> None:
    proposal, _own = _file_both(db_engine)
    with Session(db_engine) as session, session.begin():
        request = session.exec(select(Request).where(Request.ticket == proposal)).one()
        anonymise(session, FileBlobStore(tmp_path, TEST_KEYS), request)
    assert _found(db_engine) == []

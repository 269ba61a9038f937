"""A household member's birth date and disability are sealed at rest (issue 9, item 3), on
SQLite and PostgreSQL: the database holds neither in clear, the app reads them back as
the citizen gave them (a date, yes/no, or nothing), SQL cannot filter or sort on them,
and rows written before are sealed by the migration (0023) and put back by its downgrade."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from models.database import upgrade_database
from models.requests import NewMember, create_request, members_of
from models.sealed import SealedComparisonError
from models.tables import HouseholdMember
from tests.models.factories import NOW, new_usulan
from tests.models.test_data_migrations import downgrade_to

WIFE_BORN = date(1992, 3, 14)
CHILD_BORN = date(2015, 11, 2)


def raw_members(engine: Engine) -> list[tuple[Any, Any]]:
    """(birth_date, disability) as the database holds them, by position."""
    with engine.connect() as conn:
        return [
            (row.birth_date, row.disability)
            for row in conn.execute(
                text("SELECT birth_date, disability FROM household_member ORDER BY position")
            )
        ]


def read_back(engine: Engine) -> list[tuple[date | None, bool | None]]:
    with Session(engine) as session:
        members = session.exec(select(HouseholdMember).order_by(col(HouseholdMember.position)))
        return [(m.birth_date, m.disability) for m in members]


def assert_sealed(engine: Engine) -> None:
    for born, disabled in raw_members(engine):
        for value in (born, disabled):
            assert value is None or (isinstance(value, str) and value.startswith("v2:"))
    with engine.connect() as conn:
        dumped = str(conn.execute(text("SELECT * FROM household_member")).all())
    for clear in ("1992-03-14", "2015-11-02", "1992, 3, 14", "True", "False"):
        assert clear not in dumped


def test_a_members_birth_date_and_disability_are_sealed_and_read_back(
    db_engine: Engine,
) -> None:
    members = [
        NewMember(
            nik=None, name="Sri", relationship="istri", birth_date=WIFE_BORN, disability=True
        ),
        NewMember(
            nik=None, name="Rina", relationship="anak", birth_date=CHILD_BORN, disability=False
        ),
        NewMember(nik=None, name="Ani", relationship="anak"),  # neither given
    ]
    with Session(db_engine) as session, session.begin():
        request_id = create_request(session, new_usulan(members=members), now=NOW).id
    assert_sealed(db_engine)
    assert raw_members(db_engine)[2] == (None, None)
    assert read_back(db_engine) == [(WIFE_BORN, True), (CHILD_BORN, False), (None, None)]
    with Session(db_engine) as session:
        assert request_id is not None
        wife = members_of(session, request_id)[0]
        assert isinstance(wife.birth_date, date) and wife.disability is True


def test_sql_cannot_filter_or_sort_on_them_but_may_ask_for_null(db_engine: Engine) -> None:
    # Each seal has a fresh nonce: `disability == True` or a date range would silently
    # find nothing, and ORDER BY would follow the ciphertexts.
    for attempt in (
        lambda: HouseholdMember.birth_date == WIFE_BORN,
        lambda: col(HouseholdMember.birth_date) < date(2000, 1, 1),
        lambda: col(HouseholdMember.birth_date).between(date(1990, 1, 1), date(2000, 1, 1)),
        lambda: col(HouseholdMember.birth_date).desc(),
        lambda: HouseholdMember.disability == True,  # noqa: E712
        lambda: col(HouseholdMember.disability).is_(True),
        lambda: col(HouseholdMember.disability).is_not(False),
    ):
        with pytest.raises(SealedComparisonError, match="compare or sort them in Python"):
            attempt()
    with Session(db_engine) as session:
        session.exec(
            select(HouseholdMember).where(
                col(HouseholdMember.birth_date).is_(None),
                HouseholdMember.disability != None,  # noqa: E711
            )
        ).all()


def test_birth_dates_and_disability_stored_in_clear_are_sealed_by_the_migration(
    db_engine: Engine,
) -> None:
    members = [
        NewMember(nik=None, name="Sri", relationship="istri"),
        NewMember(nik=None, name="Rina", relationship="anak"),
        NewMember(nik=None, name="Ani", relationship="anak"),
    ]
    with Session(db_engine) as session, session.begin():
        create_request(session, new_usulan(members=members), now=NOW)
    downgrade_to(db_engine, "0022")
    try:
        with db_engine.begin() as conn:
            for position, born, disabled in ((1, "1992-03-14", True), (2, "2015-11-02", False)):
                conn.execute(
                    text(
                        "UPDATE household_member SET birth_date = :born, disability = :disabled"
                        " WHERE position = :position"
                    ),
                    {"born": born, "disabled": disabled, "position": position},
                )
        before = [
            (str(b) if b else None, d if d is None else bool(d)) for b, d in raw_members(db_engine)
        ]
        assert before == [("1992-03-14", True), ("2015-11-02", False), (None, None)]
    finally:
        upgrade_database(db_engine)
    assert_sealed(db_engine)
    assert read_back(db_engine) == [(WIFE_BORN, True), (CHILD_BORN, False), (None, None)]

    downgrade_to(db_engine, "0022")
    try:
        after = [
            (str(b) if b else None, d if d is None else bool(d)) for b, d in raw_members(db_engine)
        ]
        assert after == before
        with db_engine.connect() as conn:
            # Back in the column types they had: SQL compares them again.
            found = conn.execute(
                text("SELECT position FROM household_member WHERE disability = :yes"),
                {"yes": True},
            ).all()
            assert [row.position for row in found] == [1]
    finally:
        upgrade_database(db_engine)
    assert read_back(db_engine) == [(WIFE_BORN, True), (CHILD_BORN, False), (None, None)]

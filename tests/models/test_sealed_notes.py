"""Staff notes on requests and a member's sex and occupation are sealed at rest (issue 9,
item 3), on SQLite and PostgreSQL: the database holds none of them in clear, staff and
the citizen read them as written, and rows written before are sealed by the migration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from models.database import upgrade_database
from models.requests import NewMember, change_status, create_request
from models.tables import HouseholdMember, Musyawarah, MusyawarahItem, StatusChange
from tests.models.factories import NOW, new_usulan
from tests.models.test_data_migrations import downgrade_to

NOTE = "Rumah Bu Siti Aminah sudah direnovasi anaknya"
REASON = "Keluarga Budi punya usaha toko"


def stored(engine: Engine, table: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text(f"SELECT * FROM {table}")).all())


def test_a_staff_note_a_meeting_reason_and_a_members_details_are_sealed(
    db_engine: Engine,
) -> None:
    with Session(db_engine) as session, session.begin():
        member = NewMember(
            nik=None, name="Rina", relationship="anak", sex="P", occupation="Pedagang keliling"
        )
        request = create_request(session, new_usulan(members=[member]), now=NOW)
        change_status(session, request, "diverifikasi", actor="staff:1", at=NOW, note=NOTE)
        meeting = Musyawarah(
            village_code="32.04.01.2001", held_on=NOW, place="Balai desa", created_at=NOW
        )
        session.add(meeting)
        session.flush()
        assert meeting.id is not None and request.id is not None
        session.add(
            MusyawarahItem(
                musyawarah_id=meeting.id,
                request_id=request.id,
                position=1,
                decision="tidak_layak",
                note=REASON,
            )
        )
    for table in ("status_change", "musyawarah_item", "household_member"):
        at_rest = stored(db_engine, table)
        assert "v2:" in at_rest
        for clear in (NOTE, REASON, "Pedagang", "Siti Aminah", "'P'"):
            assert clear not in at_rest, f"{clear!r} in clear in {table}"
    with Session(db_engine) as session:
        notes = session.exec(select(StatusChange.note).order_by(col(StatusChange.id))).all()
        assert notes[-1] == NOTE
        assert session.exec(select(MusyawarahItem)).one().note == REASON
        rina = session.exec(select(HouseholdMember)).one()
        assert (rina.sex, rina.occupation) == ("P", "Pedagang keliling")


def test_notes_and_member_details_stored_in_clear_are_sealed_by_the_migration(
    db_engine: Engine,
) -> None:
    with Session(db_engine) as session, session.begin():
        request_id = create_request(session, new_usulan(), now=NOW).id
    downgrade_to(db_engine, "0015")
    try:
        with db_engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO status_change (request_id, at, actor, from_status, to_status,"
                    " note) VALUES (:r, :at, 'staff:1', 'diterima', 'ditolak', :n)"
                ),
                {"r": request_id, "at": datetime(2026, 12, 1), "n": NOTE},
            )
            conn.execute(
                text(
                    "UPDATE household_member SET sex = 'L', occupation = 'Buruh tani'"
                    " WHERE position = 1"
                )
            )
    finally:
        upgrade_database(db_engine)
    assert NOTE not in stored(db_engine, "status_change")
    assert "Buruh tani" not in stored(db_engine, "household_member")
    with Session(db_engine) as session:
        notes = [c.note for c in session.exec(select(StatusChange))]
        assert NOTE in notes
        members = session.exec(select(HouseholdMember).order_by(col(HouseholdMember.position)))
        assert [(m.sex, m.occupation) for m in members] == [("L", "Buruh tani"), (None, None)]

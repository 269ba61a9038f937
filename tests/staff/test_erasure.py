"""Who erases a filed request at its citizen's asking (staff/erasure.py): the check is in
`erase_as_asked` itself, not only on the dashboard's route or button."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from models.blobs import FileBlobStore
from models.erasure import ask_erasure
from models.staff import refused_attempts
from models.tables import Request, StaffAccount
from staff.erasure import ERASER_ROLES, erase_as_asked, waiting_for
from staff.review import AccessRefused
from tests.conftest import TEST_KEYS
from tests.models.factories import NOW
from tests.staff.test_review import VILLAGES, file_request, load, make_staff, staff_team

VILLAGE = VILLAGES["national"]


def _asked(engine: Engine, chat_id: str) -> int:
    request_id = file_request(engine, VILLAGE, chat_id=chat_id)
    with Session(engine) as session, session.begin():
        ask_erasure(session, "telegram", chat_id, at=NOW, withdrawn_flag="consent_withdrawn")
    return request_id


def _erase(engine: Engine, tmp_path: Path, request_id: int, staff_id: int) -> None:
    blobs = FileBlobStore(tmp_path / "attachments", TEST_KEYS)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        request = session.get(Request, request_id)
        staff = session.get(StaffAccount, staff_id)
        assert request is not None and staff is not None
        erase_as_asked(session, blobs, request, staff=staff, at=NOW)


def test_only_the_data_keepers_erase_and_a_refused_role_is_logged(
    db_engine: Engine, tmp_path: Path
) -> None:
    team = staff_team(db_engine, VILLAGE)  # one account per role, each covering the village
    team["pendamping_pkh"] = make_staff(db_engine, "pendamping_pkh", [VILLAGE[:8]])
    not_erasers = {"tksk", "kecamatan", "pendamping_pkh"}
    assert set(team) - ERASER_ROLES == not_erasers
    request_id = _asked(db_engine, "citizen-1")
    for role in sorted(not_erasers):
        with Session(db_engine) as session:
            staff = session.get(StaffAccount, team[role])
            assert staff is not None and waiting_for(session, staff) == []
        with pytest.raises(AccessRefused) as refused:
            _erase(db_engine, tmp_path, request_id, team[role])
        assert refused.value.reason == "role"
        with Session(db_engine) as session:  # kept although the transaction rolled back
            [attempt] = refused_attempts(session, team[role])
            assert (attempt.action, attempt.detail) == ("erase", f"role: {role} does not erase")
        assert load(db_engine, request_id).erased_at is None

    for role in sorted(ERASER_ROLES - {"admin"}):
        with Session(db_engine) as session:
            staff = session.get(StaffAccount, team[role])
            assert staff is not None
            assert [r.id for r in waiting_for(session, staff)] == [request_id]
    _erase(db_engine, tmp_path, request_id, team["siks_operator"])
    assert load(db_engine, request_id).erased_at is not None

"""Moving a request on: recorded with who, when, from and to; a final status frees the NIK."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from models.requests import change_status, find_open_usulan_by_nik, status_history
from tests.models.factories import new_usulan

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def test_each_move_is_recorded_and_a_final_one_closes_the_request(db_engine: Engine) -> None:
    from models.requests import create_request

    with Session(db_engine) as session, session.begin():
        request = create_request(session, new_usulan(), now=NOW)
        change_status(session, request, "musyawarah", actor="staff:7", at=NOW)
        change_status(
            session,
            request,
            "tidak_layak",
            actor="staff:7",
            at=NOW + timedelta(days=9),
            note="Sudah mampu",
            final=True,
        )
        assert request.id is not None
        history = status_history(session, request.id)
        assert [(h.from_status, h.to_status) for h in history] == [
            (None, "diterima"),
            ("diterima", "musyawarah"),
            ("musyawarah", "tidak_layak"),
        ]
        assert history[-1].note == "Sudah mampu" and history[-1].actor == "staff:7"
        assert find_open_usulan_by_nik(session, request.nik) is None

"""The unit of work decides commit and rollback for a dashboard request, on SQLite and
PostgreSQL: what a finished request wrote is there, what a failed one wrote is not."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.staff import log_access
from models.tables import AccessLog
from models.unit_of_work import UnitOfWork
from tests.models.factories import NOW


def _write(session: Session, target: str) -> None:
    log_access(session, staff_id=None, action="view", target=target, allowed=True, at=NOW)


def _targets(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(row.target for row in session.exec(select(AccessLog)))


def test_a_request_that_returned_keeps_what_it_wrote(db_engine: Engine) -> None:
    work = UnitOfWork(db_engine)
    _write(work.session, "request:A")
    work.finish(succeeded=True)
    assert _targets(db_engine) == ["request:A"]


def test_a_request_that_raised_leaves_nothing(db_engine: Engine) -> None:
    work = UnitOfWork(db_engine)
    _write(work.session, "request:A")
    work.finish(succeeded=False)
    assert _targets(db_engine) == []


def test_a_refused_attempt_is_undone_and_the_request_goes_on(db_engine: Engine) -> None:
    work = UnitOfWork(db_engine)
    with pytest.raises(PermissionError), work.attempt():
        _write(work.session, "request:half-done")
        raise PermissionError("refused after writing")
    _write(work.session, "request:explained")
    work.finish(succeeded=True)
    assert _targets(db_engine) == ["request:explained"]


def test_released_work_is_kept_and_others_may_write_at_once(db_engine: Engine) -> None:
    work = UnitOfWork(db_engine)
    _write(work.session, "request:A")
    work.release()
    # An export writes its log on a connection of its own (SQLite: the one write lock).
    with Session(db_engine) as other, other.begin():
        _write(other, "export:B")
    work.finish(succeeded=False)  # nothing left to undo
    assert _targets(db_engine) == ["export:B", "request:A"]

"""One piece of work's transaction, decided in one place: committed when the work returns,
undone when it raises.

The dashboard gives each request one (`webhook.staff.deps`): route handlers read and write
through `work.session` and never commit or roll back themselves. A step that may be refused
after writing runs inside `attempt()`, so the page that explains the refusal is drawn from
the database as it was before. Refused accesses survive every rollback
(`staff.review.log_refusal`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session = Session(engine)
        self._open = True

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """All or nothing: when the block raises, what the whole unit wrote so far is undone
        (then the exception goes on, for the caller to explain)."""
        try:
            yield
        except BaseException:
            self.session.rollback()
            raise

    def release(self) -> None:
        """Keep what was written and end the transaction now: the rest of the work runs on
        connections of its own (on SQLite this session would hold the one write lock).
        Rows loaded so far must not be touched afterwards."""
        if self._open:
            self._open = False
            try:
                self.session.commit()
            finally:
                self.session.close()

    def finish(self, *, succeeded: bool) -> None:
        """Commit (the work returned) or roll back (it raised), then close."""
        if not self._open:
            return
        self._open = False
        try:
            if succeeded:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()

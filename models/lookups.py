"""Status look-up attempts per chat, to slow down anyone guessing tickets."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, delete, func, select

from models.tables import LookupAttempt


def record_lookup_attempt(
    session: Session, chat_key: str, *, succeeded: bool, at: datetime
) -> LookupAttempt:
    attempt = LookupAttempt(chat_key=chat_key, at=at, succeeded=succeeded)
    session.add(attempt)
    return attempt


def failed_lookups_since(session: Session, chat_key: str, since: datetime) -> int:
    statement = (
        select(func.count())
        .select_from(LookupAttempt)
        .where(
            LookupAttempt.chat_key == chat_key,
            col(LookupAttempt.succeeded).is_(False),
            col(LookupAttempt.at) >= since,
        )
    )
    return session.exec(statement).one()


def purge_lookup_attempts(session: Session, *, before: datetime) -> int:
    """Drop attempts older than any rate-limit window; returns the number removed."""
    return session.exec(delete(LookupAttempt).where(col(LookupAttempt.at) < before)).rowcount

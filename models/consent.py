"""Consent records (UU 27/2022): given per purpose, provable, withdrawable.

Withdrawing stops processing; the records themselves stay as proof of what was agreed when.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from models.tables import ConsentRecord


def consents_for_chat(session: Session, channel: str, chat_id: str) -> list[ConsentRecord]:
    """Every consent given in a chat, oldest first, withdrawn ones included."""
    statement = (
        select(ConsentRecord)
        .where(ConsentRecord.channel == channel, ConsentRecord.chat_id == chat_id)
        .order_by(col(ConsentRecord.given_at), col(ConsentRecord.id))
    )
    return list(session.exec(statement))


def withdraw_consents(
    session: Session, channel: str, chat_id: str, *, at: datetime, purpose: str | None = None
) -> int:
    """Mark the chat's active consents (optionally of one purpose) withdrawn at `at`;
    returns how many. Already withdrawn ones keep their original time."""
    statement = select(ConsentRecord).where(
        ConsentRecord.channel == channel,
        ConsentRecord.chat_id == chat_id,
        col(ConsentRecord.withdrawn_at).is_(None),
    )
    if purpose is not None:
        statement = statement.where(ConsentRecord.purpose == purpose)
    records = list(session.exec(statement))
    for record in records:
        record.withdrawn_at = at
        session.add(record)
    session.flush()
    return len(records)

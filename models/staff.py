"""Staff accounts, their areas and linked chats, and the access log.

Plain functions over a caller's session (no commits): the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from models.tables import STAFF_ROLES, AccessLog, StaffAccount, StaffArea, StaffChat


class StaffError(ValueError):
    pass


def add_staff(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: str,
    areas: Iterable[str],
    at: datetime,
    password_hash: str | None = None,
) -> StaffAccount:
    if role not in STAFF_ROLES:
        raise StaffError(f"unknown role {role!r} (one of {', '.join(STAFF_ROLES)})")
    if get_staff(session, username) is not None:
        raise StaffError(f"username {username!r} is taken")
    account = StaffAccount(
        username=username,
        display_name=display_name,
        role=role,
        password_hash=password_hash,
        created_at=at,
    )
    session.add(account)
    session.flush()
    assert account.id is not None
    for area in sorted(set(areas)):
        session.add(StaffArea(staff_id=account.id, area_code=area))
    session.flush()
    return account


def get_staff(session: Session, username: str) -> StaffAccount | None:
    return session.exec(select(StaffAccount).where(StaffAccount.username == username)).first()


def list_staff(session: Session) -> list[StaffAccount]:
    return list(session.exec(select(StaffAccount).order_by(col(StaffAccount.username))))


def staff_areas(session: Session, staff_id: int) -> list[str]:
    rows = session.exec(
        select(StaffArea.area_code)
        .where(StaffArea.staff_id == staff_id)
        .order_by(col(StaffArea.area_code))
    )
    return list(rows)


def disable_staff(session: Session, username: str, *, at: datetime) -> StaffAccount:
    account = get_staff(session, username)
    if account is None:
        raise StaffError(f"no staff member {username!r}")
    account.disabled_at = account.disabled_at or at
    session.add(account)
    session.flush()
    return account


def link_chat(
    session: Session, staff_id: int, channel: str, chat_id: str, *, at: datetime
) -> StaffChat:
    """Recognise this chat as the staff member's (one staff member per chat)."""
    existing = session.exec(
        select(StaffChat).where(StaffChat.channel == channel, StaffChat.chat_id == chat_id)
    ).first()
    link = existing or StaffChat(
        staff_id=staff_id, channel=channel, chat_id=chat_id, recipient=chat_id, linked_at=at
    )
    link.staff_id, link.linked_at = staff_id, at
    session.add(link)
    session.flush()
    return link


def staff_for_chat(session: Session, channel: str, chat_id: str) -> StaffAccount | None:
    """The active staff member behind a chat, if any."""
    return session.exec(
        select(StaffAccount)
        .join(StaffChat, col(StaffChat.staff_id) == col(StaffAccount.id))
        .where(
            StaffChat.channel == channel,
            StaffChat.chat_id == chat_id,
            col(StaffAccount.disabled_at).is_(None),
        )
    ).first()


def log_access(
    session: Session,
    *,
    staff_id: int | None,
    action: str,
    target: str,
    allowed: bool,
    at: datetime,
    detail: str | None = None,
) -> None:
    session.add(
        AccessLog(
            staff_id=staff_id,
            action=action[:64],
            target=target[:128],
            allowed=allowed,
            at=at,
            detail=detail[:255] if detail else None,
        )
    )
    session.flush()


def refused_attempts(session: Session, staff_id: int) -> list[AccessLog]:
    return list(
        session.exec(
            select(AccessLog)
            .where(AccessLog.staff_id == staff_id, col(AccessLog.allowed).is_(False))
            .order_by(col(AccessLog.at))
        )
    )

"""Signing staff in, apart from the web: which usernames are blocked after failed logins,
what every attempt leaves in the access log, and sending a one-time login link to the
chats a staff member linked.

The log is the memory: failed logins (action "login", not allowed) count against the
username; a success starts the count again; links sent are counted per username too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from sqlmodel import Session, col, select

from models.staff import get_staff, log_access
from models.tables import AccessLog, StaffAccount, StaffChat
from staff.outbox import enqueue

LOGIN_FAILURES: Final = 10  # this many failures within LOGIN_WINDOW block the username
LOGIN_WINDOW: Final = timedelta(minutes=15)  # ... for this long after the last of them
LINKS_PER_WINDOW: Final = 5  # one-time links sent per username within LOGIN_WINDOW
BLOCKED: Final = "blocked"
WRONG: Final = "wrong username or password"


def login_blocked(session: Session, username: str, now: datetime) -> bool:
    """Were there LOGIN_FAILURES failed logins for this username within LOGIN_WINDOW, the
    last of them less than LOGIN_WINDOW ago? (Failures before a success do not count.)"""
    rows = session.exec(
        select(AccessLog.at, AccessLog.allowed, AccessLog.detail)
        .where(
            AccessLog.action == "login",
            AccessLog.target == username[:128],
            col(AccessLog.at) >= now - 2 * LOGIN_WINDOW,
        )
        .order_by(col(AccessLog.at), col(AccessLog.id))
    )
    failures: list[datetime] = []
    for at, allowed, detail in rows:
        if allowed:
            failures = []
        elif detail != BLOCKED:
            failures.append(at)
    for last in range(LOGIN_FAILURES - 1, len(failures)):
        first = failures[last - LOGIN_FAILURES + 1]
        if failures[last] - first <= LOGIN_WINDOW and now < failures[last] + LOGIN_WINDOW:
            return True
    return False


def refuse_login(session: Session, username: str, *, blocked: bool, at: datetime) -> None:
    """Log a refused login: a wrong password counts towards the block, a blocked one not."""
    log_access(
        session,
        staff_id=None,
        action="login",
        target=username,
        allowed=False,
        at=at,
        detail=BLOCKED if blocked else WRONG,
    )


def accept_login(
    session: Session,
    account: StaffAccount,
    *,
    username: str,
    at: datetime,
    detail: str | None = None,
) -> None:
    log_access(
        session,
        staff_id=account.id,
        action="login",
        target=username,
        allowed=True,
        at=at,
        detail=detail,
    )


def send_login_link(
    session: Session, username: str, *, link_for: Callable[[StaffAccount], str], at: datetime
) -> int:
    """Queue a one-time link (`link_for(account)`) to each chat the active staff member
    linked, at most LINKS_PER_WINDOW per LOGIN_WINDOW; returns to how many chats.

    Whoever asks learns nothing from it: the caller answers the same whatever this did.
    """
    account = get_staff(session, username) if username else None
    if account is None or account.disabled_at is not None or account.id is None:
        return 0
    recent = session.exec(
        select(AccessLog.id).where(
            AccessLog.action == "login_link_sent",
            AccessLog.target == username[:128],
            col(AccessLog.at) >= at - LOGIN_WINDOW,
        )
    ).all()
    chats = list(session.exec(select(StaffChat).where(StaffChat.staff_id == account.id)))
    if not chats or len(recent) >= LINKS_PER_WINDOW:
        return 0
    url = link_for(account)
    text = (
        "Tautan masuk dasbor petugas DTSEN (berlaku 15 menit, sekali pakai):\n"
        f"{url}\nJika Anda tidak memintanya, abaikan pesan ini."
    )
    for chat in chats:
        enqueue(
            session,
            channel=chat.channel,
            chat_id=chat.chat_id,
            kind="login_link",
            text=text,
            variables={"1": url},
            at=at,
        )
    log_access(
        session,
        staff_id=account.id,
        action="login_link_sent",
        target=username,
        allowed=True,
        at=at,
        detail=f"{len(chats)} chat(s)",
    )
    return len(chats)

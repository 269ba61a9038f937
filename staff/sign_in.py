"""Signing staff in, apart from the web: which usernames are blocked after failed logins,
what every attempt leaves in the access log, and sending a one-time login link to the
chats a staff member linked.

The log is the memory: failed logins (action "login", not allowed) count against the
username; a success starts the count again; links sent are counted per username too.
Every attempt is written before its password is checked (`admit_login`), one at a time, so
forty attempts sent at once cannot all slip under the limit; the address an attempt came
from is counted too (action "login_from"), so one machine cannot try every username.
A blocked username can still sign in with a one-time link sent to its own chat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import Engine, text
from sqlmodel import Session, col, func, select

from models.staff import get_staff, log_access
from models.tables import AccessLog, StaffAccount, StaffChat
from staff.outbox import enqueue

LOGIN_FAILURES: Final = 10  # this many failures within LOGIN_WINDOW block the username
LOGIN_WINDOW: Final = timedelta(minutes=15)  # ... for this long after the last of them
LINKS_PER_WINDOW: Final = 5  # one-time links sent per username within LOGIN_WINDOW
ADDRESS_FAILURES: Final = 30  # failed logins from one address within LOGIN_WINDOW
BLOCKED: Final = "blocked"
WRONG: Final = "wrong username or password"
CHECKING: Final = "checking"  # counted as a failure until the password proves right
# Serialises admissions on PostgreSQL (SQLite's BEGIN IMMEDIATE already does).
_ADMISSION_LOCK: Final = 0x647473656E_0002  # "dtsen" + 2


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


def address_blocked(session: Session, address: str, now: datetime) -> bool:
    """ADDRESS_FAILURES failed logins from this address within LOGIN_WINDOW."""
    failures = session.exec(
        select(func.count())
        .select_from(AccessLog)
        .where(
            AccessLog.action == "login_from",
            AccessLog.target == address[:128],
            col(AccessLog.allowed).is_(False),
            col(AccessLog.at) >= now - LOGIN_WINDOW,
        )
    ).one()
    return int(failures) >= ADDRESS_FAILURES


@dataclass(frozen=True)
class Admission:
    """The log entries of an attempt being checked (by username, by address)."""

    attempt_id: int
    address_id: int


def admit_login(session: Session, username: str, address: str, now: datetime) -> Admission | None:
    """Count this attempt before the password is checked (pass the result to
    `settle_login`), or None when the username or the address is blocked (logged)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADMISSION_LOCK})
    if login_blocked(session, username, now) or address_blocked(session, address, now):
        refuse_login(session, username, blocked=True, at=now)
        return None
    attempt = AccessLog(
        staff_id=None,
        action="login",
        target=username[:128],
        allowed=False,
        at=now,
        detail=CHECKING,
    )
    source = AccessLog(
        staff_id=None,
        action="login_from",
        target=address[:128],
        allowed=False,
        at=now,
        detail=username[:255],
    )
    session.add_all([attempt, source])
    session.flush()
    assert attempt.id is not None and source.id is not None
    return Admission(attempt.id, source.id)


def settle_login(session: Session, admission: Admission, account: StaffAccount | None) -> None:
    """What the check found: a success (no longer counted against the username or the
    address) or a wrong password."""
    for entry_id in (admission.attempt_id, admission.address_id):
        entry = session.get(AccessLog, entry_id)
        if entry is None:
            continue
        if account is None:
            if entry.action == "login":
                entry.detail = WRONG
        else:
            entry.allowed, entry.staff_id = True, account.id
            if entry.action == "login":
                entry.detail = None
        session.add(entry)


def begin_login(
    engine: Engine, username: str, address: str, now: datetime
) -> tuple[Admission | None, StaffAccount | None]:
    """`admit_login` in a transaction of its own, with the account to check (if admitted);
    committed at once, so the attempt counts while its password is being checked."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        admission = admit_login(session, username, address, now)
        account = get_staff(session, username) if username and admission else None
        return admission, account


def finish_login(engine: Engine, admission: Admission, account: StaffAccount | None) -> None:
    """`settle_login` in a transaction of its own."""
    with Session(engine) as session, session.begin():
        settle_login(session, admission, account)


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
            chat_id=chat.recipient,  # sealed: `chat_id` is the chat's keyed hash
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

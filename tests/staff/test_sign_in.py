"""Signing staff in, on SQLite and PostgreSQL: guessing a password gets a username blocked
for a while, a success starts the count again, and login links cannot flood a chat."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from models.staff import disable_staff, get_staff, link_chat
from models.tables import OutboxNotification
from staff.sign_in import (
    LINKS_PER_WINDOW,
    LOGIN_FAILURES,
    LOGIN_WINDOW,
    accept_login,
    login_blocked,
    refuse_login,
    send_login_link,
)
from tests.models.factories import NOW
from tests.staff.test_review import make_staff

VILLAGE = "32.04.05.2004"


def _fail(engine: Engine, username: str, times: int, *, start: int = 0) -> None:
    with Session(engine) as session, session.begin():
        for minute in range(start, start + times):
            refuse_login(session, username, blocked=False, at=NOW + timedelta(minutes=minute))


def _blocked(engine: Engine, username: str, minutes_later: float) -> bool:
    with Session(engine) as session:
        return login_blocked(session, username, NOW + timedelta(minutes=minutes_later))


def test_ten_wrong_passwords_block_the_username_for_fifteen_minutes(db_engine: Engine) -> None:
    _fail(db_engine, "sri", LOGIN_FAILURES - 1)
    assert not _blocked(db_engine, "sri", LOGIN_FAILURES)
    _fail(db_engine, "sri", 1, start=LOGIN_FAILURES - 1)
    last = LOGIN_FAILURES - 1
    assert _blocked(db_engine, "sri", last + 1)
    assert not _blocked(db_engine, "budi", last + 1)  # only that username
    # Attempts while blocked do not make the block longer.
    with Session(db_engine) as session, session.begin():
        refuse_login(session, "sri", blocked=True, at=NOW + timedelta(minutes=last + 5))
    minutes = LOGIN_WINDOW.total_seconds() / 60
    assert _blocked(db_engine, "sri", last + minutes - 1)
    assert not _blocked(db_engine, "sri", last + minutes)


def test_a_success_starts_the_count_again(db_engine: Engine) -> None:
    staff_id = make_staff(db_engine, "village_operator", [VILLAGE], username="sri")
    _fail(db_engine, "sri", LOGIN_FAILURES - 1)
    with Session(db_engine) as session, session.begin():
        account = get_staff(session, "sri")
        assert account is not None and account.id == staff_id
        accept_login(session, account, username="sri", at=NOW + timedelta(minutes=10))
    _fail(db_engine, "sri", LOGIN_FAILURES - 1, start=11)
    assert not _blocked(db_engine, "sri", 11 + LOGIN_FAILURES)


def _ask_link(engine: Engine, username: str, minutes_later: int = 0) -> int:
    with Session(engine) as session, session.begin():
        return send_login_link(
            session,
            username,
            link_for=lambda account: f"https://dtsen.example/staff/link/{account.id}",
            at=NOW + timedelta(minutes=minutes_later),
        )


def _links_sent(engine: Engine) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(
            select(OutboxNotification).where(OutboxNotification.kind == "login_link")
        ).all()
        return [row.recipient for row in sorted(rows, key=lambda row: row.id or 0)]


def test_a_login_link_goes_to_every_linked_chat_a_few_times_per_window(
    db_engine: Engine,
) -> None:
    staff_id = make_staff(db_engine, "village_operator", [VILLAGE], username="sri")
    assert _ask_link(db_engine, "sri") == 0  # no chat linked: nothing to send to
    with Session(db_engine) as session, session.begin():
        link_chat(session, staff_id, "telegram", "111", at=NOW)
        link_chat(session, staff_id, "whatsapp", "6281234", at=NOW)

    for minute in range(LINKS_PER_WINDOW):
        assert _ask_link(db_engine, "sri", minute) == 2
    assert _ask_link(db_engine, "sri", LINKS_PER_WINDOW) == 0  # enough for this window
    assert len(_links_sent(db_engine)) == 2 * LINKS_PER_WINDOW
    later = int(LOGIN_WINDOW.total_seconds() // 60) + LINKS_PER_WINDOW
    assert _ask_link(db_engine, "sri", later) == 2
    with Session(db_engine) as session:
        texts = session.exec(
            select(OutboxNotification.text).order_by(col(OutboxNotification.id).desc())
        ).first()
    assert texts is not None and f"https://dtsen.example/staff/link/{staff_id}" in texts


def test_no_link_for_an_unknown_or_disabled_account(db_engine: Engine) -> None:
    staff_id = make_staff(db_engine, "village_operator", [VILLAGE], username="sri")
    with Session(db_engine) as session, session.begin():
        link_chat(session, staff_id, "telegram", "111", at=NOW)
        disable_staff(session, "sri", at=NOW)
    assert _ask_link(db_engine, "sri") == 0
    assert _ask_link(db_engine, "nobody") == 0
    assert _ask_link(db_engine, "") == 0
    assert _links_sent(db_engine) == []

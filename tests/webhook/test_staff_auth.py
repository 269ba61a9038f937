"""Staff sign-in: sessions end when they should, CSRF binds to a session, links work once."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlmodel import Session

import webhook.staff.auth as auth
from models.staff import add_staff, disable_staff
from models.tables import StaffAccount
from webhook.staff.auth import StaffAuth, secret_key, verify_password

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.fixture
def staff(sqlite_engine: Engine) -> tuple[Engine, int]:
    with Session(sqlite_engine) as session, session.begin():
        account = add_staff(
            session,
            username="sri",
            display_name="Sri",
            role="village_operator",
            areas=["32.04.05.2004"],
            password_hash=PasswordHasher().hash("rahasia-desa-1"),
            at=NOW,
        )
        assert account.id is not None
        return sqlite_engine, account.id


def account(engine: Engine, staff_id: int) -> StaffAccount:
    with Session(engine) as session:
        found = session.get(StaffAccount, staff_id)
        assert found is not None
        return found


def test_the_right_password_signs_in_and_nothing_else_does(staff: tuple[Engine, int]) -> None:
    engine, staff_id = staff
    sri = account(engine, staff_id)
    assert verify_password(sri, "rahasia-desa-1")
    assert not verify_password(sri, "rahasia-desa-2")
    assert not verify_password(None, "rahasia-desa-1")


def test_a_session_is_recognised_until_tampered_expired_disabled_or_repassworded(
    staff: tuple[Engine, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, staff_id = staff
    keys = StaffAuth("test-secret")
    cookie = keys.issue_session(account(engine, staff_id))
    with Session(engine) as session:
        signed_in = keys.session_account(session, cookie)
        assert signed_in is not None and signed_in.username == "sri"
        assert keys.session_account(session, cookie[:-2] + "xx") is None
        assert StaffAuth("another-secret").session_account(session, cookie) is None
    monkeypatch.setattr(auth, "SESSION_LIFETIME", timedelta(seconds=-1))
    with Session(engine) as session:
        assert keys.session_account(session, cookie) is None
    monkeypatch.undo()

    with Session(engine) as session, session.begin():
        sri = session.get(StaffAccount, staff_id)
        assert sri is not None
        sri.password_hash = PasswordHasher().hash("kata-sandi-baru")
    with Session(engine) as session:
        assert keys.session_account(session, cookie) is None

    fresh = keys.issue_session(account(engine, staff_id))
    with Session(engine) as session, session.begin():
        disable_staff(session, "sri", at=NOW)
    with Session(engine) as session:
        assert keys.session_account(session, fresh) is None


def test_a_csrf_token_belongs_to_one_session() -> None:
    keys = StaffAuth("test-secret")
    token = keys.csrf_token("cookie-a")
    assert keys.csrf_ok("cookie-a", token)
    assert not keys.csrf_ok("cookie-b", token)
    assert not keys.csrf_ok("cookie-a", None)


def test_a_login_link_works_once_and_not_after_it_expires(
    staff: tuple[Engine, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, staff_id = staff
    keys = StaffAuth("test-secret")
    link = keys.issue_link(account(engine, staff_id))
    with Session(engine) as session, session.begin():
        redeemed = keys.redeem_link(session, link, at=NOW)
        assert redeemed is not None and redeemed.id == staff_id
    with Session(engine) as session, session.begin():
        assert keys.redeem_link(session, link, at=NOW) is None

    late = keys.issue_link(account(engine, staff_id))
    monkeypatch.setattr(auth, "LINK_LIFETIME", timedelta(seconds=-1))
    with Session(engine) as session, session.begin():
        assert keys.redeem_link(session, late, at=NOW) is None


def test_without_a_configured_key_one_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = secret_key(None, tmp_path)
    assert secret_key(None, tmp_path) == first and len(first) >= 40
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert secret_key("configured", tmp_path) == "configured"

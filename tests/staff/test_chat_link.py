"""Staff link their own chat with a short code from the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.tables import StaffAccount
from staff.chat_link import check_link_code, link_code

NOW = datetime(2026, 11, 23, 3, 7, tzinfo=UTC)


def account(**overrides: object) -> StaffAccount:
    values: dict[str, object] = {
        "id": 7,
        "username": "sri",
        "display_name": "Sri",
        "role": "village_operator",
        "password_hash": "h",
        "created_at": NOW,
    }
    values.update(overrides)
    return StaffAccount(**values)


def test_a_code_works_for_its_account_for_15_to_30_minutes_only() -> None:
    sri = account()
    code = link_code("secret", sri, NOW)
    assert len(code) == 8 and code.isalnum() and code.isupper()
    assert check_link_code("secret", sri, code.lower(), NOW + timedelta(minutes=14))
    assert not check_link_code("secret", sri, code, NOW + timedelta(minutes=31))
    assert not check_link_code("secret", account(id=8), code, NOW)
    assert not check_link_code("other-secret", sri, code, NOW)


def test_a_disabled_account_or_a_new_password_invalidates_the_code() -> None:
    code = link_code("secret", account(), NOW)
    assert not check_link_code("secret", account(disabled_at=NOW), code, NOW)
    assert not check_link_code("secret", account(password_hash="new"), code, NOW)

"""Staff accounts on both databases: linked chats, disabled accounts, refusals kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from models.staff import (
    StaffError,
    add_staff,
    disable_staff,
    link_chat,
    log_access,
    refused_attempts,
    staff_areas,
    staff_for_chat,
)

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def test_a_linked_chat_is_recognised_until_the_account_is_disabled(db_engine: Engine) -> None:
    with Session(db_engine) as session, session.begin():
        sri = add_staff(
            session,
            username="sri",
            display_name="Sri",
            role="village_operator",
            areas=["32.04.05.2004", "32.04.05.2001", "32.04.05.2004"],
            at=NOW,
        )
        assert sri.id is not None
        assert staff_areas(session, sri.id) == ["32.04.05.2001", "32.04.05.2004"]
        link_chat(session, sri.id, "telegram", "4242", at=NOW)
        found = staff_for_chat(session, "telegram", "4242")
        assert found is not None and found.username == "sri"
        assert staff_for_chat(session, "whatsapp", "4242") is None
        disable_staff(session, "sri", at=NOW)
        assert staff_for_chat(session, "telegram", "4242") is None


def test_unknown_roles_and_taken_usernames_are_refused(db_engine: Engine) -> None:
    with Session(db_engine) as session, session.begin():
        add_staff(session, username="a", display_name="A", role="kecamatan", areas=[], at=NOW)
        with pytest.raises(StaffError, match="taken"):
            add_staff(session, username="a", display_name="A", role="kecamatan", areas=[], at=NOW)
        with pytest.raises(StaffError, match="unknown role"):
            add_staff(session, username="b", display_name="B", role="camat", areas=[], at=NOW)


def test_refused_attempts_are_kept(db_engine: Engine) -> None:
    with Session(db_engine) as session, session.begin():
        sri = add_staff(
            session, username="sri", display_name="Sri", role="village_head", areas=[], at=NOW
        )
        assert sri.id is not None
        log_access(session, staff_id=sri.id, action="view", target="U7KQ4M9", allowed=True, at=NOW)
        log_access(
            session,
            staff_id=sri.id,
            action="view",
            target="U2222222",
            allowed=False,
            at=NOW,
            detail="outside 32.04.05.2004",
        )
        [refused] = refused_attempts(session, sri.id)
        assert refused.target == "U2222222" and refused.detail == "outside 32.04.05.2004"

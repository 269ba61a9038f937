"""Channel memory on both databases: the 24-hour window, reachability, delivery reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from models.channels import (
    is_unreachable,
    last_inbound_at,
    mark_unreachable,
    record_outbound,
    touch_inbound,
    update_outbound_status,
)

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def test_writing_opens_the_window_and_makes_a_blocked_chat_reachable(db_engine: Engine) -> None:
    with Session(db_engine) as session, session.begin():
        assert last_inbound_at(session, "whatsapp", "628123") is None
        mark_unreachable(session, "telegram", "42", at=NOW, reason="Forbidden: bot was blocked")
        assert is_unreachable(session, "telegram", "42")
        touch_inbound(session, "telegram", "42", at=NOW + timedelta(hours=1))
        touch_inbound(session, "whatsapp", "628123", at=NOW)
    with Session(db_engine) as session:
        assert not is_unreachable(session, "telegram", "42")
        assert last_inbound_at(session, "whatsapp", "628123") == NOW
        assert last_inbound_at(session, "telegram", "628123") is None


def test_a_late_delivery_report_does_not_move_the_status_back(db_engine: Engine) -> None:
    with Session(db_engine) as session, session.begin():
        record_outbound(
            session,
            channel="whatsapp",
            chat_id="628123",
            kind="status_changed",
            path="template",
            status="queued",
            provider_message_id="SM1",
            template="HX123",
            at=NOW,
        )
        update_outbound_status(
            session, channel="whatsapp", provider_message_id="SM1", status="read", at=NOW
        )
        message = update_outbound_status(
            session, channel="whatsapp", provider_message_id="SM1", status="delivered", at=NOW
        )
        assert message is not None and message.status == "read"
        failed = update_outbound_status(
            session,
            channel="whatsapp",
            provider_message_id="SM1",
            status="failed",
            error_code="63016",
            at=NOW,
        )
        assert failed is not None and (failed.status, failed.error_code) == ("failed", "63016")
        assert (
            update_outbound_status(
                session, channel="whatsapp", provider_message_id="nope", status="read", at=NOW
            )
            is None
        )


def test_unknown_paths_and_statuses_are_refused(db_engine: Engine) -> None:
    with Session(db_engine) as session, pytest.raises(ValueError):
        record_outbound(
            session, channel="x", chat_id="1", kind="k", path="pigeon", status="sent", at=NOW
        )

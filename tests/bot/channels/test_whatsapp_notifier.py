"""Notifications under WhatsApp's 24-hour rule, on SQLite and PostgreSQL, against the local
Twilio double: free-form inside the window, the approved template outside it, and waiting
for the citizen's next message when no template is configured."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.channels.notify import Notification
from bot.channels.whatsapp.client import RetryPolicy, make_client
from bot.channels.whatsapp.notifier import WhatsAppNotifier
from bot.channels.whatsapp.outbound import SendError, WhatsAppSender
from conversations.types import Choice, Reply
from models.channels import is_unreachable, mark_unreachable, touch_inbound
from models.tables import OutboundMessage
from tests.doubles.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    TWILIO_NUMBER,
    TwilioApiDouble,
    running_twilio_api,
)

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
CHAT = "6281234567890"
TEMPLATE = "HX" + "5" * 32
NEWS = Notification(
    "status_changed",
    "Permohonan U-7KQ4M9 sekarang: Diverifikasi desa.",
    {"1": "U-7KQ4M9", "2": "Diverifikasi desa"},
)


@pytest.fixture
def twilio_api() -> Iterator[TwilioApiDouble]:
    with running_twilio_api() as double:
        yield double


@pytest.fixture
def sender(twilio_api: TwilioApiDouble) -> WhatsAppSender:
    client = make_client(
        ACCOUNT_SID,
        AUTH_TOKEN,
        api_base_url=twilio_api.url,
        retry=RetryPolicy(base_delay=0.0),
    )
    return WhatsAppSender(
        client,
        sender=TWILIO_NUMBER,
        status_callback="https://bot.example.go.id/webhook/whatsapp/status",
    )


def notifier(engine: Engine, sender: WhatsAppSender, templates: dict[str, str]) -> WhatsAppNotifier:
    return WhatsAppNotifier(engine=engine, sender=sender, templates=templates, clock=lambda: NOW)


def citizen_wrote(engine: Engine, ago: timedelta) -> None:
    with Session(engine) as session, session.begin():
        touch_inbound(session, "whatsapp", CHAT, at=NOW - ago)


def outbound(engine: Engine) -> list[OutboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboundMessage).order_by(OutboundMessage.id)))  # type: ignore[arg-type]


def test_inside_24_hours_a_notification_is_a_free_form_message(
    db_engine: Engine, sender: WhatsAppSender, twilio_api: TwilioApiDouble
) -> None:
    citizen_wrote(db_engine, timedelta(hours=23))
    path = asyncio.run(notifier(db_engine, sender, {"status_changed": TEMPLATE}).notify(CHAT, NEWS))
    assert path == "free_form"
    [sent] = twilio_api.messages
    assert sent["Body"] == NEWS.text and "ContentSid" not in sent
    [record] = outbound(db_engine)
    assert (record.path, record.status, record.kind) == ("free_form", "queued", "status_changed")
    assert record.provider_message_id == sent["sid"] and record.body is None


def test_outside_24_hours_the_approved_template_goes_out(
    db_engine: Engine, sender: WhatsAppSender, twilio_api: TwilioApiDouble
) -> None:
    citizen_wrote(db_engine, timedelta(hours=25))
    path = asyncio.run(notifier(db_engine, sender, {"status_changed": TEMPLATE}).notify(CHAT, NEWS))
    assert path == "template"
    [sent] = twilio_api.messages
    assert sent["ContentSid"] == TEMPLATE
    assert json.loads(sent["ContentVariables"]) == dict(NEWS.variables)
    assert "Body" not in sent
    [record] = outbound(db_engine)
    assert (record.path, record.template, record.variables) == (
        "template",
        TEMPLATE,
        dict(NEWS.variables),
    )
    assert record.provider_message_id == sent["sid"]


def test_a_chat_that_never_wrote_is_outside_the_window(
    db_engine: Engine, sender: WhatsAppSender, twilio_api: TwilioApiDouble
) -> None:
    path = asyncio.run(notifier(db_engine, sender, {"status_changed": TEMPLATE}).notify(CHAT, NEWS))
    assert path == "template"


def test_without_a_template_it_waits_in_the_outbox_and_nothing_is_sent(
    db_engine: Engine, sender: WhatsAppSender, twilio_api: TwilioApiDouble
) -> None:
    citizen_wrote(db_engine, timedelta(days=3))
    path = asyncio.run(notifier(db_engine, sender, {}).notify(CHAT, NEWS))
    # The outbox row itself waits (state "waiting"); it goes out after the replies to the
    # citizen's next message (tests/webhook/test_whatsapp_e2e.py).
    assert path == "waiting"
    assert twilio_api.messages == [] and outbound(db_engine) == []


def test_a_reply_the_webhook_could_not_send_goes_out_with_numbered_choices(
    db_engine: Engine, sender: WhatsAppSender, twilio_api: TwilioApiDouble
) -> None:
    citizen_wrote(db_engine, timedelta(minutes=5))
    question = Reply("Usulan ini untuk siapa?", (Choice("a", "Saya"), Choice("b", "Orang lain")))
    reply = Notification("reply", question.text, reply=question)
    assert asyncio.run(notifier(db_engine, sender, {}).notify(CHAT, reply)) == "free_form"
    [sent] = twilio_api.messages
    assert "1. Saya\n2. Orang lain" in sent["Body"]
    [record] = outbound(db_engine)
    assert (record.kind, record.path) == ("reply", "free_form")


def test_the_window_closing_meanwhile_falls_back_to_the_template_without_retrying(
    db_engine: Engine, sender: WhatsAppSender, twilio_api: TwilioApiDouble
) -> None:
    citizen_wrote(db_engine, timedelta(hours=1))
    twilio_api.fail_next(400, code=63016)
    path = asyncio.run(notifier(db_engine, sender, {"status_changed": TEMPLATE}).notify(CHAT, NEWS))
    assert path == "template"
    assert [c.status for c in twilio_api.message_calls()] == [400, 201]
    assert twilio_api.messages[0]["ContentSid"] == TEMPLATE


def test_63016_on_the_template_path_is_recorded_and_not_retried(
    db_engine: Engine, sender: WhatsAppSender, twilio_api: TwilioApiDouble
) -> None:
    twilio_api.fail_next(400, code=63016)
    path = asyncio.run(notifier(db_engine, sender, {"status_changed": TEMPLATE}).notify(CHAT, NEWS))
    assert path == "template"
    assert len(twilio_api.message_calls()) == 1
    [record] = outbound(db_engine)
    assert (record.path, record.status, record.error_code) == ("template", "failed", "63016")


def test_an_invalid_number_is_recorded_and_the_chat_marked_unreachable(
    db_engine: Engine, sender: WhatsAppSender, twilio_api: TwilioApiDouble
) -> None:
    citizen_wrote(db_engine, timedelta(hours=1))
    twilio_api.fail_next(400, code=21211)
    path = asyncio.run(notifier(db_engine, sender, {}).notify(CHAT, NEWS))
    assert path == "unreachable"
    [record] = outbound(db_engine)
    assert (record.status, record.error_code) == ("failed", "21211")
    with Session(db_engine) as session:
        assert is_unreachable(session, "whatsapp", CHAT)


def test_an_unreachable_chat_is_not_tried_and_its_news_is_held(
    db_engine: Engine, sender: WhatsAppSender, twilio_api: TwilioApiDouble
) -> None:
    citizen_wrote(db_engine, timedelta(hours=1))
    with Session(db_engine) as session, session.begin():
        mark_unreachable(session, "whatsapp", CHAT, at=NOW, reason="21610")
    path = asyncio.run(notifier(db_engine, sender, {"status_changed": TEMPLATE}).notify(CHAT, NEWS))
    # Held in the outbox until the citizen writes again (which makes the chat reachable).
    assert path == "waiting"
    assert twilio_api.message_calls() == [] and outbound(db_engine) == []


def test_twilio_down_raises_and_records_nothing_so_the_worker_can_retry(
    db_engine: Engine, sender: WhatsAppSender, twilio_api: TwilioApiDouble
) -> None:
    citizen_wrote(db_engine, timedelta(hours=1))
    twilio_api.fail_next(503, times=3)
    with pytest.raises(SendError) as raised:
        asyncio.run(notifier(db_engine, sender, {}).notify(CHAT, NEWS))
    assert raised.value.transient
    assert len(twilio_api.message_calls()) == 3
    assert outbound(db_engine) == []

"""SMS end to end: signed, real-shaped Twilio Programmable Messaging payloads posted to the
app with its real container; MMS media and REST sends served by the local Twilio double.
A whole usulan from a feature phone, every SMS within three GSM-7 segments."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.channels.notify import Notification
from bot.channels.sms.channel import SmsChannel
from bot.channels.sms.gsm import is_gsm, segments
from bot.settings import Settings
from models.channels import is_unreachable
from models.tables import Attachment, ProcessedMessage, Request
from tests.conversations.transcript import NIK_MAN, USULAN_TYPED
from tests.doubles.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SMS_NUMBER,
    TwilioApiDouble,
    running_twilio_api,
    sms_form,
)
from tests.images import tiny_png
from webhook.app import create_app

PUBLIC = "https://bot.example.go.id"
PATH = "/webhook/sms"


@pytest.fixture
def twilio_api() -> Iterator[TwilioApiDouble]:
    with running_twilio_api() as double:
        yield double


def settings_for(
    twilio_api: TwilioApiDouble, database_url: str, tmp_path: Path, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": tmp_path / "var",
        "redis_url": None,
        "simulator_enabled": False,
        "worker_in_serve": False,
        "public_base_url": PUBLIC,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_sms_from": SMS_NUMBER,
        "twilio_api_base_url": twilio_api.url,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def app(twilio_api: TwilioApiDouble, db_engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    url = db_engine.url.render_as_string(hide_password=False)
    application = create_app(settings_for(twilio_api, url, tmp_path))
    with TestClient(application) as client:
        yield client


def signed_post(client: TestClient, form: dict[str, str], *, sign: bool = True) -> Any:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + PATH, form)
    headers = {"X-Twilio-Signature": signature} if sign else {}
    return client.post(PATH, data=form, headers=headers)


def engine_of(client: TestClient) -> Engine:
    engine: Engine = client.app.state.container.engine  # type: ignore[attr-defined]
    return engine


def count(engine: Engine, table: type) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


class FeaturePhone:
    """A citizen writing SMS; every SMS the bot answers is checked to fit three segments."""

    def __init__(self, client: TestClient, sender: str = "+6281234567890") -> None:
        self.client = client
        self.sender = sender
        self.last_form: dict[str, str] = {}
        self.received: list[str] = []

    def send(self, **fields: str) -> str:
        self.last_form = sms_form(self.sender, **fields)
        response = signed_post(self.client, self.last_form)
        assert response.status_code == 200, response.text
        texts = [m.text or "" for m in ET.fromstring(response.text).findall("Message")]
        for text in texts:
            assert is_gsm(text), f"not GSM-7: {text!r}"
            assert segments(text) <= 3, f"{segments(text)} segments: {text!r}"
        self.received.extend(texts)
        return "\n---\n".join(texts)

    def say(self, text: str) -> str:
        return self.send(body=text)


def test_a_whole_usulan_from_a_feature_phone(app: TestClient, twilio_api: TwilioApiDouble) -> None:
    phone = FeaturePhone(app)
    for said, expected in USULAN_TYPED:
        answer = phone.say(said)
        assert expected in answer, f"after {said!r} expected {expected!r} in:\n{answer}"
    # The KTP photo cannot go by plain SMS: the question says how else it can come.
    asked = phone.received[-1]
    assert "MMS" in asked and "WhatsApp/Telegram" in asked
    url = twilio_api.add_media(tiny_png(), "image/jpeg")
    house = phone.send(NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg")
    assert "foto rumah" in house and "WhatsApp/Telegram, atau ketik LEWATI" in house
    phone_question = phone.say("lewati")  # no house photo, so no location either
    assert "Nomor HP" in phone_question and "ketik YA" in phone_question
    summary = phone.say("ya")  # the number the network vouches for
    assert "Ringkasan" in summary and "3204********0001" in summary and NIK_MAN not in summary
    done = phone.say("ya")
    assert "Kode tiket: U-" in done
    with Session(engine_of(app)) as session:
        request = session.exec(select(Request)).one()
        assert (request.kind, request.nik, request.status) == ("usulan", NIK_MAN, "diterima")
        [ktp] = session.exec(select(Attachment).where(Attachment.request_id == request.id))
        assert ktp.purpose == "ktp"
    # Every answer went back as TwiML: nothing through the REST API.
    assert twilio_api.messages == []


def test_a_retried_sms_is_applied_once_and_answered_again(app: TestClient) -> None:
    phone = FeaturePhone(app)
    first = phone.say("menu")
    again = phone.send(body="menu", MessageSid=phone.last_form["MessageSid"])
    # Twilio retries only when our answer did not reach it: the same answer, once applied.
    assert again == first
    assert count(engine_of(app), ProcessedMessage) == 1


def test_unsigned_and_wrongly_signed_sms_are_refused_and_change_nothing(app: TestClient) -> None:
    form = sms_form(body="menu")
    assert signed_post(app, form, sign=False).status_code == 403
    wrong = {**form, "Body": "batal"}  # signed for "menu", sent with another body
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + PATH, form)
    response = app.post(PATH, data=wrong, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert count(engine_of(app), ProcessedMessage) == 0


def test_stop_marks_the_number_unreachable_and_start_brings_it_back(
    app: TestClient, twilio_api: TwilioApiDouble
) -> None:
    phone = FeaturePhone(app)
    phone.say("menu")
    assert phone.say("STOP") == ""  # Twilio itself confirms the opt-out
    engine = engine_of(app)
    with Session(engine) as session:
        assert is_unreachable(session, "sms", "6281234567890")
    channel = SmsChannel.from_settings(app.app.state.settings, engine=engine)  # type: ignore[attr-defined]
    news = Notification("status_changed", "Permohonan U-7KQ4M9 sekarang: Diverifikasi desa.")
    # Nothing is sent to a number that said STOP: the notification waits in the outbox.
    assert asyncio.run(channel.notify("6281234567890", news)) == "waiting"
    assert twilio_api.messages == []
    back = phone.say("START")
    assert "Apa yang ingin Anda lakukan?" in back
    with Session(engine) as session:
        assert not is_unreachable(session, "sms", "6281234567890")
    assert asyncio.run(channel.notify("6281234567890", news)) == "free_form"
    [sent] = twilio_api.messages
    assert sent["To"] == "+6281234567890" and sent["From"] == SMS_NUMBER
    assert sent["Body"] == news.text


def test_the_sms_route_is_off_until_configured(twilio_api: TwilioApiDouble, tmp_path: Path) -> None:
    settings = settings_for(
        twilio_api, f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, twilio_sms_from=None
    )
    with TestClient(create_app(settings)) as client:
        assert signed_post(client, sms_form(body="menu")).status_code == 404


def test_in_english_the_consent_comes_in_its_short_sms_form(app: TestClient) -> None:
    phone = FeaturePhone(app)  # every SMS is checked: GSM-7, at most three segments
    phone.say("English")
    phone.say("menu")
    consent = phone.say("1")
    assert "Before we start:\n- We ask for: NIK, KK" in consent
    assert "1. " in consent and "Reply with a number" in consent

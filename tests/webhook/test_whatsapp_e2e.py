"""WhatsApp end to end: signed, real-shaped Twilio payloads posted to the app with its real
container (database, conversation store, photos on disk); REST sends and media served by
the local Twilio double. The whole usulan with photos runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.channels.notify import Notification
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.client import RetryPolicy
from bot.channels.whatsapp.notifier import WhatsAppNotifier
from bot.settings import Settings
from bot.worker import Worker
from models.tables import (
    Attachment,
    ChatContact,
    OutboundMessage,
    OutboxNotification,
    ProcessedMessage,
    Request,
)
from staff.outbox import enqueue
from tests.conversations.transcript import NIK_MAN, NIK_WOMAN, USULAN_TYPED
from tests.doubles.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    TWILIO_NUMBER,
    TwilioApiDouble,
    inbound_form,
    running_twilio_api,
    status_form,
)
from tests.images import tiny_png
from webhook.app import create_app

PUBLIC = "https://bot.example.go.id"
INBOUND = "/webhook/whatsapp"
STATUS = "/webhook/whatsapp/status"
QUICK_2 = "HX" + "2" * 32
QUICK_3 = "HX" + "3" * 32
STATUS_TEMPLATE = "HX" + "5" * 32
NEWS = Notification(
    "status_changed", "Permohonan Anda sekarang: Diverifikasi desa.", {"1": "Diverifikasi"}
)


@pytest.fixture
def twilio_api() -> Iterator[TwilioApiDouble]:
    with running_twilio_api() as double:
        yield double


def settings_for(twilio_api: TwilioApiDouble, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'dtsen.db'}",
        "data_dir": tmp_path / "var",
        "redis_url": None,
        "simulator_enabled": False,
        "public_base_url": PUBLIC,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_whatsapp_from": TWILIO_NUMBER,
        "twilio_api_base_url": twilio_api.url,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@contextmanager
def running_app(
    settings: Settings, *, raise_server_exceptions: bool = True
) -> Iterator[TestClient]:
    app = create_app(settings)
    # The channel the routes would build, with retries that do not slow the tests down.
    app.state.whatsapp = WhatsAppChannel.from_settings(
        settings, retry=RetryPolicy(base_delay=0.01, max_delay=0.05)
    )
    with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
        yield client


@pytest.fixture
def app(twilio_api: TwilioApiDouble, tmp_path: Path) -> Iterator[TestClient]:
    with running_app(settings_for(twilio_api, tmp_path)) as client:
        yield client


def signed_post(client: TestClient, path: str, form: dict[str, str]) -> Any:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def twiml_bodies(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return [m.text or "" for m in ET.fromstring(response.text).findall("Message")]


class WhatsAppCitizen:
    """Someone on WhatsApp: every message goes to the app as Twilio would post it."""

    def __init__(
        self, client: TestClient, twilio_api: TwilioApiDouble, sender: str = "6281234567890"
    ) -> None:
        self.client = client
        self.twilio_api = twilio_api
        self.sender = sender
        self.bodies: list[str] = []
        self.last_form: dict[str, str] = {}

    def send(self, **fields: str) -> str:
        self.last_form = inbound_form(self.sender, **fields)
        self.bodies = twiml_bodies(signed_post(self.client, INBOUND, self.last_form))
        return "\n---\n".join(self.bodies)

    def say(self, text: str) -> str:
        return self.send(body=text)

    def walk(self, lines: list[tuple[str, str]]) -> None:
        for said, expected in lines:
            answer = self.say(said)
            assert expected in answer, f"after {said!r} expected {expected!r} in:\n{answer}"

    def photo(
        self, data: bytes | None = None, content_type: str = "image/jpeg", **extra: str
    ) -> str:
        url = self.twilio_api.add_media(tiny_png() if data is None else data, content_type)
        kind = "image" if content_type.startswith("image/") else "document"
        fields = {"MessageType": kind, "NumMedia": "1", "MediaUrl0": url}
        return self.send(**{**fields, "MediaContentType0": content_type, **extra})

    def location(self, lat: str = "-6.9301", lon: str = "107.7212") -> str:
        return self.send(MessageType="location", Latitude=lat, Longitude=lon)

    def pick(self, label_start: str) -> str:
        """Answer with the number shown before a choice in the last messages."""
        for body in self.bodies:
            for number, label in re.findall(r"^(\d+)\. (.+)$", body, flags=re.M):
                if label.startswith(label_start):
                    return self.say(number)
        raise AssertionError(f"no numbered choice {label_start!r} in {self.bodies}")


def count(engine: Engine, table: type) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def engine_of(client: TestClient) -> Engine:
    engine: Engine = client.app.state.container.engine  # type: ignore[attr-defined]
    return engine


def file_usulan(citizen: WhatsAppCitizen) -> str:
    citizen.walk(USULAN_TYPED)
    assert "foto rumah" in citizen.photo()  # the KTP
    assert "lokasi" in citizen.photo(tiny_png(64, 40), "image/png")  # the house
    asking_phone = citizen.location()
    assert "Nomor HP" in asking_phone
    # The number WhatsApp vouches for is offered, to confirm with a word, never assumed.
    assert "• Pakai nomor ini: +6281234567890 — ketik YA" in asking_phone
    summary = citizen.say("ya")
    assert "Ringkasan" in summary and "+6281234567890" in summary
    assert "3204********0001" in summary and NIK_MAN not in summary
    return citizen.say("ya")


# -- whole flows --------------------------------------------------------------------------


def test_a_whole_usulan_with_photos_over_whatsapp(
    db_engine: Engine, twilio_api: TwilioApiDouble, tmp_path: Path
) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    with running_app(settings_for(twilio_api, tmp_path, database_url=url)) as client:
        done = file_usulan(WhatsAppCitizen(client, twilio_api))
    assert "Kode tiket: U-" in done
    with Session(db_engine) as session:
        request = session.exec(select(Request)).one()
        assert (request.kind, request.nik, request.reply_to) == ("usulan", NIK_MAN, "6281234567890")
        assert request.channel == "whatsapp"
        assert request.answers["phone"] == "+6281234567890"
        photos = session.exec(select(Attachment).where(Attachment.request_id == request.id)).all()
        assert sorted((p.purpose, p.content_type) for p in photos) == [
            ("house_front", "image/png"),
            ("ktp", "image/png"),
        ]
    # Both photos were fetched from Twilio with the account's credentials.
    assert [(c.status, c.authorized) for c in twilio_api.media_calls()] == [(200, True)] * 2
    assert list((tmp_path / "var").rglob("*")), "photos are stored under DATA_DIR"
    assert twilio_api.message_calls() == []  # every reply went back as TwiML


def test_a_sanggahan_then_cek_status_over_whatsapp(
    app: TestClient, twilio_api: TwilioApiDouble
) -> None:
    citizen = WhatsAppCitizen(app, twilio_api, sender="6285712345678")
    citizen.walk(
        [
            ("menu", "Apa yang ingin"),
            ("2", "Identitas Anda dirahasiakan"),
            ("setuju", "Sanggahan tentang apa?"),
        ]
    )
    assert "desa/kelurahan yang sama" in citizen.pick("Ada penerima")
    assert "Pilih desa/kelurahan" in citizen.say("cinunuk")
    assert "Nama lengkap orang yang disanggah" in citizen.say("1")
    citizen.walk(
        [
            ("Haji Darmawan", "NIK orang itu"),
            ("lewati", "Dusun"),
            ("lewati", "RT"),
            ("2", "RW"),
            ("lewati", "Bantuan apa yang diterima orang itu"),
            ("1 2", "alasannya"),
        ]
    )
    assert "Ceritakan singkat" in citizen.pick("Sudah mampu")
    assert "foto rumah orang itu" in citizen.say("Punya dua mobil dan toko besar")
    assert "lokasi" in citizen.photo()
    assert "NIK Anda" in citizen.say("lewati")
    assert "Nama lengkap Anda" in citizen.say(NIK_WOMAN)
    summary = citizen.say("sri wahyuni")
    assert "Ringkasan sanggahan Anda" in summary and NIK_WOMAN not in summary
    done = citizen.say("YA")
    ticket = re.search(r"S-[A-Z0-9]{6}", done)
    assert ticket is not None and "dirahasiakan" in done

    assert "Permohonan mana" in citizen.say("status")
    mine = citizen.pick("Permohonan saya")
    assert ticket.group(0) in mine and "Diterima" in mine


# -- delivery: replays, failures, media ---------------------------------------------------


def test_a_storage_failure_answers_5xx_and_twilios_retry_files_once(
    twilio_api: TwilioApiDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(twilio_api, tmp_path)
    with running_app(settings, raise_server_exceptions=False) as client:
        citizen = WhatsAppCitizen(client, twilio_api)
        citizen.walk(USULAN_TYPED)
        citizen.photo()
        citizen.say("lewati")
        citizen.say("lewati")
        assert "Ringkasan" in citizen.say("ya")

        submit = inbound_form(citizen.sender, body="ya")

        def database_blip(*args: object, **kwargs: object) -> None:
            raise ConnectionError("database went away")

        monkeypatch.setattr("bot.service.record_delivery", database_blip)
        assert signed_post(client, INBOUND, submit).status_code == 500
        assert count(engine_of(client), Request) == 0

        monkeypatch.undo()
        first = twiml_bodies(signed_post(client, INBOUND, submit))
        assert "Kode tiket: U-" in "\n".join(first)
        # Twilio retries once more (say our answer got lost): same answer, still one request.
        assert twiml_bodies(signed_post(client, INBOUND, submit)) == first
        assert count(engine_of(client), Request) == 1


def test_unsigned_and_wrongly_signed_messages_have_no_effect(
    app: TestClient, twilio_api: TwilioApiDouble
) -> None:
    form = inbound_form(body="menu")
    assert app.post(INBOUND, data=form).status_code == 403
    forged = RequestValidator("guessed-token").compute_signature(PUBLIC + INBOUND, form)
    assert app.post(INBOUND, data=form, headers={"X-Twilio-Signature": forged}).status_code == 403
    with Session(engine_of(app)) as session:
        assert session.exec(select(ProcessedMessage)).all() == []
        assert session.exec(select(ChatContact)).all() == []


def test_media_the_bot_cannot_use_gets_a_kind_answer(
    app: TestClient, twilio_api: TwilioApiDouble
) -> None:
    citizen = WhatsAppCitizen(app, twilio_api)
    citizen.walk(USULAN_TYPED)
    voice = citizen.send(
        MessageType="audio",
        NumMedia="1",
        MediaUrl0=twilio_api.add_media(b"OggS", "audio/ogg"),
        MediaContentType0="audio/ogg",
    )
    assert "hanya bisa membaca tulisan, foto dan lokasi" in voice and "foto KTP" in voice
    pdf = citizen.photo(b"%PDF-1.4", "application/pdf")
    assert "sebagai foto lewat Kamera atau Galeri" in pdf and "foto KTP" in pdf
    sticker = citizen.photo(b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", MessageType="sticker")
    assert "hanya bisa membaca" in sticker
    # None of these was downloaded: only photos are.
    assert twilio_api.media_calls() == []
    not_a_photo = citizen.photo(b"just text pretending", "image/jpeg")
    assert "bukan foto" in not_a_photo and "foto KTP" in not_a_photo
    cut_off = citizen.photo(tiny_png()[:-40], "image/png")
    assert "tidak bisa dibuka" in cut_off and "foto KTP" in cut_off


def test_an_oversized_photo_is_refused_kindly(twilio_api: TwilioApiDouble, tmp_path: Path) -> None:
    big = tiny_png(400, 300)
    with running_app(settings_for(twilio_api, tmp_path, max_photo_bytes=len(big) - 1)) as client:
        citizen = WhatsAppCitizen(client, twilio_api)
        citizen.walk(USULAN_TYPED)
        assert "Foto terlalu besar" in citizen.photo(big, "image/png")
        assert "foto rumah" in citizen.photo(tiny_png(), "image/png")


def test_a_photo_that_cannot_be_fetched_changes_nothing_and_can_be_sent_again(
    app: TestClient, twilio_api: TwilioApiDouble
) -> None:
    citizen = WhatsAppCitizen(app, twilio_api)
    citizen.walk(USULAN_TYPED)
    form = inbound_form(
        citizen.sender,
        MessageType="image",
        NumMedia="1",
        MediaUrl0=f"{twilio_api.url}/media/ME-gone",
        MediaContentType0="image/jpeg",
    )
    assert twiml_bodies(signed_post(app, INBOUND, form)) == [
        "Maaf, kiriman Anda belum berhasil saya terima. Coba kirim sekali lagi."
    ]
    assert "foto rumah" in citizen.photo()


# -- quick replies through the REST API, and delivery reports -------------------------------


@pytest.fixture
def quick_app(twilio_api: TwilioApiDouble, tmp_path: Path) -> Iterator[TestClient]:
    settings = settings_for(
        twilio_api, tmp_path, twilio_quick_reply_2=QUICK_2, twilio_quick_reply_3=QUICK_3
    )
    with running_app(settings) as client:
        yield client


def test_quick_replies_go_through_rest_in_order_and_a_press_answers(
    quick_app: TestClient, twilio_api: TwilioApiDouble
) -> None:
    citizen = WhatsAppCitizen(quick_app, twilio_api)
    citizen.say("menu")
    assert twilio_api.messages == []  # six choices: a numbered list, in TwiML
    assert citizen.say("1") == ""  # everything went through REST instead
    intro, question = twilio_api.messages
    assert intro["To"] == "whatsapp:+6281234567890" and intro["From"] == TWILIO_NUMBER
    assert "Usulan mandiri" in intro["Body"] and "ContentSid" not in intro
    assert question["ContentSid"] == QUICK_2
    variables = json.loads(question["ContentVariables"])
    assert "Apakah Anda setuju?" in variables["1"]
    assert (variables["2"], variables["4"]) == ("Saya setuju", "Tidak setuju")
    assert all(m["StatusCallback"] == PUBLIC + STATUS for m in twilio_api.messages)

    pressed = citizen.send(
        body="Saya setuju", ButtonText="Saya setuju", ButtonPayload=variables["3"]
    )
    assert "Usulan ini untuk siapa?" in pressed
    with Session(engine_of(quick_app)) as session:
        sent = session.exec(select(OutboundMessage).order_by(OutboundMessage.id)).all()  # type: ignore[arg-type]
        assert [(m.path, m.kind, m.template) for m in sent] == [
            ("reply", "reply", None),
            ("reply", "reply", QUICK_2),
        ]
        assert [m.provider_message_id for m in sent] == [intro["sid"], question["sid"]]


def test_status_callbacks_record_delivery_and_never_go_back(
    quick_app: TestClient, twilio_api: TwilioApiDouble
) -> None:
    citizen = WhatsAppCitizen(quick_app, twilio_api)
    citizen.say("menu")
    citizen.say("1")
    intro, question = (m["sid"] for m in twilio_api.messages)

    def reported(sid: str) -> tuple[str, str | None]:
        with Session(engine_of(quick_app)) as session:
            message = session.exec(
                select(OutboundMessage).where(OutboundMessage.provider_message_id == sid)
            ).one()
            return message.status, message.error_code

    for status in ("sent", "delivered", "read"):
        response = signed_post(quick_app, STATUS, status_form(question, status))
        assert response.status_code == 204
    assert reported(question) == ("read", None)
    signed_post(quick_app, STATUS, status_form(question, "delivered"))  # late, out of order
    assert reported(question) == ("read", None)

    failed = status_form(intro, "undelivered", error_code="63016")
    assert signed_post(quick_app, STATUS, failed).status_code == 204
    assert reported(intro) == ("undelivered", "63016")
    # Unsigned reports change nothing; unknown messages are ignored, and still 2xx.
    assert quick_app.post(STATUS, data=status_form(question, "failed")).status_code == 403
    assert reported(question) == ("read", None)
    assert signed_post(quick_app, STATUS, status_form("SM" + "9" * 32, "read")).status_code == 204


def test_rest_replies_are_retried_on_429_and_5xx(
    quick_app: TestClient, twilio_api: TwilioApiDouble
) -> None:
    citizen = WhatsAppCitizen(quick_app, twilio_api)
    citizen.say("menu")
    twilio_api.fail_next(429, retry_after="0")
    twilio_api.fail_next(500)
    assert citizen.say("1") == ""
    assert [c.status for c in twilio_api.message_calls()] == [429, 500, 201, 201]
    assert len(twilio_api.messages) == 2


def test_a_refused_rest_reply_is_recorded_not_retried_and_falls_back_to_twiml(
    quick_app: TestClient, twilio_api: TwilioApiDouble
) -> None:
    citizen = WhatsAppCitizen(quick_app, twilio_api)
    citizen.say("menu")
    twilio_api.fail_next(400, code=63016)
    answer = citizen.say("1")
    assert len(twilio_api.message_calls()) == 1  # not retried
    # The citizen still gets both replies, as text with numbered choices.
    assert "Usulan mandiri" in citizen.bodies[0]
    assert "1. Saya setuju\n2. Tidak setuju" in answer
    with Session(engine_of(quick_app)) as session:
        [failed] = session.exec(select(OutboundMessage)).all()
        assert (failed.status, failed.error_code) == ("failed", "63016")


# -- notifications and the 24-hour window ------------------------------------------------


def notifier_at(
    client: TestClient, later: timedelta, templates: dict[str, str]
) -> WhatsAppNotifier:
    channel: WhatsAppChannel = client.app.state.whatsapp  # type: ignore[attr-defined]
    assert channel.sender is not None
    return WhatsAppNotifier(
        engine=engine_of(client),
        sender=channel.sender,
        templates=templates,
        clock=lambda: datetime.now(UTC) + later,
    )


def test_notifications_follow_the_24_hour_window(
    app: TestClient, twilio_api: TwilioApiDouble
) -> None:
    citizen = WhatsAppCitizen(app, twilio_api)
    citizen.say("menu")  # the citizen writes: the window opens
    templates = {"status_changed": STATUS_TEMPLATE}

    inside = notifier_at(app, timedelta(hours=2), templates)
    assert asyncio.run(inside.notify(citizen.sender, NEWS)) == "free_form"
    assert twilio_api.messages[-1]["Body"] == NEWS.text

    outside = notifier_at(app, timedelta(hours=30), templates)
    assert asyncio.run(outside.notify(citizen.sender, NEWS)) == "template"
    assert twilio_api.messages[-1]["ContentSid"] == STATUS_TEMPLATE
    assert json.loads(twilio_api.messages[-1]["ContentVariables"]) == {"1": "Diverifikasi"}

    # Delivery of a notification is reported like any other REST message.
    sid = twilio_api.messages[-1]["sid"]
    assert signed_post(app, STATUS, status_form(sid, "delivered")).status_code == 204
    with Session(engine_of(app)) as session:
        paths = [
            (m.path, m.status)
            for m in session.exec(select(OutboundMessage).order_by(OutboundMessage.id))  # type: ignore[arg-type]
        ]
    assert paths == [("free_form", "queued"), ("template", "delivered")]


def test_without_a_template_a_notification_waits_and_goes_out_when_the_citizen_writes(
    app: TestClient, twilio_api: TwilioApiDouble
) -> None:
    citizen = WhatsAppCitizen(app, twilio_api)
    citizen.say("menu")
    engine = engine_of(app)
    with Session(engine) as session, session.begin():
        enqueue(
            session,
            channel="whatsapp",
            chat_id=citizen.sender,
            kind=NEWS.kind,
            text=NEWS.text,
            at=datetime.now(UTC),
        )
    later = notifier_at(app, timedelta(days=2), templates={})  # outside 24 hours
    assert asyncio.run(Worker(engine, {"whatsapp": later}).run_once()) == 1
    assert twilio_api.messages == []  # held in the outbox

    citizen.say("status")  # the citizen writes again
    # The reply, then the held notification, both in the TwiML answer.
    assert "Permohonan mana" in "".join(citizen.bodies[:-1]) and citizen.bodies[-1] == NEWS.text
    assert twilio_api.messages == []
    with Session(engine) as session:
        notices = select(OutboxNotification).where(OutboxNotification.kind != "reply")
        [held] = session.exec(notices).all()
        assert (held.status, held.path) == ("answered", "answer")
    # Twilio retries that webhook (our answer got lost): the same answer again...
    assert twiml_bodies(signed_post(app, INBOUND, citizen.last_form)) == citizen.bodies
    # ...but the next message does not repeat the notification.
    assert NEWS.text not in citizen.say("1")

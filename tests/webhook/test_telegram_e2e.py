"""Telegram end to end: the real app (container, engine, database) behind /webhook/telegram,
python-telegram-bot talking to the local Bot API double, real-shaped updates posted the way
Telegram posts them. A whole usulan and a cek status over Telegram alone, and what happens
when Telegram or the database misbehaves."""

from __future__ import annotations

import functools
import re
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

import bot.service
from bot.channels.telegram import client as telegram_client
from bot.channels.telegram.config import SECRET_HEADER
from bot.channels.telegram.ratelimit import TelegramRateLimiter
from bot.settings import Settings
from models.tables import Attachment, ChatContact, OutboxNotification, ProcessedMessage, Request
from tests.conversations.transcript import NIK_MAN, USULAN_TYPED
from tests.doubles.telegram_bot_api import TelegramBotApiDouble, Updates
from tests.images import tiny_png
from webhook.app import create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

# PTB 22 itself warns, while building a RetryAfter, that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

PATH = "/webhook/telegram"
SECRET = "e2e-Secret_0123456789"


@pytest.fixture(autouse=True)
def quick_chats(monkeypatch: pytest.MonkeyPatch) -> None:
    """A citizen here answers in milliseconds, not seconds: lift the one-message-a-second
    pace per chat (its own test is with the notifier). The 30/s and 429 handling stay."""
    fast = functools.partial(TelegramRateLimiter, chat_burst=100, chat_per_second=100)
    monkeypatch.setattr(telegram_client, "TelegramRateLimiter", fast)


@pytest.fixture
def double() -> Iterator[TelegramBotApiDouble]:
    with TelegramBotApiDouble() as running:
        yield running


def telegram_settings(
    double: TelegramBotApiDouble, database_url: str, tmp_path: Path, secret: str, **overrides: Any
) -> Settings:
    """The app with Telegram by webhook, pointed at the Bot API double."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": tmp_path / "var",
        "redis_url": None,
        "simulator_enabled": False,
        "public_base_url": "https://bot.example.go.id",
        "telegram_bot_token": double.token,
        "telegram_webhook_secret": secret,
        "telegram_api_base_url": double.base_url,
        "telegram_file_base_url": double.file_base_url,
    }
    return Settings(**(values | overrides))


@pytest.fixture
def start(double: TelegramBotApiDouble, tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """`start(database_url=None, **settings)` -> the app, with its container built by the
    lifespan."""
    clients: list[TestClient] = []

    def make(database_url: str | None = None, **overrides: Any) -> TestClient:
        url = database_url or f"sqlite:///{tmp_path / 'dtsen.db'}"
        settings = telegram_settings(double, url, tmp_path, SECRET, **overrides)
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def engine_of(client: TestClient) -> Engine:
    engine: Engine = client.app.state.container.engine  # type: ignore[attr-defined]
    return engine


def count(client: TestClient, table: type) -> int:
    with Session(engine_of(client)) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


class Citizen:
    """One Telegram user writing to the bot in a private chat."""

    def __init__(self, client: TestClient, double: TelegramBotApiDouble, chat_id: int) -> None:
        self.client = client
        self.double = double
        self.chat_id = chat_id
        self.updates = Updates(chat_id=chat_id)
        self.read = 0  # messages of this chat already looked at
        self.last_update: dict[str, Any] = {}

    def post(self, update: dict[str, Any], status: int = 200) -> str:
        self.last_update = update
        response = self.client.post(PATH, json=update, headers={SECRET_HEADER: SECRET})
        assert response.status_code == status, response.text
        return "\n---\n".join(m["text"] for m in self.new_messages())

    def new_messages(self) -> list[dict[str, Any]]:
        messages = self.double.messages(self.chat_id)
        new, self.read = messages[self.read :], len(messages)
        return new

    def say(self, text: str) -> str:
        return self.post(self.updates.text(text))

    def walk(self, lines: list[tuple[str, str]]) -> None:
        for said, expected in lines:
            answer = self.say(said)
            assert expected in answer, f"after {said!r} expected {expected!r} in:\n{answer}"

    def press(self, label_start: str) -> str:
        """Press a button of the bot's latest keyboard, as Telegram reports the press."""
        for call in reversed(self.double.sent(self.chat_id)):
            rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
            for row in rows:
                for button in row:
                    label = re.sub(r"^\d+\. ", "", button["text"])
                    if label.startswith(label_start):
                        message_id = call.result["message_id"]
                        update = self.updates.press(button["callback_data"], message_id=message_id)
                        return self.post(update)
            if rows:
                break
        raise AssertionError(f"no button {label_start!r} on the latest keyboard")

    def photo(self, data: bytes) -> str:
        return self.post(self.updates.photo(self.double.add_file(data), size=len(data)))


def file_usulan_over_telegram(citizen: Citizen, double: TelegramBotApiDouble) -> str:
    assert "Apa yang ingin Anda lakukan?" in citizen.say("/start")
    assert "Apakah Anda setuju?" in citizen.press("Usulan mandiri")
    assert "Usulan ini untuk siapa?" in citizen.press("Saya setuju")
    citizen.walk(USULAN_TYPED[3:])
    assert "foto rumah" in citizen.photo(tiny_png())
    house = double.add_file(tiny_png(), suffix="png")
    answer = citizen.post(citizen.updates.document(house, mime_type="image/png"))
    assert "lokasi" in answer
    assert "Nomor HP" in citizen.post(citizen.updates.location(-6.93, 107.72))
    phone_question = double.messages(citizen.chat_id)[-1]
    [[share]] = phone_question["reply_markup"]["keyboard"]
    assert share == {"text": "Bagikan nomor saya", "request_contact": True}
    # Telegram gives a shared number without "+": the engine still reads it.
    summary = citizen.post(citizen.updates.contact("6281234567890"))
    assert "Ringkasan" in summary and "3204********0001" in summary
    return citizen.press("Ya, kirim")


def test_a_whole_usulan_and_its_status_over_telegram(
    start: Callable[..., TestClient], double: TelegramBotApiDouble, db_engine: Engine
) -> None:
    client = start(db_engine.url.render_as_string(hide_password=False))
    citizen = Citizen(client, double, chat_id=700_100_200)

    done = file_usulan_over_telegram(citizen, double)

    assert "Kode tiket: U-" in done
    thanks = double.sent(citizen.chat_id)[-3]
    assert thanks.params["reply_markup"] == {"remove_keyboard": True}  # share button gone
    with Session(engine_of(client)) as session:
        request = session.exec(select(Request)).one()
        assert (request.kind, request.nik, request.status) == ("usulan", NIK_MAN, "diterima")
        assert f"{request.ticket[0]}-{request.ticket[1:]}" in done
        photos = session.exec(select(Attachment).where(Attachment.request_id == request.id))
        stored = sorted((p.purpose or "", p.content_type) for p in photos)
        assert stored == [("house_front", "image/png"), ("ktp", "image/png")]
    # The KTP photo came through getFile and the file download, largest size first.
    assert len(double.calls_to("getFile")) == 2 and len(double.calls_to("download")) == 2
    # Every button pressed was answered and taken away.
    assert len(double.calls_to("answerCallbackQuery")) == 3
    assert len(double.calls_to("editMessageReplyMarkup")) == 3
    assert all("parse_mode" not in m for m in double.messages())

    # Cek status from the same chat, with the /status command.
    assert "Permohonan mana" in citizen.say("/status")
    mine = citizen.press("Permohonan saya")
    assert request.ticket[1:] in mine and "Diterima" in mine

    # And from a neighbour's chat: the ticket and the NIK, and the status alone.
    ticket = f"{request.ticket[0]}-{request.ticket[1:]}"
    neighbour = Citizen(client, double, chat_id=700_100_999)
    assert "NIK yang diisi" in neighbour.say(ticket)
    status = neighbour.say(NIK_MAN)
    assert "Status: Diterima" in status and "Budi" not in status


def test_a_repeated_update_whose_replies_were_all_accepted_sends_nothing_again(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    citizen = Citizen(client, double, chat_id=700_100_201)
    done = file_usulan_over_telegram(citizen, double)
    assert "Kode tiket: U-" in done

    again = citizen.post(citizen.last_update)  # Telegram delivers the same update_id again

    assert again == ""  # every reply was confirmed sent: none goes out twice...
    assert count(client, Request) == 1  # ...and the effects were applied once


def test_a_repeated_update_sends_only_the_reply_that_failed(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    citizen = Citizen(client, double, chat_id=700_100_203)
    # "/start" is answered with two replies (the greeting, then the menu). Telegram takes
    # the first and fails on the second: the webhook answers 502 so Telegram redelivers.
    double.fail("sendMessage", 500, chat_id=citizen.chat_id, skip=1)
    greeting = citizen.post(citizen.updates.text("/start"), status=502)
    assert "Halo!" in greeting and "Apa yang ingin Anda lakukan?" not in greeting

    redelivered = citizen.post(citizen.last_update)

    assert "Apa yang ingin Anda lakukan?" in redelivered  # the failed reply, now...
    assert "Halo!" not in redelivered  # ...and not the one already sent
    assert len(double.messages(citizen.chat_id)) == 2
    assert citizen.post(citizen.last_update) == ""  # a third delivery sends nothing
    with Session(engine_of(client)) as session:
        rows = session.exec(select(OutboxNotification).order_by(OutboxNotification.id)).all()  # type: ignore[arg-type]
        assert [(r.kind, r.status, r.text) for r in rows] == [
            ("reply", "sent", ""),
            ("reply", "sent", ""),
        ]


def test_a_storage_failure_answers_5xx_and_the_redelivery_completes_the_step_once(
    start: Callable[..., TestClient], double: TelegramBotApiDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = start()
    citizen = Citizen(client, double, chat_id=700_100_202)
    citizen.walk(USULAN_TYPED[:5])  # the NIK is answered, the KK asked
    processed = count(client, ProcessedMessage)

    def database_blip(*args: object, **kwargs: object) -> None:
        raise ConnectionError("database went away")

    kk_answer = citizen.updates.text(USULAN_TYPED[5][0])
    with monkeypatch.context() as patch:
        # Inside the service's transaction, after the engine ran: the whole step rolls back.
        patch.setattr(bot.service, "record_delivery", database_blip)
        assert citizen.post(kk_answer, status=500) == ""  # nothing sent...
    assert count(client, ProcessedMessage) == processed  # ...and nothing stored

    assert "nama lengkap" in citizen.post(kk_answer)  # Telegram's redelivery
    assert count(client, ProcessedMessage) == processed + 1
    assert "lahir" in citizen.say("budi santoso")  # the flow moved on by exactly one step


def test_a_429_is_waited_out_and_the_reply_still_arrives(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    citizen = Citizen(client, double, chat_id=700_100_203)
    double.fail("sendMessage", 429, retry_after=1)

    assert "Apa yang ingin Anda lakukan?" in citizen.say("menu")

    attempts = double.calls_to("sendMessage", ok_only=False)
    assert attempts[0].status == 429 and attempts[1].status == 200
    assert attempts[1].params == attempts[0].params
    assert attempts[1].at - attempts[0].at >= 1.0


def test_a_chat_that_blocked_the_bot_is_marked_unreachable_and_not_retried(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    citizen = Citizen(client, double, chat_id=700_100_204)
    double.fail("sendMessage", 403, chat_id=citizen.chat_id, times=1)

    citizen.say("menu")  # 200: Telegram must not redeliver

    assert len(double.calls_to("sendMessage", ok_only=False)) == 1  # the rest not tried
    with Session(engine_of(client)) as session:
        contact = session.exec(select(ChatContact)).one()
        assert contact.unreachable_at is not None and "blocked" in (
            contact.unreachable_reason or ""
        )
    # Writing again (they unblocked the bot) makes the chat reachable again.
    assert "Apa yang ingin Anda lakukan?" in citizen.say("menu")
    with Session(engine_of(client)) as session:
        assert session.exec(select(ChatContact)).one().unreachable_at is None


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "not-the-secret"}])
def test_a_missing_or_wrong_secret_changes_nothing(
    start: Callable[..., TestClient], double: TelegramBotApiDouble, headers: dict[str, str]
) -> None:
    client = start()
    response = client.post(PATH, json=Updates().text("menu"), headers=headers)
    assert response.status_code == 403
    assert count(client, ProcessedMessage) == 0 and count(client, ChatContact) == 0
    assert double.messages() == []


def test_edits_stickers_and_groups_leave_the_conversation_where_it_was(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    citizen = Citizen(client, double, chat_id=700_100_205)
    citizen.walk(USULAN_TYPED[:4])  # the NIK is asked
    processed = count(client, ProcessedMessage)

    note = citizen.post(citizen.updates.edited("1"))
    assert "diubah tidak saya baca" in note
    assert count(client, ProcessedMessage) == processed  # the engine never saw it

    unsupported = citizen.post(citizen.updates.sticker())
    assert "hanya bisa membaca tulisan" in unsupported and "NIK" in unsupported

    group = citizen.updates.in_group("/start@dtsen_test_bot")
    client.post(PATH, json=group, headers={SECRET_HEADER: SECRET})
    assert "chat pribadi" in double.texts(group["message"]["chat"]["id"])[0]

    assert "Kartu Keluarga" in citizen.say(NIK_MAN)  # still at the NIK question


@pytest.mark.parametrize("setup", ["sqlite", "postgresql+redis"])
def test_a_quick_pair_from_one_chat_is_answered_at_once_without_the_outbox_worker(
    start: Callable[..., TestClient],
    double: TelegramBotApiDouble,
    request: pytest.FixtureRequest,
    setup: str,
) -> None:
    """A citizen sends two messages at once (the second arrives while the first is being
    handled): both answers reach Telegram by the time the webhooks return. Replies are sent
    by the handler that wrote them, never by the outbox worker's poll, which is off here: a
    reply left for it would never come. (The p99 of 2 s in benchmarks/README.md is
    Telegram's one-message-a-second pace per chat, not this.)"""
    if setup == "sqlite":
        client = start(worker_in_serve=False)
    else:
        engine: Engine = request.getfixturevalue("postgresql_engine")
        request.getfixturevalue("redis_client")  # an empty Redis database, emptied after
        client = start(
            engine.url.render_as_string(hide_password=False),
            redis_url=request.getfixturevalue("_redis_url"),
            worker_in_serve=False,
        )
    chat_id = 700_100_500
    updates = Updates(chat_id=chat_id)
    pair = [updates.text("menu"), updates.text("/status")]

    def post(update: dict[str, Any]) -> int:
        status: int = client.post(PATH, json=update, headers={SECRET_HEADER: SECRET}).status_code
        return status

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = list(pool.map(post, pair))
    elapsed = time.monotonic() - began

    assert statuses == [200, 200]
    # The two may be handled in either order ("menu" after "/status" answers that the
    # draft is kept), so: both answered, the status question among them.
    sent = double.texts(chat_id)
    assert len(sent) >= 2 and any("Permohonan mana" in text for text in sent)
    assert elapsed < 10  # a machine under load, still far from any poll
    with Session(engine_of(client)) as session:
        rows = session.exec(select(OutboxNotification.status)).all()
    assert rows and set(rows) == {"sent"}  # nothing left for a worker

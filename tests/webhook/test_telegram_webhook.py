"""The Telegram webhook route with a stand-in service and the local Bot API double: who may
post, what reaches the service, and what Telegram is asked to do."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from bot.channels.telegram import client as telegram_client
from bot.channels.telegram.config import SECRET_HEADER, TelegramConfigError
from bot.channels.telegram.ratelimit import TelegramRateLimiter
from bot.inbound import Handled, InboundMessage
from bot.settings import Settings
from conversations.catalogue import Language
from staff.outbox import Settled
from tests.doubles.telegram_bot_api import TelegramBotApiDouble, Updates
from tests.images import tiny_png
from tests.webhook.support import FakeService
from webhook.app import create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PATH = "/webhook/telegram"
SECRET = "s3cret-Token_for-tests"
CHAT = 700_100_200


@pytest.fixture
def double() -> Iterator[TelegramBotApiDouble]:
    with TelegramBotApiDouble() as running:
        yield running


def telegram_settings(double: TelegramBotApiDouble, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": "sqlite://",
        "simulator_enabled": False,
        "telegram_bot_token": double.token,
        "telegram_webhook_secret": SECRET,
        "public_base_url": "https://bot.example.go.id",
        "telegram_api_base_url": double.base_url,
        "telegram_file_base_url": double.file_base_url,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def start(double: TelegramBotApiDouble) -> Iterator[Callable[..., TestClient]]:
    """`start(service=..., **settings)` -> a running app with the Telegram channel."""
    clients: list[TestClient] = []

    def make(service: Any = None, **overrides: Any) -> TestClient:
        app = create_app(telegram_settings(double, **overrides), service=service or FakeService())
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def post(client: TestClient, update: dict[str, Any], secret: str | None = SECRET) -> Any:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return client.post(PATH, json=update, headers=headers)


def received(client: TestClient) -> list[InboundMessage]:
    service: FakeService = client.app.state.service  # type: ignore[attr-defined]
    return service.received


# -- who may post ---------------------------------------------------------------------------


def test_without_a_token_there_is_no_telegram_route(start: Callable[..., TestClient]) -> None:
    client = start(telegram_bot_token=None)
    assert post(client, Updates().text("menu")).status_code == 404
    assert received(client) == []


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
def test_a_missing_or_wrong_secret_is_refused_and_changes_nothing(
    start: Callable[..., TestClient], double: TelegramBotApiDouble, secret: str | None
) -> None:
    client = start()
    response = post(client, Updates().text("menu"), secret=secret)
    assert response.status_code == 403
    assert received(client) == []
    assert double.calls_to("sendMessage", ok_only=False) == []


def test_a_webhook_without_a_secret_does_not_start(double: TelegramBotApiDouble) -> None:
    app = create_app(telegram_settings(double, telegram_webhook_secret=None), service=FakeService())
    with pytest.raises(TelegramConfigError, match="TELEGRAM_WEBHOOK_SECRET"), TestClient(app):
        pass


def test_a_secret_telegram_would_refuse_does_not_start(double: TelegramBotApiDouble) -> None:
    app = create_app(telegram_settings(double, telegram_webhook_secret="has space"))
    with pytest.raises(TelegramConfigError, match="letters, digits"), TestClient(app):
        pass


def test_local_development_may_serve_the_webhook_without_a_secret(
    start: Callable[..., TestClient],
) -> None:
    client = start(telegram_webhook_secret=None, allow_insecure_webhooks=True)
    assert post(client, Updates().text("menu"), secret=None).status_code == 200
    assert [m.text for m in received(client)] == ["menu"]


def test_in_polling_mode_the_route_still_refuses_posts_without_a_secret(
    start: Callable[..., TestClient],
) -> None:
    client = start(telegram_webhook_secret=None, public_base_url=None)
    assert post(client, Updates().text("menu"), secret=None).status_code == 403
    assert received(client) == []


def test_a_body_that_is_not_an_update_is_a_bad_request(start: Callable[..., TestClient]) -> None:
    client = start()
    headers = {SECRET_HEADER: SECRET, "content-type": "application/json"}
    assert client.post(PATH, content=b"{not json", headers=headers).status_code == 400
    assert client.post(PATH, json={"message": {}}, headers=headers).status_code == 400


def test_an_authentic_update_this_library_cannot_read_is_acknowledged(
    start: Callable[..., TestClient],
) -> None:
    # A redelivery would fail the same way: acknowledge instead of looping forever.
    client = start()
    broken = {"update_id": 5, "message": {"message_id": 1, "chat": {"type": "private"}}}
    assert post(client, broken).status_code == 200
    assert received(client) == []


# -- what reaches the service, what Telegram is asked to do ---------------------------------


def test_a_text_reaches_the_service_and_the_replies_go_out_in_order(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    update = Updates(chat_id=CHAT).text("Halo <b>bot</b>")

    response = post(client, update)

    assert response.status_code == 200 and response.content == b""
    [message] = received(client)
    assert (message.channel, message.sender) == ("telegram", str(CHAT))
    assert (message.message_id, message.text) == (str(update["update_id"]), "Halo <b>bot</b>")
    echo, question = double.messages(CHAT)
    assert echo["text"] == "echo: Halo <b>bot</b>\nsecond line" and "parse_mode" not in echo
    assert echo["reply_markup"] == {"remove_keyboard": True}
    assert question["text"] == "Pilih satu:"
    assert question["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Ya", "callback_data": "yes"}],
            [{"text": "Tidak", "callback_data": "no"}],
        ]
    }


def test_a_command_with_the_bots_name_reaches_the_service_as_its_word(
    start: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One chat, many messages: lift the per-chat pace (tested with the notifier) for speed.
    fast = functools.partial(TelegramRateLimiter, chat_burst=100, chat_per_second=100)
    monkeypatch.setattr(telegram_client, "TelegramRateLimiter", fast)
    client = start()
    for command in ("/start", "/status@dtsen_test_bot", "/batal", "/bahasa", "/bantuan", "/menu"):
        assert post(client, Updates().text(command)).status_code == 200
    assert [m.text for m in received(client)] == [
        "menu",
        "status",
        "batal",
        "bahasa",
        "bantuan",
        "menu",
    ]


def test_a_button_press_stops_the_spinner_clears_the_keyboard_then_answers(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    update = Updates(chat_id=CHAT).press("yes", message_id=4321)

    assert post(client, update).status_code == 200

    assert [m.choice for m in received(client)] == ["yes"]
    methods = [c.method for c in double.calls if c.method != "getMe"]
    assert methods == [
        "answerCallbackQuery",
        "editMessageReplyMarkup",
        "sendMessage",
        "sendMessage",
    ]
    [answer] = double.calls_to("answerCallbackQuery")
    assert answer.params == {"callback_query_id": update["callback_query"]["id"]}
    [edit] = double.calls_to("editMessageReplyMarkup")
    assert edit.params == {"chat_id": CHAT, "message_id": 4321}  # no markup: removed


def test_a_stale_press_is_still_answered_though_telegram_no_longer_knows_it(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    double.fail("answerCallbackQuery", 400, description="Bad Request: query is too old")
    double.fail("editMessageReplyMarkup", 400, description="Bad Request: message is not modified")

    assert post(client, Updates().press("yes")).status_code == 200
    assert len(double.calls_to("answerCallbackQuery", ok_only=False)) == 1
    assert len(double.messages()) == 2  # the engine's answer (a stale button) still goes out


def test_the_largest_photo_is_downloaded_and_handed_over(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    file_id = double.add_file(tiny_png())

    assert post(client, Updates().photo(file_id)).status_code == 200

    [message] = received(client)
    assert message.photo is not None and message.photo.data == tiny_png()
    assert [c.params["file_id"] for c in double.calls_to("getFile")] == [file_id]
    assert len(double.calls_to("download")) == 1


def test_an_image_sent_as_a_document_is_a_photo_too(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    file_id = double.add_file(tiny_png(), suffix="png")

    post(client, Updates().document(file_id, mime_type="image/png"))

    [message] = received(client)
    assert message.photo is not None
    assert (message.photo.data, message.photo.declared_type) == (tiny_png(), "image/png")


def test_a_photo_over_the_limit_is_not_downloaded(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    too_big = 10 * 1024 * 1024 + 1

    post(client, Updates().photo("huge-photo", size=too_big))

    [message] = received(client)
    # Passed on as refused by size ("Foto terlalu besar"): no bytes, nothing downloaded.
    assert message.photo is None and message.rejected == "photo_too_large"
    assert double.calls_to("getFile", ok_only=False) == []


def test_a_photo_telegram_cannot_hand_out_is_asked_again(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    post(client, Updates().photo("expired-file-id"))
    [message] = received(client)
    assert message.photo is None and message.rejected == "photo_empty"  # "kosong: kirim lagi"


def test_stickers_and_voice_notes_are_passed_on_as_unsupported(
    start: Callable[..., TestClient],
) -> None:
    client = start()
    post(client, Updates(chat_id=1).sticker())
    post(client, Updates(chat_id=2).voice())
    assert [m.rejected for m in received(client)] == ["unsupported", "unsupported"]


def test_location_and_shared_contact(start: Callable[..., TestClient]) -> None:
    client = start()
    post(client, Updates(chat_id=1).location(-6.93, 107.72))
    post(client, Updates(chat_id=2).contact("+6281234567890"))
    location, contact = received(client)
    assert location.location is not None and location.location.lat == -6.93
    assert contact.contact_phone == "+6281234567890"


def test_an_edit_gets_a_friendly_note_without_the_engine(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    assert post(client, Updates(chat_id=CHAT).edited("Budi Santosa")).status_code == 200
    assert received(client) == []
    [note] = double.texts(CHAT)
    assert "diubah tidak saya baca" in note and "pesan baru" in note


def test_a_group_is_told_to_write_privately_without_the_engine(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    updates = Updates()
    assert post(client, updates.in_group("/start")).status_code == 200
    assert post(client, updates.in_group("pagi semua")).status_code == 200
    assert received(client) == []
    [note] = double.messages()
    assert note["chat_id"] < 0 and "chat pribadi" in note["text"]


def test_with_reply_in_response_the_last_reply_is_the_webhook_answer(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start(telegram_reply_in_response=True)

    response = post(client, Updates(chat_id=CHAT).text("menu"))

    assert response.status_code == 200
    # Telegram runs the answer's method after the HTTP exchange: it must be the last reply.
    assert double.texts(CHAT) == ["echo: menu\nsecond line"]
    body = response.json()
    assert body["method"] == "sendMessage" and body["chat_id"] == CHAT
    assert body["text"] == "Pilih satu:"
    assert body["reply_markup"]["inline_keyboard"][0] == [{"text": "Ya", "callback_data": "yes"}]


# -- when Telegram or the service fails -----------------------------------------------------


def test_telegram_unreachable_for_a_reply_means_5xx_so_the_update_comes_again(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    double.fail("sendMessage", 502)
    assert post(client, Updates().text("menu")).status_code == 502


def test_a_failing_service_means_5xx_and_nothing_is_sent(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    class Broken:
        def language_of(self, channel: str, sender: str) -> Language:
            return "id"

        def report(self, results: Sequence[Settled]) -> None:
            pass

        def handle(self, message: InboundMessage) -> Handled:
            raise ConnectionError("database went away")

    client = start(service=Broken())
    response = post(client, Updates().text("menu"))
    assert response.status_code == 500 and "database" not in response.text
    assert double.calls_to("sendMessage", ok_only=False) == []


def test_a_chat_that_blocked_the_bot_is_acknowledged_and_not_sent_the_rest(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    double.fail("sendMessage", 403, chat_id=CHAT, times=None)

    assert post(client, Updates(chat_id=CHAT).text("menu")).status_code == 200
    assert len(double.calls_to("sendMessage", ok_only=False)) == 1


def test_a_message_telegram_refuses_is_skipped_and_the_rest_still_goes(
    start: Callable[..., TestClient], double: TelegramBotApiDouble
) -> None:
    client = start()
    double.fail("sendMessage", 400, description="Bad Request: can't parse entities")

    assert post(client, Updates(chat_id=CHAT).text("menu")).status_code == 200
    assert double.texts(CHAT) == ["Pilih satu:"]

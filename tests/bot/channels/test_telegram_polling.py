"""Long polling against the local Bot API double: getUpdates fed by the test, each update
through the same `handle_update` as the webhook, confirmed only once it is handled."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest

from bot.channels.telegram import polling
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.client import build_bot
from bot.inbound import Handled, InboundMessage
from bot.settings import Settings
from conversations.catalogue import Language
from conversations.types import Reply
from staff.outbox import Settled
from tests.doubles.telegram_bot_api import TelegramBotApiDouble, Updates

CHAT = 700_200_300


class FlakyService:
    """Fails the first `failures` messages (a database blip), then echoes."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.attempts = 0
        self.received: list[InboundMessage] = []

    def language_of(self, channel: str, sender: str) -> Language:
        return "id"

    def report(self, results: Sequence[Settled]) -> None:

        pass

    def handle(self, message: InboundMessage) -> Handled:
        self.attempts += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database went away")
        self.received.append(message)
        return Handled.unrecorded([Reply(f"echo: {message.text}")])


@pytest.fixture
def double() -> Iterator[TelegramBotApiDouble]:
    with TelegramBotApiDouble() as running:
        yield running


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(polling, "FIRST_RETRY_SECONDS", 0.05)


def poll_until(
    double: TelegramBotApiDouble, service: FlakyService, done: Any, timeout: float = 10.0
) -> None:
    """Run the polling loop until `done()` holds, then stop it the way `serve` does."""
    settings = Settings(
        telegram_bot_token=double.token,
        telegram_api_base_url=double.base_url,
        telegram_file_base_url=double.file_base_url,
    )

    async def run() -> None:
        async with build_bot(settings) as bot:
            channel = TelegramChannel(bot=bot, service=service, max_photo_bytes=10_000_000)
            stop = asyncio.Event()
            task = asyncio.create_task(polling.run_polling(channel, stop))
            deadline = time.monotonic() + timeout
            while not done() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            stop.set()
            await asyncio.wait_for(task, 5)

    asyncio.run(run())
    assert done(), f"polling did not get there; calls: {double.calls}"


def confirmed(double: TelegramBotApiDouble, update: dict[str, Any]) -> bool:
    """A poll has told Telegram that `update` (and all before it) is done."""
    polls = double.calls_to("getUpdates")
    return any(p.params.get("offset") == update["update_id"] + 1 for p in polls)


def test_updates_are_answered_in_order_and_confirmed(double: TelegramBotApiDouble) -> None:
    updates = Updates(chat_id=CHAT)
    first, second = updates.text("/start"), updates.text("status")
    double.push_updates(first, second)
    service = FlakyService()

    poll_until(double, service, lambda: confirmed(double, second))

    assert [m.text for m in service.received] == ["menu", "status"]
    assert double.texts(CHAT) == ["echo: menu", "echo: status"]
    polls = double.calls_to("getUpdates")
    assert polls[0].params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    # The poll after them confirms both: Telegram forgets them only once they were handled.
    confirming = next(p for p in polls if p.params.get("offset") == second["update_id"] + 1)
    assert confirming.at > double.sent(CHAT)[-1].at


def test_polling_takes_over_from_a_webhook_and_fills_the_command_menu(
    double: TelegramBotApiDouble,
) -> None:
    # Registered earlier (set-webhook); Telegram refuses getUpdates while it is.
    httpx.post(f"{double.base_url}{double.token}/setWebhook", data={"url": "https://old.example/"})
    double.push_updates(Updates(chat_id=CHAT).text("menu"))

    poll_until(double, FlakyService(), lambda: bool(double.texts(CHAT)))

    methods = [c.method for c in double.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    assert double.webhook == {}
    default, english = double.commands[""], double.commands["en"]
    assert [c["command"] for c in default] == ["menu", "status", "batal", "bahasa", "bantuan"]
    assert default[1]["description"] == "Cek status permohonan"
    assert english[1]["description"] == "Check the status of a request"


def test_a_failed_update_is_retried_not_skipped(double: TelegramBotApiDouble) -> None:
    update = Updates(chat_id=CHAT).text("menu")
    double.push_updates(update)
    service = FlakyService(failures=2)

    poll_until(double, service, lambda: confirmed(double, update))

    assert [m.message_id for m in service.received] == [str(update["update_id"])]
    assert double.texts(CHAT) == ["echo: menu"]
    # Fetched once, confirmed (offset past it) only by the poll after it was handled.
    offsets = [c.params.get("offset") for c in double.calls_to("getUpdates")]
    assert offsets[:2] == [None, update["update_id"] + 1]


def test_an_update_still_failing_at_shutdown_comes_again_on_the_next_start(
    double: TelegramBotApiDouble,
) -> None:
    update = Updates(chat_id=CHAT).text("menu")
    double.push_updates(update)
    down = FlakyService(failures=1_000)

    poll_until(double, down, lambda: down.attempts >= 3)  # tried, and tried again

    assert all(c.params.get("offset") is None for c in double.calls_to("getUpdates"))
    healthy = FlakyService()
    poll_until(double, healthy, lambda: bool(double.texts(CHAT)))
    assert [m.message_id for m in healthy.received] == [str(update["update_id"])]


def test_telegram_unreachable_for_a_while_is_waited_out(double: TelegramBotApiDouble) -> None:
    double.fail("getUpdates", 502, times=2)
    double.push_updates(Updates(chat_id=CHAT).text("menu"))

    poll_until(double, FlakyService(), lambda: bool(double.texts(CHAT)))

    assert [c.status for c in double.calls_to("getUpdates", ok_only=False)][:3] == [502, 502, 200]

"""Notifications over Telegram against the local Bot API double, on SQLite and PostgreSQL:
free-form or unreachable, recorded once, at Telegram's pace."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import TypeVar

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.channels.notify import Notification, Path
from bot.channels.telegram.client import build_bot
from bot.channels.telegram.notifier import TelegramNotifier
from bot.settings import Settings
from models.channels import is_unreachable, mark_unreachable
from models.tables import ChatContact, OutboundMessage
from tests.conftest import TEST_KEYS
from tests.doubles.telegram_bot_api import TelegramBotApiDouble

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
CHAT = "700100200"
NEWS = Notification("status_changed", "Permohonan U-7KQ4M9 sekarang: Diverifikasi desa.")
T = TypeVar("T")

# PTB 22 itself warns, while building a RetryAfter, that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def double() -> Iterator[TelegramBotApiDouble]:
    with TelegramBotApiDouble() as running:
        yield running


def with_bot(double: TelegramBotApiDouble, use: Callable[[ExtBot[int]], Awaitable[T]]) -> T:
    settings = Settings(
        telegram_bot_token=double.token,
        telegram_api_base_url=double.base_url,
        telegram_file_base_url=double.file_base_url,
    )

    async def run() -> T:
        async with build_bot(settings) as bot:
            return await use(bot)

    return asyncio.run(run())


def notify(
    double: TelegramBotApiDouble, engine: Engine, *chats: str, news: Notification = NEWS
) -> list[Path]:
    async def use(bot: ExtBot[int]) -> list[Path]:
        notifier = TelegramNotifier(bot, engine, clock=lambda: NOW)
        return list(await asyncio.gather(*(notifier.notify(chat, news) for chat in chats)))

    return with_bot(double, use)


def outbound(engine: Engine) -> list[OutboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboundMessage)))


def test_a_notification_goes_out_free_form_and_is_recorded(
    double: TelegramBotApiDouble, db_engine: Engine
) -> None:
    assert notify(double, db_engine, CHAT) == ["free_form"]

    [sent] = double.messages(int(CHAT))
    assert sent["text"] == NEWS.text and "parse_mode" not in sent
    [row] = outbound(db_engine)
    # The chat as its keyed hash (a WhatsApp chat id is a phone number).
    assert (row.channel, row.chat_id, row.kind) == (
        "telegram",
        TEST_KEYS.lookup(CHAT),
        "status_changed",
    )
    assert (row.path, row.status, row.body) == ("free_form", "sent", None)
    # Telegram numbers messages per chat: the chat makes the id unique across chats.
    assert row.provider_message_id is not None and row.provider_message_id.startswith(f"{CHAT}:")


def test_the_same_message_number_in_two_chats_is_recorded_twice(
    double: TelegramBotApiDouble, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import itertools

    monkeypatch.setattr(double, "_message_ids", itertools.repeat(77))
    assert notify(double, sqlite_engine, "111", "222") == ["free_form", "free_form"]
    assert sorted(r.provider_message_id or "" for r in outbound(sqlite_engine)) == [
        "111:77",
        "222:77",
    ]


def test_a_chat_that_blocked_the_bot_is_marked_and_not_tried_again(
    double: TelegramBotApiDouble, db_engine: Engine
) -> None:
    double.fail("sendMessage", 403, chat_id=int(CHAT), times=None)

    assert notify(double, db_engine, CHAT) == ["unreachable"]
    assert notify(double, db_engine, CHAT) == ["unreachable"]

    assert len(double.calls_to("sendMessage", ok_only=False)) == 1  # the second never went
    with Session(db_engine) as session:
        assert is_unreachable(session, "telegram", CHAT)
        contact = session.exec(select(ChatContact)).one()
        assert "blocked" in (contact.unreachable_reason or "")
    rows = outbound(db_engine)
    assert [(r.status, r.error_code) for r in rows] == [
        ("failed", "refused"),
        ("failed", "unreachable"),
    ]


def test_a_chat_marked_unreachable_earlier_is_skipped(
    double: TelegramBotApiDouble, sqlite_engine: Engine
) -> None:
    with Session(sqlite_engine) as session, session.begin():
        mark_unreachable(session, "telegram", CHAT, at=NOW, reason="blocked")
    assert notify(double, sqlite_engine, CHAT) == ["unreachable"]
    assert double.calls_to("sendMessage", ok_only=False) == []


def test_a_429_is_waited_out_and_the_notification_still_arrives(
    double: TelegramBotApiDouble, sqlite_engine: Engine
) -> None:
    double.fail("sendMessage", 429, retry_after=1)

    assert notify(double, sqlite_engine, CHAT) == ["free_form"]

    refused, accepted = double.calls_to("sendMessage", ok_only=False)
    assert (refused.status, accepted.status) == (429, 200)
    assert accepted.at - refused.at >= 1.0
    assert [r.status for r in outbound(sqlite_engine)] == ["sent"]


def test_a_long_wait_is_left_to_the_outbox_worker(
    double: TelegramBotApiDouble, sqlite_engine: Engine
) -> None:
    double.fail("sendMessage", 429, retry_after=3600)
    with pytest.raises(RetryAfter):
        notify(double, sqlite_engine, CHAT)
    assert outbound(sqlite_engine) == []  # nothing recorded: the worker tries again


def test_one_chat_gets_about_one_message_a_second_after_a_short_burst(
    double: TelegramBotApiDouble, sqlite_engine: Engine
) -> None:
    news = [Notification("status_changed", f"Kabar {n}") for n in range(5)]

    async def use(bot: ExtBot[int]) -> None:
        notifier = TelegramNotifier(bot, sqlite_engine, clock=lambda: NOW)
        await asyncio.gather(*(notifier.notify(CHAT, item) for item in news))

    with_bot(double, use)

    times = [c.at for c in double.calls_to("sendMessage")]
    assert len(times) == 5
    # Three at once (a reply is often two or three messages), then one a second.
    assert times[2] - times[0] < 0.9  # paced, it would be 2 seconds
    assert times[3] - times[0] >= 0.9 and times[4] - times[0] >= 1.9


def test_the_bot_sends_at_most_about_thirty_a_second(
    double: TelegramBotApiDouble, sqlite_engine: Engine
) -> None:
    chats = [str(800_000 + n) for n in range(45)]
    started = time.monotonic()
    assert set(notify(double, sqlite_engine, *chats)) == {"free_form"}
    # 30 in the first instant, the other 15 at 30 a second: at least half a second.
    assert time.monotonic() - started >= 0.45
    assert len(double.messages()) == 45


def test_a_long_notification_is_split_and_recorded_once(
    double: TelegramBotApiDouble, sqlite_engine: Engine
) -> None:
    digest = Notification("digest", "\n\n".join(f"Permohonan {n}: " + "x" * 3000 for n in range(3)))
    assert notify(double, sqlite_engine, CHAT, news=digest) == ["free_form"]
    assert len(double.messages(int(CHAT))) == 3
    assert len(outbound(sqlite_engine)) == 1

"""Every channel adapter is one shape: it renders replies for its medium and sends
notifications (`bot.channels.base.Channel`), and each renders the same reply its own way."""

from __future__ import annotations

from typing import Any

from bot.channels.base import Channel
from bot.channels.simulator import SimulatorChannel
from bot.channels.sms.channel import SmsChannel
from bot.channels.sms.config import SmsConfig
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.config import WhatsAppConfig
from bot.settings import Settings
from conversations.types import Choice, Reply
from tests.webhook.support import FakeService

QUESTION = Reply("Status perkawinan?", (Choice("a", "Kawin"), Choice("b", "Belum kawin")), "choice")


def adapters() -> list[Channel[Any]]:
    from bot.channels.telegram.client import build_bot

    telegram = TelegramChannel(
        bot=build_bot(Settings(telegram_bot_token="1:x")), service=FakeService(), max_photo_bytes=1
    )
    return [
        telegram,
        WhatsAppChannel(WhatsAppConfig()),
        SmsChannel(SmsConfig()),
        SimulatorChannel(),
    ]


def test_each_channel_renders_the_same_question_for_its_medium() -> None:
    rendered = {
        adapter.name: adapter.render("6281234567890", [QUESTION], "id") for adapter in adapters()
    }
    assert set(rendered) == {"telegram", "whatsapp", "sms", "simulator"}
    [telegram] = rendered["telegram"]
    assert telegram.markup is not None  # buttons
    [whatsapp] = rendered["whatsapp"]
    assert "1. Kawin" in whatsapp.body
    [sms] = rendered["sms"]
    assert sms.endswith("Balas dengan angka 1-2.")
    assert rendered["simulator"] == [QUESTION]  # the page draws the buttons itself

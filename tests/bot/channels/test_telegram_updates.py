"""Reading Telegram updates (real-shaped JSON through PTB's Update.de_json) into actions."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bot.channels.telegram.updates import (
    EDITED_NOTE,
    GROUP_NOTE,
    BotIdentity,
    Ignore,
    Note,
    ToEngine,
    command_text,
    read_update,
)
from conversations.types import Location
from tests.doubles.telegram_bot_api import Updates

BOT = BotIdentity(123456789, "dtsen_test_bot")


def read(payload: dict[str, Any]) -> ToEngine | Note | Ignore:
    return read_update(Update.de_json(payload, None), BOT)


def to_engine(payload: dict[str, Any]) -> ToEngine:
    action = read(payload)
    assert isinstance(action, ToEngine), action
    return action


@pytest.fixture
def updates() -> Updates:
    return Updates(chat_id=555_001)


def test_text_becomes_a_message_keyed_by_chat_and_update(updates: Updates) -> None:
    payload = updates.text("Budi Santoso")
    action = to_engine(payload)
    message = action.message
    assert (message.channel, message.sender, message.text) == ("telegram", "555001", "Budi Santoso")
    assert message.message_id == str(payload["update_id"])
    assert action.chat_id == 555_001 and action.file is None and action.press is None


@pytest.mark.parametrize(
    ("typed", "engine_reads"),
    [
        ("/start", "menu"),
        ("/start kampanye-desa", "menu"),  # a deep link's payload is dropped
        ("/menu", "menu"),
        ("/status", "status"),
        ("/status@dtsen_test_bot", "status"),
        ("/batal", "batal"),
        ("/BATAL@dtsen_test_bot", "batal"),
        ("/bahasa", "bahasa"),
        ("/bantuan", "bantuan"),
        ("/help", "/help"),  # the engine's own words handle the rest ("/help", "/cancel")
        ("/status U-7KQ4M9", "/status U-7KQ4M9"),
        ("status", "status"),
    ],
)
def test_commands_map_to_the_engines_words(typed: str, engine_reads: str) -> None:
    assert command_text(typed) == engine_reads


def test_a_command_update_reaches_the_engine_as_its_word(updates: Updates) -> None:
    assert to_engine(updates.text("/status@dtsen_test_bot")).message.text == "status"


def test_a_button_press_is_the_choice_and_names_the_message_to_clear(updates: Updates) -> None:
    action = to_engine(updates.press("menu=status", message_id=4321))
    assert action.message.choice == "menu=status" and action.message.text is None
    assert action.press is not None and action.press.message_id == 4321


def test_the_largest_photo_size_is_fetched(updates: Updates) -> None:
    action = to_engine(updates.photo("big-one", size=2048, caption="KTP saya"))
    assert action.file is not None
    assert (action.file.file_id, action.file.size) == ("big-one", 2048)
    assert action.message.photo is None  # downloaded by the channel, not here


def test_an_image_sent_as_a_file_is_a_photo(updates: Updates) -> None:
    action = to_engine(updates.document("doc-1", mime_type="image/png", size=900))
    assert action.file is not None
    assert (action.file.file_id, action.file.declared_type) == ("doc-1", "image/png")


@pytest.mark.parametrize("kind", ["pdf", "sticker", "voice"])
def test_other_files_stickers_and_voice_are_unsupported(updates: Updates, kind: str) -> None:
    payload = {
        "pdf": lambda: updates.document("doc-2", mime_type="application/pdf", name="kk.pdf"),
        "sticker": updates.sticker,
        "voice": updates.voice,
    }[kind]()
    action = to_engine(payload)
    assert action.message.rejected == "unsupported" and action.file is None


def test_location_and_contact(updates: Updates) -> None:
    assert to_engine(updates.location(-6.93, 107.72)).message.location == Location(-6.93, 107.72)
    assert to_engine(updates.contact("6281234567890")).message.contact_phone == "6281234567890"


def test_an_edited_text_gets_a_note_in_the_chats_language(updates: Updates) -> None:
    action = read(updates.edited("Budi Santosa"))
    assert action == Note(555_001, EDITED_NOTE, in_chat_language=True)


def test_a_moving_live_location_is_not_an_edit_to_answer(updates: Updates) -> None:
    assert isinstance(read(updates.edited_live_location(-6.93, 107.72)), Ignore)


@pytest.mark.parametrize(
    "text", ["/start", "/menu@dtsen_test_bot", "halo @DTSEN_test_bot, cara daftar?"]
)
def test_a_group_that_addresses_the_bot_is_sent_to_a_private_chat(
    updates: Updates, text: str
) -> None:
    action = read(updates.in_group(text))
    assert isinstance(action, Note) and action.key == GROUP_NOTE
    assert action.chat_id < 0 and action.in_chat_language is False


@pytest.mark.parametrize("text", ["selamat pagi semua", "/start@another_bot"])
def test_group_chatter_and_other_bots_commands_are_left_alone(updates: Updates, text: str) -> None:
    assert isinstance(read(updates.in_group(text)), Ignore)


def test_a_reply_to_the_bot_in_a_group_is_addressed_to_it(updates: Updates) -> None:
    payload = updates.in_group("ini bagaimana?", kind="group")
    payload["message"]["reply_to_message"] = {
        "message_id": 7,
        "date": 0,
        "chat": payload["message"]["chat"],
        "from": {"id": BOT.id, "is_bot": True, "first_name": "DTSEN"},
        "text": "...",
    }
    assert isinstance(read(payload), Note)


def test_a_press_without_a_visible_message_is_still_answered(updates: Updates) -> None:
    payload = updates.press("menu=status")
    del payload["callback_query"]["message"]
    payload["callback_query"]["inline_message_id"] = "AAAA"
    action = read(payload)
    assert isinstance(action, Ignore) and action.press is not None


def test_an_update_kind_the_bot_does_not_read_is_ignored() -> None:
    answer = {"poll_id": "1", "option_ids": [0], "option_persistent_ids": ["a"]}
    poll = {"update_id": 1, "poll_answer": answer}
    assert isinstance(read(poll), Ignore)

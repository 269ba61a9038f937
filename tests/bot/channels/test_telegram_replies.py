"""The engine's replies as Telegram messages: keyboards, the share-number button, splitting."""

from __future__ import annotations

import json

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.channels.telegram.replies import (
    MAX_TEXT,
    Outgoing,
    split_text,
    to_messages,
    units,
)
from conversations.types import Choice, Reply

CHAT = 700_100_200
MENU = Reply(
    "Apa yang ingin Anda lakukan?",
    (Choice("menu=usulan", "Usulan mandiri"), Choice("menu=status", "Cek status")),
    expects="choice",
)
PHONE = Reply("Nomor HP yang bisa dihubungi?", asks_phone=True)


def buttons(message: Outgoing) -> list[tuple[str, str | None]]:
    assert isinstance(message.markup, InlineKeyboardMarkup)
    return [(b.text, b.callback_data) for row in message.markup.inline_keyboard for b in row]  # type: ignore[misc]


def test_choices_are_numbered_buttons_carrying_the_choice_id() -> None:
    [message] = to_messages(CHAT, [MENU])
    assert message.text == MENU.text
    assert buttons(message) == [
        ("1. Usulan mandiri", "menu=usulan"),
        ("2. Cek status", "menu=status"),
    ]


def test_unnumbered_choices_keep_their_plain_labels() -> None:
    summary = Reply(
        "Ringkasan:\n1. Nama: Budi", (Choice("__summary__=send", "Ya, kirim"),), numbered=False
    )
    [message] = to_messages(CHAT, [summary])
    assert buttons(message) == [("Ya, kirim", "__summary__=send")]


def test_a_choice_id_over_64_bytes_falls_back_to_a_list_in_the_text() -> None:
    long_id = "village=" + "3204052004" * 7
    reply = Reply("Pilih desa:", (Choice(long_id, "Cinunuk"), Choice("village=x", "Cileunyi")))
    [message] = to_messages(CHAT, [reply])
    assert not isinstance(message.markup, InlineKeyboardMarkup)
    assert message.text == "Pilih desa:\n\n1. Cinunuk\n2. Cileunyi"


def test_the_phone_question_offers_the_share_number_button_in_the_chats_language() -> None:
    [indonesian] = to_messages(CHAT, [PHONE], "id")
    [english] = to_messages(CHAT, [PHONE], "en")
    for message, label in ((indonesian, "Bagikan nomor saya"), (english, "Share my number")):
        assert isinstance(message.markup, ReplyKeyboardMarkup)
        [[button]] = message.markup.keyboard
        assert (button.text, button.request_contact) == (label, True)
        assert message.markup.one_time_keyboard is True


def test_a_phone_question_with_choices_keeps_them_and_adds_the_button_after() -> None:
    reply = Reply(PHONE.text, (Choice("phone=__known__", "Pakai nomor ini"),), asks_phone=True)
    question, hint = to_messages(CHAT, [reply])
    assert isinstance(question.markup, InlineKeyboardMarkup)
    assert isinstance(hint.markup, ReplyKeyboardMarkup) and "Bagikan nomor saya" in hint.text


def test_after_the_phone_question_the_first_plain_message_removes_the_button() -> None:
    replies = [MENU, Reply("Terima kasih."), Reply("Ketik menu.")]
    menu, thanks, after = to_messages(CHAT, replies)
    assert isinstance(menu.markup, InlineKeyboardMarkup)
    assert isinstance(thanks.markup, ReplyKeyboardRemove)
    assert after.markup is None
    # While the phone is still asked (a wrong number, asked again), the button stays.
    problem, again = to_messages(CHAT, [Reply("Nomor HP diawali 08."), PHONE])
    assert problem.markup is None and isinstance(again.markup, ReplyKeyboardMarkup)


def test_order_is_the_engines_and_a_long_reply_is_split_with_its_keyboard_last() -> None:
    paragraphs = [f"Paragraf {n}: " + "data " * 300 for n in range(1, 6)]  # ~1.5k chars each
    long = Reply("\n\n".join(paragraphs), MENU.choices)
    messages = to_messages(CHAT, [Reply("Sebelum."), long, Reply("Sesudah.")])
    texts = [m.text for m in messages]
    assert texts[0] == "Sebelum." and texts[-1] == "Sesudah."
    pieces = messages[1:-1]
    assert len(pieces) == 3
    assert all(units(p.text) <= MAX_TEXT for p in pieces)
    assert "\n\n".join(p.text for p in pieces) == long.text  # cut only between paragraphs
    assert [p.markup is not None for p in pieces] == [False, False, True]


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    assert split_text("a\n\nb\n\nc", limit=4) == ["a\n\nb", "c"]
    assert split_text("line one\nline two", limit=12) == ["line one", "line two"]
    assert split_text("satu dua tiga", limit=8) == ["satu dua", "tiga"]
    assert split_text("x" * 10, limit=4) == ["xxxx", "xxxx", "xx"]


def test_split_counts_like_telegram_and_never_cuts_an_emoji() -> None:
    text = "🏠" * 5  # two UTF-16 units each
    pieces = split_text(text, limit=4)
    assert pieces == ["🏠🏠", "🏠🏠", "🏠"]
    assert split_text("🏠" * 2048) == ["🏠" * 2048]  # exactly 4096 units: one message
    assert len(split_text("🏠" * 2049)) == 2


def test_user_text_goes_out_verbatim_with_no_parse_mode() -> None:
    echoed = Reply("Nama: <b>Budi</b> *Santoso* _bin_ [x](http://e.vil) & Co")
    [message] = to_messages(CHAT, [echoed])
    kwargs = message.send_kwargs()
    assert "parse_mode" not in kwargs and kwargs["text"] == echoed.text


def test_the_webhook_body_is_a_bot_api_method_in_json() -> None:
    [message] = to_messages(CHAT, [MENU])
    body = json.loads(json.dumps(message.webhook_body()))
    assert body["method"] == "sendMessage" and body["chat_id"] == CHAT
    keyboard = body["reply_markup"]["inline_keyboard"]
    assert keyboard[0][0] == {"text": "1. Usulan mandiri", "callback_data": "menu=usulan"}

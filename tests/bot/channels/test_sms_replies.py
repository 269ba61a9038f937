"""Replies as SMS: GSM-7 only, numbered choices, short catalogue variants, at most three
segments each, and photo questions answered in words SMS can carry."""

from __future__ import annotations

from bot.channels.sms.gsm import is_gsm, segments, septets, to_gsm
from bot.channels.sms.inbound import parse_sms
from bot.channels.sms.replies import MAX_SEPTETS, shorten, texts
from conversations.catalogue import catalogue
from conversations.choices import SKIP
from conversations.types import Choice, Reply
from tests.doubles.twilio_api import sms_form


def test_typographic_characters_become_gsm_and_emoji_disappear() -> None:
    assert to_gsm("Balas dengan angka 1\u20137 \u2022 \u201cYa\u201d \U0001f4ce foto") == (
        'Balas dengan angka 1-7 - "Ya" foto'
    )
    assert is_gsm(to_gsm("Caf\u00ea \u2192 ok\u2026"))


def test_segments_count_like_a_phone() -> None:
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2
    assert segments("a" * 459) == 3 and segments("a" * 460) == 4
    assert septets("[x]") == 5  # brackets take an escape each
    assert segments("\U0001f600" * 10) == 1 and segments("\u00ea" * 71) == 2  # UCS-2


def test_choices_are_numbered_lines_with_how_to_answer() -> None:
    reply = Reply(
        "Status perkawinan?", (Choice("a", "Kawin"), Choice("b", "Belum kawin")), expects="choice"
    )
    [sms] = texts(reply, "id")
    assert sms == "Status perkawinan?\n\n1. Kawin\n2. Belum kawin\n\nBalas dengan angka 1-2."


def test_a_long_reply_is_cut_between_paragraphs_into_sms_of_three_segments() -> None:
    paragraphs = "\n\n".join(f"Bagian {n}: " + "kata " * 40 for n in range(6))
    pieces = texts(Reply(paragraphs), "id")
    assert len(pieces) > 1 and all(segments(piece) <= 3 for piece in pieces)
    assert all(septets(piece) <= MAX_SEPTETS for piece in pieces)
    assert all(piece.startswith("Bagian") for piece in pieces)


def test_a_text_with_an_sms_variant_is_replaced_with_its_blanks_filled() -> None:
    long = catalogue("id").text("done.earliest", month="Desember 2026")
    short = shorten(long, "id")
    assert "Desember 2026" in short and len(short) < len(long)
    steps = catalogue("id").text("done.next_steps")
    shorter = shorten(f"Terima kasih.\n\n{steps}", "id")
    assert shorter.startswith("Terima kasih.\n\nLangkah") and len(shorter) < len(steps) + 15


def test_a_photo_question_that_may_be_skipped_says_how_over_sms() -> None:
    skip = Choice(f"photo_house={SKIP}", "Lewati")
    [sms] = texts(Reply("Kirim foto rumah dari depan.", (skip,), expects="photo"), "id")
    assert sms.endswith("Kirim lewat WhatsApp/Telegram, atau ketik LEWATI.")
    [needed] = texts(Reply("Kirim foto KTP.", expects="photo"), "id")
    assert "MMS" in needed and "WhatsApp/Telegram" in needed


def test_stop_and_start_are_read_from_the_words_or_twilios_opt_out_field() -> None:
    assert parse_sms(sms_form(body=" stop ")).keyword == "stop"
    assert parse_sms(sms_form(body="YES", OptOutType="START")).keyword == "start"
    assert parse_sms(sms_form(body="YES")).keyword is None  # an answer, not an opt-in
    start = parse_sms(sms_form(body="START")).message()
    assert (start.text, start.sender, start.sender_phone) == (
        "menu",
        "6281234567890",
        "+6281234567890",
    )

"""Replies as WhatsApp messages: numbered choices, quick replies, split bodies, TwiML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bot.channels.whatsapp.replies import (
    MAX_BODY,
    plain_text,
    quick_reply_variables,
    render,
    split_body,
    twiml,
)
from conversations.types import Choice, Reply

MENU = Reply(
    "Apa yang ingin Anda lakukan? Pilih salah satu.",
    (
        Choice("menu=usulan", "Usulan mandiri (daftar DTSEN)"),
        Choice("menu=sanggahan", "Sanggahan (keberatan data)"),
        Choice("menu=status", "Cek status permohonan"),
    ),
    expects="choice",
)
YES_NO = Reply(
    "Apakah Anda setuju?",
    (Choice("consent=yes", "Ya, saya setuju"), Choice("consent=no", "Tidak")),
    expects="choice",
)
QUICK = {2: "HX" + "2" * 32, 3: "HX" + "3" * 32}


def test_choices_become_a_numbered_list_with_the_hint_in_the_citizens_language() -> None:
    indonesian = plain_text(MENU, "id")
    assert indonesian.splitlines()[2:5] == [
        "1. Usulan mandiri (daftar DTSEN)",
        "2. Sanggahan (keberatan data)",
        "3. Cek status permohonan",
    ]
    assert indonesian.endswith("_Balas dengan angka 1\N{EN DASH}3._")
    assert plain_text(MENU, "en").endswith("_Reply with a number from 1 to 3._")


def test_skip_and_the_known_number_are_offered_as_words_never_as_numbers() -> None:
    # At a question that takes typed text, "1" is an answer (RT 001), not the first choice.
    rt = Reply("RT berapa?", (Choice("rt=__skip__", "Lewati"),))
    text = plain_text(rt, "id")
    assert text.endswith("• Lewati — ketik LEWATI")
    assert "1." not in text and "angka" not in text
    phone = Reply(
        "Nomor HP yang bisa dihubungi?",
        (Choice("phone=__known__", "Pakai nomor ini: +6281234567890"),),
        asks_phone=True,
    )
    assert plain_text(phone, "id").endswith("• Pakai nomor ini: +6281234567890 — ketik YA")
    assert plain_text(phone, "en").endswith("— type YES")


def test_an_optional_choice_numbers_the_real_choices_and_names_the_word_to_skip() -> None:
    floor = Reply(
        "Lantai rumah?",
        (
            Choice("floor=tanah", "Tanah"),
            Choice("floor=keramik", "Keramik"),
            Choice("floor=__skip__", "Lewati"),
        ),
        expects="choice",
    )
    assert plain_text(floor, "id").splitlines()[2:] == [
        "1. Tanah",
        "2. Keramik",
        "• Lewati — ketik LEWATI",
        "",
        "_Balas dengan angka 1\N{EN DASH}2._",
    ]


def test_several_choices_to_type_say_both_ways_to_answer() -> None:
    many = Reply(
        "Bantuan apa yang diharapkan? Boleh pilih lebih dari satu, contoh: 1 2",
        (Choice("programmes=pkh", "PKH"), Choice("programmes=bpnt", "Sembako / BPNT")),
    )
    assert plain_text(many, "id").endswith(
        "_Ketik jawaban Anda, atau balas dengan angka 1\N{EN DASH}2._"
    )
    # Pressing is for one choice; several are typed ("1 2"), so no buttons here.
    assert render([many], "id", QUICK)[0].content_sid is None


def test_unnumbered_choices_are_bullets_so_numbers_stay_free_for_the_summary() -> None:
    summary = Reply("1. Nama: Budi\n2. NIK: 3204********0001", (Choice("s=send", "Ya, kirim"),))
    summary = Reply(summary.text, summary.choices, numbered=False)
    text = plain_text(summary, "id")
    assert text.endswith("• Ya, kirim")
    assert "Balas dengan angka" not in text


def test_photo_and_location_questions_say_how_to_send_one_on_whatsapp() -> None:
    assert "📎" in plain_text(Reply("Kirim foto KTP.", expects="photo"), "id")
    assert "Lokasi" in plain_text(Reply("Bagikan lokasi rumah.", expects="location"), "id")


def test_user_typed_text_is_never_wrapped_in_formatting() -> None:
    reply = Reply("Nama: *Budi_Santoso*", (Choice("a=1", "Ya"), Choice("a=2", "Tidak")))
    text = plain_text(reply, "id")
    assert "Nama: *Budi_Santoso*\n" in text  # as typed, no extra * or _ around it


def test_two_or_three_short_choices_become_quick_replies_when_a_template_exists() -> None:
    [message] = render([YES_NO], "id", QUICK)
    assert message.content_sid == QUICK[2]
    assert message.variables == {
        "1": "Apakah Anda setuju?",
        "2": "Ya, saya setuju",
        "3": "consent=yes",
        "4": "Tidak",
        "5": "consent=no",
    }
    # The same reply as text, should the template not go out.
    assert message.plain == (plain_text(YES_NO, "id"),)


def test_no_quick_replies_without_a_template_or_with_labels_too_long_for_a_button() -> None:
    assert render([YES_NO], "id", {})[0].content_sid is None
    assert render([YES_NO], "id", {3: QUICK[3]})[0].content_sid is None
    # "Usulan mandiri (daftar DTSEN)" is longer than WhatsApp's 20-character button title.
    assert render([MENU], "id", QUICK)[0].content_sid is None
    four = Reply("?", tuple(Choice(f"q={n}", str(n)) for n in range(4)), expects="choice")
    assert render([four], "id", QUICK)[0].content_sid is None


def test_quick_reply_variables_pair_each_title_with_its_id() -> None:
    choices = [Choice("a=1", "Satu"), Choice("a=2", "Dua"), Choice("a=3", "Tiga")]
    variables = quick_reply_variables("Pilih", choices)
    assert [variables[str(n)] for n in range(1, 8)] == [
        "Pilih",
        "Satu",
        "a=1",
        "Dua",
        "a=2",
        "Tiga",
        "a=3",
    ]


def test_long_bodies_split_between_paragraphs_below_the_limit() -> None:
    paragraphs = [f"Paragraf {n}. " + "kata " * 150 for n in range(6)]
    text = "\n\n".join(paragraphs)
    parts = split_body(text)
    assert len(parts) > 1
    assert all(len(part) <= MAX_BODY < 1600 for part in parts)
    # No paragraph was cut: each part is whole paragraphs.
    assert sum(part.count("Paragraf") for part in parts) == 6
    assert all(part.startswith("Paragraf") for part in parts)


def test_a_single_huge_paragraph_is_cut_between_words() -> None:
    text = " ".join(f"kata{n}" for n in range(1000))
    parts = split_body(text)
    assert all(len(part) <= MAX_BODY for part in parts)
    assert " ".join(parts).split() == text.split()


def test_twiml_has_one_message_per_body_and_escapes_what_was_typed() -> None:
    xml = twiml(["Halo <b> & selamat", "Kedua"])
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    assert [m.text for m in root.findall("Message")] == ["Halo <b> & selamat", "Kedua"]
    assert ET.fromstring(twiml([])).findall("Message") == []

"""Choices understood as people type them: words, parts of words, synonyms, never a guess."""

from __future__ import annotations

import pytest

from tests.conversations.transcript import USULAN_TYPED, Chat, transcript, until

AT_WALL = until("Dinding")
AT_WATER = until("air minum")
AT_FUEL = until("memasak")


def test_a_word_several_options_share_asks_again_with_only_those():
    chat = Chat()
    transcript(chat, AT_WATER)
    answer = chat.say("sumur")
    assert '"sumur" cocok dengan beberapa pilihan. Yang mana?' in answer
    assert chat.buttons() == [
        "Sumur atau mata air tidak terlindung",
        "Sumur atau mata air terlindung",
        "Sumur bor atau pompa",
    ]
    assert "penerangan" in chat.say("3")  # numbered among the three shown
    assert chat.state.answers["water"] == "sumur_bor"


def test_tembok_is_never_silently_taken_for_one_of_two_walls():
    chat = Chat()
    transcript(chat, AT_WALL)
    chat.say("tembok")
    assert chat.buttons() == ["Tembok tanpa plester", "Tembok diplester"]
    assert "wall" not in chat.state.answers
    assert "Atap" in chat.say("tanpa plester")
    assert chat.state.answers["wall"] == "tembok_kasar"


def test_words_and_parts_of_words_select_the_one_option_they_fit():
    chat = Chat()
    transcript(chat, AT_FUEL)
    chat.say("gas 3 kg")
    assert chat.buttons() == ["Gas elpiji 3 kg", "Gas elpiji lebih dari 3 kg"]
    assert "WC" in chat.say("1")
    assert chat.state.answers["fuel"] == "lpg_3kg"
    assert "kondisi" in chat.say("GA ADA WC")  # case, slang and words in any order
    assert chat.state.answers["toilet"] == "tidak_ada"


def test_nothing_fitting_is_explained_and_the_options_listed():
    chat = Chat()
    transcript(chat, AT_WATER)
    answer = chat.say("galon aqua merah")
    assert '"galon aqua merah" tidak ada di pilihan' in answer
    assert "Sumber air minum?" in chat.last.text and len(chat.last.choices) == 6


def test_typing_a_listed_village_selects_it():
    chat = Chat()
    transcript(chat, until("desa/kelurahan"))  # the villages of the NIK's kecamatan
    assert "Alamat" in chat.say("Cinunuk, Kec. Cileunyi, Kabupaten Bandung")
    assert chat.state.answers["village"] == "32.04.05.2004"


@pytest.mark.parametrize("word", ["ga tau", "tidak tahu", "belum tahu", "Nggak tau"])
def test_dont_know_skips_a_question_that_says_skip_if_unknown(word: str):
    chat = Chat()
    transcript(chat, until("NIK Rina"))  # "NIK Rina? Ketik lewati jika belum tahu"
    assert "Jenis kelamin Rina" in chat.say(word)
    assert chat.state.answers["members.1.nik"] is None


def test_dont_know_on_a_required_question_explains_it():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:4])
    answer = chat.say("ga tau")
    assert "16 angka di KTP" in answer and "NIK" in chat.last.text


def test_dont_know_picks_the_belum_tahu_option():
    chat = Chat()
    transcript(chat, until("Bantuan apa"))
    assert "foto KTP" in chat.say("ga tau")
    assert chat.state.answers["programmes"] == ["belum_tahu"]


@pytest.mark.parametrize("word", ["ya", "iya", "y", "ok", "benar", "Kirim"])
def test_yes_words_send_at_the_summary(word: str):
    from tests.conversations.transcript import finish_after_photos, reach_photos

    chat = Chat()
    reach_photos(chat)
    finish_after_photos(chat)
    assert "Kode tiket" in chat.say(word)

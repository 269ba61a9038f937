"""The words that work anywhere: batal, kembali, menu, bantuan, and the language switch."""

from __future__ import annotations

from tests.conversations.transcript import KK, NIK_MAN, USULAN_TYPED, Chat, transcript


def test_batal_asks_before_throwing_anything_away():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:6])
    assert "Yakin ingin membatalkan" in chat.say("Batal")
    assert "nama lengkap" in chat.say("tidak")
    assert chat.state.answers["kk"] == KK
    assert "Yakin" in chat.say("/batal")
    done = chat.say("ya")
    assert "Dibatalkan" in done and "Apa yang ingin" in done
    assert chat.state.flow is None and chat.state.answers == {}


def test_batal_with_nothing_going_on_shows_the_menu():
    assert "Tidak ada pengisian" in Chat().say("batal")


def test_kembali_goes_back_one_question_and_keeps_later_answers():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:8])  # up to the birth date question
    back = chat.say("kembali")
    assert "lahir" in back and "Jawaban sebelumnya: Bandung" in back
    assert "Kartu Keluarga" not in back
    assert "Tanggal lahir" in chat.say("Kab. Bandung")
    assert chat.state.answers["birth_place"] == "Kab. Bandung"
    assert chat.state.answers["name"] == "Budi Santoso"


def test_kembali_twice_then_forward_skips_what_is_still_answered():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:8])
    chat.say("kembali")
    assert "nama lengkap" in chat.say("kembali")
    # The birth place is still answered, so the next question is the birth date.
    assert "Tanggal lahir" in chat.say("Budi S")


def test_kembali_on_the_first_question_says_so():
    chat = Chat()
    transcript(chat, [("menu", "Apa"), ("1", "setuju")])
    assert "pertanyaan pertama" in chat.say("kembali")


def test_bantuan_explains_the_current_question_and_asks_it_again():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:4])
    help_text = chat.say("bantuan")
    assert "16 angka di KTP" in help_text and "setelah nama provinsi" in help_text
    assert "Kartu Keluarga" in chat.say(NIK_MAN)


def test_menu_in_the_middle_keeps_the_draft_to_continue():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:6])
    menu = chat.say("menu")
    assert "masih tersimpan" in menu and "Lanjutkan pengisian" in chat.buttons()
    assert "nama lengkap" in chat.press("Lanjutkan pengisian")
    chat.say("menu")
    answer = chat.say("3")  # "Cek status", the same number as in the plain menu
    assert "Pengisian sebelumnya dihapus" in answer
    assert chat.state.flow == "status"


def test_the_language_can_be_switched_at_any_question_and_back():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:5])
    english = chat.say("English")
    assert "English" in english and "Type the Kartu Keluarga (KK) number" in english
    assert "name" in chat.say(KK).lower()
    assert "nama lengkap" in chat.say("Indonesia")
    assert chat.state.answers["kk"] == KK


def test_english_texts_accept_english_choice_words():
    chat = Chat()
    chat.say("english")
    chat.say("menu")
    assert "agree" in chat.say("1").lower()
    chat.say("yes")
    assert chat.state.answers["consent"] == "yes"


def test_a_first_message_gets_a_welcome_and_the_menu():
    answer = Chat().say("halo")
    assert "layanan DTSEN" in answer and "Apa yang ingin" in answer


def test_a_first_menu_or_start_also_gets_the_welcome_but_later_ones_do_not():
    chat = Chat()
    assert "layanan DTSEN" in chat.say("/start")
    assert "layanan DTSEN" not in chat.say("menu")

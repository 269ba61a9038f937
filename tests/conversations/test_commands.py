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
    transcript(chat, USULAN_TYPED[:8])  # up to the mother's name question
    back = chat.say("kembali")
    assert "Tempat/Tgl lahir" in back and "Jawaban sebelumnya: Bandung, 17-08-1985" in back
    assert "Kartu Keluarga" not in back
    assert "ibu kandung" in chat.say("Kab. Bandung, 17-08-1985")
    assert chat.state.answers["birth_place"] == "Kab. Bandung"
    assert chat.state.answers["name"] == "Budi Santoso"


def test_kembali_twice_then_forward_skips_what_is_still_answered():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:8])
    chat.say("kembali")
    assert "nama lengkap" in chat.say("kembali")
    # The birth place and date are still answered, so the next question is the mother's name.
    assert "ibu kandung" in chat.say("Budi S")


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


def test_menu_in_the_middle_keeps_the_draft_and_offers_to_continue_first():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:6])
    menu = chat.say("menu")
    assert "masih tersimpan" in menu and "dihapus" not in menu
    assert chat.buttons()[0] == "Lanjutkan pengisian"
    assert "nama lengkap" in chat.say("1")


def test_choosing_the_same_service_again_continues_the_draft():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:8])
    chat.say("menu")
    answer = chat.press("Usulan mandiri (daftar DTSEN)")
    assert "masih tersimpan" in answer and "ibu kandung" in answer
    assert chat.state.answers["birth_place"] == "Bandung"
    assert "Mulai dari awal" in chat.buttons()


def test_beginning_again_is_a_confirmed_choice():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:8])
    chat.say("menu")
    chat.press("Usulan mandiri (daftar DTSEN)")
    assert "akan dihapus" in chat.press("Mulai dari awal")
    assert "ibu kandung" in chat.press("Tidak, lanjutkan")
    assert chat.state.answers["birth_place"] == "Bandung"
    assert "akan dihapus" in chat.say("mulai dari awal")
    assert "setuju" in chat.press("Ya, mulai dari awal")
    assert chat.state.answers == {}


def test_another_service_asks_before_the_draft_is_deleted():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:6])
    chat.say("menu")
    question = chat.say("3")  # "Cek status" is now 4: 3 is Sanggahan
    assert "belum selesai" in question and "Sanggahan" in question
    assert "nama lengkap" in chat.say("tidak")
    assert chat.state.flow == "usulan" and chat.state.answers["kk"]
    chat.say("menu")
    chat.press("Cek status permohonan")
    answer = chat.press("Ya, hapus dan mulai")
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

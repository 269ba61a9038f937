"""Privacy: what is kept for this chat, the citizen's rights, withdrawing consent, and
"data saya" / "hapus data saya" from anywhere (UU 27/2022)."""

from __future__ import annotations

from dataclasses import replace

from conversations.effects import RequestErasure, ShowMyData, WithdrawConsent
from conversations.render import MAX_MESSAGE
from conversations.tickets import format_ticket
from tests.conversations.transcript import (
    KK,
    NIK_MAN,
    NIK_WOMAN,
    Chat,
    FakeRegister,
    file_usulan,
    reach_photos,
    transcript,
    until,
)

MASKED_NIK = f"{NIK_MAN[:4]}********{NIK_MAN[-4:]}"
MASKED_KK = f"{KK[:4]}********{KK[-4:]}"


def filed_before(register: FakeRegister) -> str:
    """An usulan this chat filed earlier, for the wife: the husband's NIK is free."""
    ticket = file_usulan(register)
    filed = register.requests[-1]
    filed.submission = replace(filed.submission, nik=NIK_WOMAN)
    return ticket


def test_the_citizen_can_read_what_is_kept_and_their_rights():
    chat = Chat()
    transcript(chat, [("menu", "Apa"), ("6", "Pilih salah satu"), ("2", "berhak melihat")])


def test_data_saya_shows_this_chats_requests_masked_with_the_consent_given():
    chat = Chat()
    ticket = file_usulan(chat.register)
    transcript(chat, [("privasi", "Pilih")])
    shown = chat.press("Data saya: apa yang disimpan dari chat ini")
    assert "1 permohonan" in shown and format_ticket(ticket) in shown
    assert "Status:" in shown
    nik = chat.register.requests[0].submission.nik
    assert nik not in shown and f"{nik[:4]}********{nik[-4:]}" in shown
    assert "Persetujuan:" in shown and "naskah versi" in shown
    assert chat.register.seen[-1] == ShowMyData()
    assert all(len(reply.text) <= MAX_MESSAGE for reply in chat.replies)


def test_data_saya_in_another_chat_shows_nothing_of_this_one():
    chat = Chat()
    file_usulan(chat.register)
    chat.register.chat = "chat-lain"
    transcript(chat, [("privasi", "Pilih")])
    shown = chat.press("Data saya: apa yang disimpan dari chat ini")
    assert "Belum ada permohonan yang dikirim dari chat ini" in shown


def test_withdrawing_consent_is_confirmed_carried_out_and_shown_by_cek_status():
    chat = Chat()
    ticket = file_usulan(chat.register)
    transcript(chat, [("privasi", "Pilih"), ("tarik persetujuan", "Yakin")])
    done = chat.press("Ya, tarik persetujuan")
    assert "Persetujuan sudah ditarik untuk 1 permohonan" in done and "3×24 jam" in done
    assert chat.register.seen[-1] == WithdrawConsent()

    transcript(chat, [("menu", "Apa"), ("cek status", "Permohonan mana")])
    status = chat.press("Permohonan saya (dari chat ini)")
    assert format_ticket(ticket) in status
    assert "Status sekarang: Persetujuan ditarik — tidak diproses lagi" in status


def test_a_second_withdrawal_says_there_is_nothing_left_to_withdraw():
    chat = Chat()
    file_usulan(chat.register)
    transcript(chat, [("privasi", "Pilih"), ("tarik persetujuan", "Yakin")])
    chat.press("Ya, tarik persetujuan")
    transcript(chat, [("privasi", "Pilih"), ("tarik persetujuan", "Yakin")])
    again = chat.press("Ya, tarik persetujuan")
    assert "Tidak ada lagi yang bisa ditarik" in again
    assert "0 permohonan" not in again


def test_changing_ones_mind_keeps_consent():
    chat = Chat()
    transcript(chat, [("privasi", "Pilih"), ("3", "Yakin"), ("tidak", "tetap berlaku")])
    assert not chat.register.seen


def test_data_saya_typed_twice_from_the_menu_shows_the_data():
    chat = Chat()
    ticket = file_usulan(chat.register)
    transcript(chat, [("data saya", "Pilih"), ("data saya", format_ticket(ticket))])


def test_data_saya_in_the_middle_of_a_form_shows_the_draft_then_asks_the_same_question():
    chat = Chat()
    ticket = filed_before(chat.register)
    transcript(chat, until("nama lengkap"))
    shown = chat.say("data saya")
    assert "Formulir Usulan mandiri yang belum dikirim" in shown
    assert MASKED_NIK in shown and MASKED_KK in shown
    assert NIK_MAN not in shown and KK not in shown
    assert format_ticket(ticket) in shown  # what was filed before, too
    assert chat.last.text == "Ketik nama lengkap sesuai KTP."
    assert all(len(reply.text) <= MAX_MESSAGE for reply in chat.replies)
    transcript(chat, [("budi santoso", "Tempat/Tgl lahir")])  # the form goes on


def test_data_saya_counts_the_drafts_photos_and_my_data_works_in_english():
    chat = Chat()
    reach_photos(chat)
    chat.photo("ktp-1")
    assert "Foto: 1" in chat.say("data saya")
    assert "foto rumah" in chat.last.text
    chat.say("English")
    shown = chat.say("my data")
    assert "not yet sent" in shown and MASKED_NIK in shown
    assert "Photos: 1" in shown


def test_data_saya_at_a_side_question_comes_back_to_it():
    chat = Chat()
    transcript(chat, until("nama lengkap"))
    transcript(chat, [("batal", "Yakin ingin membatalkan?")])
    chat.say("data saya")
    assert "Yakin ingin membatalkan?" in chat.last.text
    transcript(chat, [("tidak", "nama lengkap")])


def test_hapus_data_saya_explains_and_asks_with_numbered_choices():
    chat = Chat()
    transcript(chat, until("nama lengkap"))
    asked = chat.say("hapus data saya")
    assert "3×24 jam (janji layanan ini)" in asked and "Yakin ingin menghapus?" in asked
    assert chat.buttons() == ["Ya, hapus", "Tidak jadi"] and chat.last.numbered
    assert len(asked) <= MAX_MESSAGE
    assert RequestErasure() not in chat.register.seen  # nothing before the citizen's yes


def test_the_words_that_work_anywhere_keep_working_at_the_erasure_question():
    chat = Chat()
    transcript(chat, until("nama lengkap"))
    for word, said in [
        ("batal", "tidak ada yang dihapus"),
        ("kembali", "tidak ada yang dihapus"),
        ("2", "tidak ada yang dihapus"),
        ("tidak", "tidak ada yang dihapus"),
    ]:
        chat.say("hapus data saya")
        answer = chat.say(word)
        assert said in answer, word
        assert chat.last.text == "Ketik nama lengkap sesuai KTP.", word
    chat.say("hapus data saya")
    assert "Jawab 1 (Ya, hapus) atau 2 (Tidak jadi)" in chat.say("bantuan")
    assert "Yakin ingin menghapus?" in chat.last.text
    chat.say("English")
    assert chat.last.text.endswith("Are you sure you want to delete?")
    chat.say("Indonesia")
    assert "Pengisian Usulan mandiri Anda masih tersimpan" in chat.say("menu")
    transcript(chat, [("1", "nama lengkap")])  # "Lanjutkan pengisian": the form is there
    assert RequestErasure() not in chat.register.seen


def test_confirmed_erasure_drops_the_draft_and_flags_what_was_filed():
    chat = Chat()
    ticket = filed_before(chat.register)
    transcript(chat, until("nama lengkap"))
    chat.say("hapus data saya")
    done = chat.say("ya")
    assert chat.register.seen[-1] == RequestErasure()
    assert "Data yang belum dikirim sudah dihapus" in done
    assert f"{format_ticket(ticket)} (Usulan mandiri): dihapus paling lambat" in done
    assert "26 November 2026" in done  # 3×24 hours after the asking, in Jakarta time
    assert "tidak ikut terhapus" in done
    assert chat.state.flow is None and not chat.state.answers  # the draft is gone
    assert chat.register.requests[0].erasure_asked_at is not None
    shown = chat.say("data saya")
    assert "Formulir" not in shown and "Permintaan hapus: dihapus petugas paling lambat" in shown


def test_erasure_with_nothing_filed_says_so():
    chat = Chat()
    transcript(chat, until("nama lengkap"))
    chat.say("hapus data saya")
    done = chat.say("1")
    assert "Tidak ada permohonan yang dikirim dari chat ini" in done
    assert chat.state.flow is None


def test_erasure_from_the_privacy_menu():
    chat = Chat()
    file_usulan(chat.register)
    transcript(chat, [("privasi", "Pilih")])
    assert "Yakin ingin menghapus?" in chat.press("Hapus data dari chat ini")
    assert "dihapus paling lambat" in chat.press("Ya, hapus")
    assert chat.register.seen[-1] == RequestErasure()


def test_typed_at_the_privacy_menu_the_words_pick_its_items():
    chat = Chat()
    file_usulan(chat.register)
    transcript(chat, [("privasi", "Pilih")])
    assert "Persetujuan:" in chat.say("data saya")
    assert chat.state.flow is None  # the menu's item, answered and closed

"""Privacy: what is kept for this chat, the citizen's rights, and withdrawing consent."""

from __future__ import annotations

from conversations.effects import ShowMyData, WithdrawConsent
from conversations.render import MAX_MESSAGE
from conversations.tickets import format_ticket
from tests.conversations.transcript import Chat, file_usulan, transcript


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

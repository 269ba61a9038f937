"""Privacy: what is kept, and withdrawing consent."""

from __future__ import annotations

from conversations.effects import WithdrawConsent
from conversations.tickets import format_ticket
from tests.conversations.transcript import Chat, file_usulan, transcript


def test_the_citizen_can_read_what_is_kept_and_their_rights():
    chat = Chat()
    transcript(chat, [("menu", "Apa"), ("4", "Pilih salah satu"), ("1", "berhak melihat")])


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
    transcript(chat, [("privasi", "Pilih"), ("2", "Yakin"), ("tidak", "tetap berlaku")])
    assert not chat.register.seen

"""Privacy: what is kept, and withdrawing consent."""

from __future__ import annotations

from conversations.effects import WithdrawConsent
from tests.conversations.transcript import Chat, transcript


def test_the_citizen_can_read_what_is_kept_and_their_rights():
    chat = Chat()
    transcript(chat, [("menu", "Apa"), ("4", "Pilih salah satu"), ("1", "berhak melihat")])


def test_withdrawing_consent_is_confirmed_and_carried_out():
    chat = Chat()
    transcript(chat, [("privasi", "Pilih"), ("tarik persetujuan", "Yakin")])
    done = chat.press("Ya, tarik persetujuan")
    assert "3×24 jam" in done
    assert chat.register.seen[-1] == WithdrawConsent()


def test_changing_ones_mind_keeps_consent():
    chat = Chat()
    transcript(chat, [("privasi", "Pilih"), ("2", "Yakin"), ("tidak", "tetap berlaku")])
    assert not chat.register.seen

"""Cek status: by ticket, or everything filed from this chat."""

from __future__ import annotations

from dataclasses import replace

from tests.conversations.transcript import (
    NIK_MAN,
    NIK_WOMAN,
    Chat,
    FakeRegister,
    file_usulan,
    transcript,
)


def test_my_requests_shows_the_timeline_of_the_one_filed_here():
    register = FakeRegister()
    file_usulan(register)
    chat = Chat(register)
    transcript(chat, [("menu", "Apa yang ingin"), ("5", "Permohonan mana")])
    answer = chat.press("Permohonan saya (dari chat ini)")
    assert "Tiket U-" in answer and "Usulan mandiri" in answer
    assert "Riwayat:" in answer and "23 November 2026 09:00" in answer  # Jakarta time
    assert "musyawarah desa" in answer


def test_a_chat_with_nothing_filed_is_told_so():
    chat = Chat()
    transcript(chat, [("status", "Permohonan mana"), ("1", "Belum ada permohonan")])


def test_a_ticket_typed_at_the_menu_shows_its_status():
    register = FakeRegister()
    ticket = file_usulan(register)
    chat = Chat(register)
    typed = f"{ticket[0].lower()}-{ticket[1:4].lower()} {ticket[4:]}"
    assert "Riwayat:" in chat.say(typed)


def test_someone_else_must_give_the_applicants_nik_and_sees_only_the_status():
    register = FakeRegister()
    ticket = file_usulan(register)
    stranger = Chat(register)
    register.chat = "chat-2"
    transcript(stranger, [("status", "Permohonan mana"), ("2", "kode tiket")])
    assert "NIK yang diisi saat mengirim" in stranger.say(ticket)
    assert "Tidak ada permohonan dengan kode tiket dan NIK itu" in stranger.say(NIK_WOMAN)
    answer = stranger.say(NIK_MAN)
    assert "Status: Diterima" in answer
    assert "Budi" not in answer and "Cinunuk" not in answer and "Riwayat" not in answer


def test_a_ticket_nobody_has_is_answered_like_another_chats_ticket():
    """Ticket probing (issue 9): a stranger cannot tell a taken code from a free one."""
    register = FakeRegister()
    ticket = file_usulan(register)
    answers = []
    for code in (ticket, "U-7KQ4M9"):
        chat = Chat(register.as_chat("chat-2"))
        transcript(chat, [("status", "Permohonan mana"), ("2", "kode tiket")])
        assert "7 huruf" in chat.say("U-123")
        answers.append((chat.say(code), chat.say(NIK_WOMAN)))
    assert answers[0] == answers[1]
    asked, refused = answers[0]
    assert "ketik NIK yang diisi saat mengirim" in asked and "Salah ketik kode" in asked
    assert "Tidak ada permohonan dengan kode tiket dan NIK itu" in refused


def test_a_mistyped_code_goes_back_to_the_ticket_question():
    chat = Chat()
    transcript(chat, [("status", "Permohonan mana"), ("2", "kode tiket")])
    assert "NIK yang diisi saat mengirim" in chat.say("U-7KQ4M9")
    assert "Ketik kode tiket" in chat.say("kembali")


def test_too_many_failed_lookups_are_slowed_down():
    chat = Chat(FakeRegister(failures_per_hour=2))
    transcript(chat, [("status", "Permohonan mana"), ("2", "kode tiket")])
    assert "NIK yang diisi" in chat.say("U-7KQ4M9")
    assert "Tidak ada permohonan" in chat.say(NIK_MAN)
    assert "Tidak ada permohonan" in chat.say(NIK_WOMAN)
    assert "60 menit" in chat.say(NIK_MAN)
    assert chat.last.text.endswith("60 menit.")  # no question after a lock-out
    assert chat.state.flow is None


def test_a_code_with_0_o_1_or_i_is_explained_with_the_closest_ticket_of_this_chat():
    register = FakeRegister()
    ticket = file_usulan(register)  # UABCDE2
    chat = Chat(register)
    chat.say("menu")
    typo = f"{ticket[0]}-{ticket[1:6]}O"  # the last character mistyped as the letter O
    answer = chat.say(typo)
    assert "tidak memakai angka 0 dan 1 atau huruf O dan I" in answer
    assert f"paling mirip: {ticket[0]}-{ticket[1:]}" in answer
    assert "Riwayat" in chat.say(f"{ticket[0]}-{ticket[1:]}")


def test_a_code_without_its_letter_is_found_among_this_chats_tickets():
    register = FakeRegister()
    ticket = file_usulan(register)
    chat = Chat(register)
    chat.say("menu")
    answer = chat.say(ticket[1:].lower())
    assert f"Tiket {ticket[0]}-{ticket[1:]}" in answer and "Riwayat" in answer


def test_a_code_without_its_letter_from_another_chat_asks_for_the_applicants_nik():
    register = FakeRegister()
    ticket = file_usulan(register)
    chat = Chat(register.as_chat("chat-2"))
    transcript(chat, [("status", "Permohonan mana"), ("2", "kode tiket")])
    assert "tidak dikirim dari chat ini" in chat.say(ticket[1:])
    assert chat.state.answers["ticket"] == ticket[1:]  # as typed, for the NIK check
    assert f"Tiket {ticket[0]}-{ticket[1:]}" in chat.say(NIK_MAN)


def test_a_code_without_its_letter_that_two_kinds_of_this_chat_have_asks_which():
    register = FakeRegister()
    ticket = file_usulan(register)
    [filed] = register.requests
    register.requests.append(replace(filed, ticket="S" + ticket[1:]))
    chat = Chat(register)
    chat.say("menu")
    answer = chat.say(ticket[1:])
    assert f"Ada dua tiket dengan kode {ticket[1:]}: U-{ticket[1:]} / S-{ticket[1:]}" in answer
    assert "Riwayat" in chat.say(f"U-{ticket[1:]}")


def test_a_code_without_its_letter_that_another_chat_has_twice_tells_nothing():
    register = FakeRegister()
    ticket = file_usulan(register)
    [filed] = register.requests
    register.requests.append(replace(filed, ticket="S" + ticket[1:], chat="chat-3"))
    chat = Chat(register.as_chat("chat-2"))
    chat.say("menu")
    assert "tidak dikirim dari chat ini" in chat.say(ticket[1:])


def test_a_code_without_its_letter_that_nobody_has_asks_for_the_nik_too():
    chat = Chat()
    transcript(chat, [("status", "Permohonan mana"), ("2", "kode tiket")])
    assert "tidak dikirim dari chat ini" in chat.say("95YDAG")
    assert "Tidak ada permohonan dengan kode tiket dan NIK itu" in chat.say(NIK_MAN)

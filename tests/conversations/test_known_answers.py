"""What this chat told in its earlier requests is offered as one tap, never reused silently.

It is fetched from the chat's own filed requests when the question comes (RecallAnswers),
shown masked, and fetched again and taken as if typed only when the citizen taps it: the
conversation state never holds it in clear before that.
"""

from __future__ import annotations

from dataclasses import replace

from conversations.effects import RecallAnswers, WithdrawConsent
from conversations.types import Incoming
from tests.conversations.test_sanggahan_flow import TO_THE_REPORTER
from tests.conversations.transcript import (
    NIK_MAN,
    NIK_WOMAN,
    USULAN_TYPED,
    Chat,
    FakeRegister,
    file_usulan,
    transcript,
)

OWN = "Pakai data sebelumnya: 3204********0001 Budi S."


def _after_own_usulan() -> Chat:
    register = FakeRegister()
    file_usulan(register)  # this chat proposed itself before: NIK, name and phone known
    chat = Chat(register)
    transcript(chat, TO_THE_REPORTER)
    return chat


def test_the_reporter_of_a_sanggahan_taps_their_own_nik_and_name_from_an_earlier_usulan():
    chat = _after_own_usulan()
    assert chat.buttons() == [OWN]
    # Offered masked; nothing of it in clear in the conversation until it is tapped.
    assert NIK_MAN not in chat.state.model_dump_json()
    assert "Budi Santoso" not in chat.state.model_dump_json()
    summary = chat.press(OWN)  # one tap: NIK and name, the name not asked
    assert "Ringkasan sanggahan Anda" in summary
    assert "NIK Anda: 3204********0001" in summary and "Nama Anda: Budi Santoso" in summary
    chat.say("ya")
    filed = chat.register.requests[-1].submission
    assert (filed.kind, filed.nik, filed.name) == ("sanggahan", NIK_MAN, "Budi Santoso")


def test_ya_or_1_takes_it_too_and_typing_another_nik_answers_the_question():
    chat = _after_own_usulan()
    assert "Ringkasan" in chat.say("1")
    chat = _after_own_usulan()
    assert "Nama lengkap Anda" in chat.say(NIK_WOMAN)
    assert chat.state.answers["objector_nik"] == NIK_WOMAN


def test_another_chat_or_a_chat_whose_consent_was_withdrawn_is_offered_nothing():
    register = FakeRegister()
    file_usulan(register)
    other = Chat(register.as_chat("chat-2"))
    transcript(other, TO_THE_REPORTER)
    assert other.buttons() == []
    register.run(WithdrawConsent())  # the filing chat takes its consent back
    again = Chat(register)
    transcript(again, TO_THE_REPORTER)
    assert again.buttons() == []


def test_the_answer_is_fetched_again_when_tapped_and_its_loss_is_said():
    chat = _after_own_usulan()
    assert chat.register.seen[-1] == RecallAnswers(("own_nik", "own_name"))
    chat.register.requests.clear()  # gone since it was offered (erased on request)
    answer = chat.press(OWN)
    assert chat.register.seen[-1] == RecallAnswers(("own_nik", "own_name"))  # asked again
    assert "sudah tidak ada" in answer and chat.buttons() == []
    assert "objector_nik" not in chat.state.answers


def test_a_phone_number_from_an_earlier_usulan_is_offered_at_the_phone_question():
    register = FakeRegister()
    file_usulan(register)
    [earlier] = register.requests
    # The earlier usulan was for someone else's NIK (one open usulan per person).
    register.requests[0] = replace(earlier, submission=replace(earlier.submission, nik=NIK_WOMAN))
    chat = Chat(register)
    transcript(chat, USULAN_TYPED)
    chat.photo("ktp-1")
    chat.say("lewati")
    chat.say("lewati")
    assert chat.buttons() == ["Pakai data sebelumnya: +62812*****890"]
    assert "Ringkasan" in chat.say("ya")
    assert chat.state.answers["phone"] == "+6281234567890"


def test_the_number_the_channel_knows_is_offered_instead_of_an_earlier_one():
    register = FakeRegister()
    file_usulan(register)
    [earlier] = register.requests
    register.requests[0] = replace(earlier, submission=replace(earlier.submission, nik=NIK_WOMAN))
    chat = Chat(register)
    chat.send(Incoming(now=chat.now, text="menu", sender_phone="+6285712345678"))
    transcript(chat, USULAN_TYPED[1:])
    chat.photo("ktp-1")
    chat.say("lewati")
    chat.say("lewati")
    assert chat.buttons() == ["Pakai nomor ini: +6285712345678"]

"""The KTP step as a conversation: what the service read is offered, never taken unasked.

The service's reading is given here (FakeRegister.photos); tests/bot/test_ktp_usulan.py
reads real generated photos."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conversations.effects import PhotoRead, PhotoRefused
from conversations.flow import EngineConfig
from conversations.types import Incoming
from conversations.words import command_of
from tests.conversations.transcript import (
    KK,
    KTP_READ,
    NIK_WOMAN,
    Chat,
    FakeRegister,
    reach_photos,
)


def reading_chat(**photos: PhotoRead | PhotoRefused) -> Chat:
    register = FakeRegister(photos={"ktp-1": PhotoRead(KTP_READ), **photos})
    chat = Chat(register, EngineConfig(reads_photos=True))
    chat.say("menu")
    chat.say("1")
    assert "foto KTP" in chat.say("ya")
    return chat


def test_the_ktp_is_asked_right_after_consent_and_the_nik_offered_in_full() -> None:
    chat = reading_chat()
    assert "Usulan ini untuk siapa?" in chat.photo("ktp-1")
    asked = chat.say("1")
    assert "NIK: 3204 0517 0885 0001" in asked and "Benar?" in asked
    assert chat.buttons() == ["Ya, benar", "Bukan, saya ketik"]


def test_a_nik_typed_instead_of_confirmed_is_checked_and_kept() -> None:
    chat = reading_chat()
    chat.photo("ktp-1")
    chat.say("1")
    # Someone else's card was photographed: the citizen types the right NIK.
    assert "Kartu Keluarga" in chat.say(NIK_WOMAN)
    assert chat.state.answers["nik"] == NIK_WOMAN
    assert "nik" not in chat.state.answers.get("card_confirmed", [])
    # The rest of the card is still offered.
    assert "Nama: Budi Santoso" in chat.say(KK)


def test_a_confirmed_value_that_fails_its_question_is_asked_with_the_reason() -> None:
    card = {**KTP_READ, "birth_date": "1985-08-18"}  # read wrong, and not the NIK's date
    chat = reading_chat(**{"ktp-1": PhotoRead(card)})
    chat.photo("ktp-1")
    chat.say("1")
    chat.press("Ya, benar")  # the NIK
    chat.say(KK)
    answer = chat.press("Ya, benar")  # name, place and date of birth
    assert "Tanggal lahir" in answer and "17-08-1985" in answer  # the NIK's date, shown
    assert chat.state.position == "birth"  # "Tempat/Tgl lahir", asked to type
    assert chat.state.answers["name"] == "Budi Santoso"
    assert "birth_date" not in chat.state.answers


def test_bukan_asks_the_group_one_question_at_a_time() -> None:
    chat = reading_chat()
    chat.photo("ktp-1")
    chat.say("1")
    assert "Ketik NIK" in chat.press("Bukan, saya ketik")


def test_a_house_photo_refused_twice_is_kept_flagged_and_the_flow_goes_on() -> None:
    register = FakeRegister(photos={"house-1": PhotoRefused("too_dark")})
    chat = Chat(register)
    reach_photos(chat)
    assert "foto rumah" in chat.photo("ktp-1")
    first = chat.photo("house-1")
    assert "Foto rumah terlalu gelap" in first and "foto rumah" in first
    second = chat.photo("house-1")
    assert "Foto rumah terlalu gelap" in second and "tetap kami simpan" in second
    assert "lokasi" in second
    assert chat.state.answers["photo_house_problem"] == "too_dark"


# At every question the card answers, hostile input is answered and loses nothing.
CARD_STEPS = (
    [("1", "NIK:")],
    [("1", "NIK:"), ("ya", "Kartu Keluarga"), (KK, "Nama:")],
    [("1", "NIK:"), ("ya", "Kartu Keluarga"), (KK, "Nama:"), ("ya", "ibu"), ("Siti", "Status")],
)


@given(
    path=st.sampled_from(CARD_STEPS),
    hostile=st.lists(
        st.text(max_size=80)
        | st.sampled_from(["1", "2", "ya", "bukan", "\x00", "nik=card_yes", "village=card_no"]),
        min_size=1,
        max_size=3,
    ),
    as_choice=st.booleans(),
)
def test_hostile_input_at_a_card_question_is_answered_and_loses_nothing(
    path: list[tuple[str, str]], hostile: list[str], as_choice: bool
) -> None:
    chat = reading_chat()
    chat.photo("ktp-1")
    for said, expected in path:
        assert expected in chat.say(said)
    for value in hostile:
        before = dict(chat.state.answers)
        incoming = (
            Incoming(now=chat.now, choice=value)
            if as_choice
            else Incoming(now=chat.now, text=value)
        )
        replies = chat.send(incoming)
        assert replies and all(r.text.strip() for r in replies), value
        if not as_choice and command_of(value) is not None:
            continue  # batal, kembali, menu...: the citizen asked for it
        lost = {k for k in before if k not in chat.state.answers}
        assert not lost, (value, lost)

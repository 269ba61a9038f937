"""The KTP step as a conversation: what the service read is offered, never taken unasked.

The service's reading is given here (FakeRegister.photos); tests/bot/test_ktp_usulan.py
reads real generated photos."""

from __future__ import annotations

from conversations.effects import PhotoRead, PhotoRefused
from conversations.flow import EngineConfig
from tests.conversations.transcript import (
    KK,
    NIK_MAN,
    NIK_WOMAN,
    Chat,
    FakeRegister,
    reach_photos,
)

# What a readable card of NIK_MAN says (answer keys, as the inspector returns them).
CARD = {
    "nik": NIK_MAN,
    "name": "Budi Santoso",
    "birth_place": "Bandung",
    "birth_date": "1985-08-17",
    "sex": "L",
    "marital": "kawin",
    "occupation": "buruh",
    "village": "32.04.05.2004",
    "village_label": "Cinunuk, Kec. Cileunyi, Kabupaten Bandung",
    "rt": "003",
    "rw": "005",
    "street": "JL. MELATI GG. 2",
}


def reading_chat(**photos: PhotoRead | PhotoRefused) -> Chat:
    register = FakeRegister(photos={"ktp-1": PhotoRead(CARD), **photos})
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
    card = {**CARD, "birth_date": "1985-08-18"}  # read wrong, and not the NIK's date
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

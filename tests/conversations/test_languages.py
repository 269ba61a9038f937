"""The language registry: switching by name or in turn, and labels in several languages."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from conversations.labels import Label
from conversations.languages import LANGUAGES, as_language, language_named, next_language
from tests.conversations.transcript import Chat, transcript


def test_a_language_is_named_by_its_words_and_the_button_goes_to_the_next():
    assert language_named("in english") == "en" and language_named("bahasa indonesia") == "id"
    assert language_named("klingon") is None
    assert [next_language(code) for code in LANGUAGES] == [*LANGUAGES[1:], LANGUAGES[0]]
    assert as_language("en") == "en" and as_language("xx") == "id" and as_language(None) == "id"


def test_typing_a_languages_name_switches_to_it_anywhere():
    chat = Chat()
    transcript(chat, [("menu", "Apa yang ingin"), ("English", "What would you like")])
    assert "What would you like" in chat.say("/english")  # already English: stays
    assert "Apa yang ingin" in chat.say("bahasa indonesia")


def test_a_label_falls_back_to_indonesian_and_needs_it():
    label = Label.model_validate({"id": "Diterima", "en": "Received"})
    assert label.get("en") == "Received" and label.get() == "Diterima"
    assert Label.model_validate({"id": "Diterima"}).get("en") == "Diterima"
    assert label.texts() == {"id": "Diterima", "en": "Received"}
    assert hash(label) == hash(Label.model_validate({"en": "Received", "id": "Diterima"}))
    with pytest.raises(ValidationError):
        Label.model_validate({"en": "Received"})
    with pytest.raises(ValidationError):
        Label.model_validate({"id": "Diterima", "fr": "Reçu"})

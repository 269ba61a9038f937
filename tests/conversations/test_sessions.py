"""Pausing, coming back, and conversations that expire."""

from __future__ import annotations

from datetime import timedelta

from conversations.flow import EngineConfig
from tests.conversations.transcript import USULAN_TYPED, Chat, transcript


def test_coming_back_hours_later_offers_to_continue_where_one_was():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:8])
    welcome_back = chat.say("halo", after=timedelta(hours=5))
    assert "belum selesai" in welcome_back and "Usulan mandiri" in welcome_back
    assert "ibu kandung" in chat.press("Lanjutkan")
    assert chat.state.answers["birth_place"] == "Bandung"


def test_coming_back_can_start_again_from_the_beginning():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:8])
    chat.say("halo", after=timedelta(hours=5))
    assert "akan dihapus" in chat.press("Mulai dari awal")
    assert "setuju" in chat.press("Ya, mulai dari awal")
    assert "nik" not in chat.state.answers


def test_coming_back_and_going_to_the_menu_keeps_the_form():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:8])
    chat.say("halo", after=timedelta(hours=5))
    chat.press("Ke menu utama")
    assert chat.buttons()[0] == "Lanjutkan pengisian"
    assert "ibu kandung" in chat.say("1")


def test_an_unfinished_conversation_expires_and_the_citizen_is_told():
    chat = Chat(config=EngineConfig(conversation_ttl=timedelta(days=7)))
    transcript(chat, USULAN_TYPED[:8])
    expired = chat.say("Siti Aminah", after=timedelta(days=8))
    assert "lebih dari 7 hari" in expired and "Apa yang ingin" in expired
    assert chat.state.flow is None and chat.state.answers == {}


def test_a_short_pause_just_carries_on():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:8])
    assert "perkawinan" in chat.say("Siti Aminah", after=timedelta(minutes=10))

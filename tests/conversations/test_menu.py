"""The main menu lists the flows in the order they were registered."""

from __future__ import annotations

from dataclasses import replace

from conversations.engine import Script
from conversations.flows import FLOWS
from tests.conversations.transcript import Chat


def test_the_menu_offers_the_registered_flows_in_their_order_then_language_and_help():
    chat = Chat()
    chat.say("menu")
    assert chat.buttons() == [
        "Usulan mandiri (daftar DTSEN)",
        "Sanggahan (keberatan data)",
        "Perbaikan data (data keluarga salah)",
        "Laporan perubahan (meninggal, pindah, pecah KK, keluar)",
        "Cek status permohonan",
        "Privasi dan data saya",
        "English",
        "Bantuan",
    ]


def test_registering_flows_in_another_order_changes_the_menu_and_its_numbers():
    chat = Chat()
    order = ("status", "usulan", "sanggahan")
    flows = {name: FLOWS[name] for name in order}
    flows["privasi"] = replace(FLOWS["privasi"], on_menu=False)
    chat.script = Script(flows, chat.script.config, chat.script.regions)
    chat.say("menu")
    assert chat.buttons()[:4] == [
        "Cek status permohonan",
        "Usulan mandiri (daftar DTSEN)",
        "Sanggahan (keberatan data)",
        "English",
    ]
    assert "Permohonan mana" in chat.say("1")

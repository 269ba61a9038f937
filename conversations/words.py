"""What people type, reduced to something comparable, and the words that work anywhere."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Command = Literal[
    "menu", "cancel", "back", "help", "skip", "restart", "lang_id", "lang_en", "lang_pick"
]

_COMMANDS: dict[str, Command] = {
    "menu": "menu",
    "start": "menu",
    "mulai": "menu",
    "menu utama": "menu",
    "main menu": "menu",
    "batal": "cancel",
    "batalkan": "cancel",
    "cancel": "cancel",
    "stop": "cancel",
    "mulai dari awal": "restart",
    "mulai ulang": "restart",
    "ulang dari awal": "restart",
    "start over": "restart",
    "start again": "restart",
    "restart": "restart",
    "kembali": "back",
    "back": "back",
    "balik": "back",
    "bantuan": "help",
    "help": "help",
    "tolong": "help",
    "lewati": "skip",
    "lewat": "skip",
    "skip": "skip",
    "english": "lang_en",
    "bahasa inggris": "lang_en",
    "in english": "lang_en",
    "bahasa indonesia": "lang_id",
    "indonesia": "lang_id",
    "indonesian": "lang_id",
    "bahasa": "lang_pick",
    "language": "lang_pick",
}


def normalize(text: str) -> str:
    """Lower case, no accents or punctuation, single spaces: 'Ya!!  ' -> 'ya'."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = re.sub(r"[^\w\s]", " ", folded)
    return " ".join(folded.split())


def command_of(text: str | None) -> Command | None:
    """The global command a whole message stands for, if any ('/batal', 'Batal.', 'BATAL')."""
    if not text:
        return None
    stripped = text.strip()
    if stripped.startswith("/"):
        # Telegram commands may carry the bot's name: /batal@dtsen_bot
        stripped = stripped[1:].split("@", 1)[0]
    return _COMMANDS.get(normalize(stripped))

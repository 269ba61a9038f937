"""What people type, reduced to something comparable, and the words that work anywhere."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from conversations.languages import SPOKEN

# "language": switch to the language named (languages.language_named tells which);
# "lang_pick": to the next one, like the menu's language button. "my_data" and "erase":
# the citizen's rights (UU 27/2022), "data saya" and "hapus data saya" from anywhere.
Command = Literal[
    "menu",
    "cancel",
    "back",
    "help",
    "skip",
    "restart",
    "language",
    "lang_pick",
    "my_data",
    "erase",
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
    "bahasa": "lang_pick",
    "language": "lang_pick",
    "data saya": "my_data",
    "lihat data saya": "my_data",
    "my data": "my_data",
    "show my data": "my_data",
    "hapus data saya": "erase",
    "hapus data": "erase",
    "hapus semua data saya": "erase",
    "delete my data": "erase",
    "erase my data": "erase",
    **{name: "language" for spoken in SPOKEN for name in spoken.names},
}


def normalize(text: str) -> str:
    """Lower case, no accents or punctuation, single spaces: 'Ya!!  ' -> 'ya'."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = re.sub(r"[^\w\s]", " ", folded)
    return " ".join(folded.split())


# Everyday spellings reduced to one word, so that choices and answers match as typed.
_SYNONYMS = {
    "ga": "tidak",
    "gak": "tidak",
    "gk": "tidak",
    "nggak": "tidak",
    "ngga": "tidak",
    "enggak": "tidak",
    "engga": "tidak",
    "tdk": "tidak",
    "tak": "tidak",
    "ndak": "tidak",
    "tau": "tahu",
    "tauk": "tahu",
    "taw": "tahu",
    # "I don't know" typed as one word in chats.
    "gatau": "tidak tahu",
    "gatahu": "tidak tahu",
    "gktau": "tidak tahu",
    "gaktau": "tidak tahu",
    "iya": "ya",
    "y": "ya",
    "lpg": "elpiji",
    "pdam": "pam",
    "jamban": "wc",
    "kakus": "wc",
    "toilet": "wc",
    "genting": "genteng",
    "cacat": "disabilitas",
}
# Words people add around an answer that name no option ("pakai kayu bakar aja").
FILLER_WORDS = frozenset({"yang", "pakai", "pake", "aja", "saja", "sih", "kak", "dong", "deh"})
# "I don't know", however it is typed (after `canonical`).
_DONT_KNOW = frozenset(
    {
        "tidak tahu",
        "belum tahu",
        "kurang tahu",
        "tidak ingat",
        "lupa",
        "dont know",
        "don t know",
        "not sure",
        "no idea",
        "unknown",
    }
)


DONT_KNOW = "belum tahu"


def canonical(text: str) -> str:
    """`normalize`d, with everyday spellings as one word: 'Ga tau' -> 'belum tahu'.

    Every way of saying "I don't know" becomes "belum tahu", the words of that option.
    """
    said = " ".join(_SYNONYMS.get(word, word) for word in normalize(text).split())
    return DONT_KNOW if said in _DONT_KNOW else said


def is_dont_know(text: str | None) -> bool:
    """'tidak tahu', 'ga tau', 'belum tahu', "don't know"..."""
    return bool(text) and canonical(text or "") == DONT_KNOW


def command_of(text: str | None) -> Command | None:
    """The global command a whole message stands for, if any ('/batal', 'Batal.', 'BATAL')."""
    return _COMMANDS.get(command_words(text)) if text else None


def command_words(text: str | None) -> str:
    """A message as a command's words: '/English@dtsen_bot' -> 'english'."""
    stripped = (text or "").strip()
    if stripped.startswith("/"):
        # Telegram commands may carry the bot's name: /batal@dtsen_bot
        stripped = stripped[1:].split("@", 1)[0]
    return normalize(stripped)

"""The languages the bot speaks (`Label`, one text in each of them, is in
`conversations.labels`: pydantic stays out of what the light CLI commands import).
Declared once, here.

Bahasa Indonesia is the default and the register's own language: staff read it, and a text
missing in another language falls back to it.

Adding a language (say Basa Jawa, "jv"):

1. Add its code to `Language` and a `Spoken` entry to `SPOKEN` below (the words people type
   to switch to it).
2. Add the folder `conversations/catalogue/jv/` with the same files and keys as `id/`
   (tests/conversations/test_catalogue.py checks the keys and their `{blanks}`); each
   catalogue's `choice.menu.bahasa` names the language the menu's language button switches
   to (the next one in `SPOKEN`).
3. Optionally, its words in the regional workflows (`jv = "..."` next to `id`/`en` in each
   label of staff/workflows/*.toml); without them citizens read the Indonesian words.

Channels, the engine, the service, the CLI's `--lang` and Telegram's "/" menu take the
languages from here. Tests that pin whole texts then show the new language, as they should:
write its golden conversations (`UPDATE_GOLDEN=1 pytest tests/conversations/test_golden.py`)
and count its "/" menu in tests/bot/channels/test_telegram_cli.py. (Tried with "jv": 2 files
plus the catalogue folder and one line in en/flows.toml, plus those tests.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Language = Literal["id", "en"]


@dataclass(frozen=True)
class Spoken:
    code: Language
    # What people type, anywhere in a conversation, to switch to it (as `words.normalize`
    # leaves them: lower case, single spaces).
    names: tuple[str, ...]


SPOKEN: Final[tuple[Spoken, ...]] = (
    Spoken("id", ("bahasa indonesia", "indonesia", "indonesian")),
    Spoken("en", ("english", "bahasa inggris", "in english")),
)
LANGUAGES: Final[tuple[Language, ...]] = tuple(s.code for s in SPOKEN)
DEFAULT_LANGUAGE: Final[Language] = "id"

_BY_NAME: Final = {name: s.code for s in SPOKEN for name in s.names}


def language_named(words: str) -> Language | None:
    """The language these (normalised) words ask for: "in english" -> "en"."""
    return _BY_NAME.get(words)


def next_language(current: Language) -> Language:
    """The language the menu's language button switches to: the next one, in turn."""
    return LANGUAGES[(LANGUAGES.index(current) + 1) % len(LANGUAGES)]


def as_language(value: str | None) -> Language:
    """A stored language code, or the default for anything unknown."""
    return next((known for known in LANGUAGES if known == value), DEFAULT_LANGUAGE)

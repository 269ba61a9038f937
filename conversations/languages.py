"""The languages the bot speaks, and `Label`: one text in each of them. Declared once, here.

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

from pydantic import ConfigDict, RootModel, model_validator

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


class Label(RootModel[dict[Language, str]]):
    """One text in several languages, `{"id": "...", "en": "..."}` (a TOML inline table).

    Indonesian is required; `get` falls back to it for a language without its own text.
    """

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _complete(self) -> Label:
        if not self.root.get(DEFAULT_LANGUAGE, "").strip():
            raise ValueError(f"a label needs its text in {DEFAULT_LANGUAGE!r}")
        if any(not text.strip() for text in self.root.values()):
            raise ValueError("a label's texts must not be empty")
        return self

    def get(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The text in `language`, else in Indonesian (what staff read: `get()`)."""
        return self.root.get(as_language(language)) or self.root[DEFAULT_LANGUAGE]

    def texts(self) -> dict[str, str]:
        return {language: text for language, text in self.root.items()}

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.root.items())))

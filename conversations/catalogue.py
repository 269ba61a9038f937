"""Message catalogues: every text a citizen reads, per language, loaded from TOML files.

Each language is a folder `catalogue/<lang>/` of TOML files whose tables are flattened into
dotted keys (`[problem] nik_length = "..."` becomes `problem.nik_length`). Texts are
`str.format` templates filled with named parameters.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

# Declared in languages.py; importable from here too, where most callers look for them.
from conversations.languages import DEFAULT_LANGUAGE as DEFAULT_LANGUAGE
from conversations.languages import LANGUAGES as LANGUAGES
from conversations.languages import Language as Language


class MissingMessage(KeyError):
    pass


class DuplicateMessage(ValueError):
    pass


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(dotted, value, out)
        elif dotted in out:
            # Several files share tables such as [problem]: one must not overwrite another.
            raise DuplicateMessage(dotted)
        else:
            out[dotted] = str(value)


class Catalogue:
    def __init__(self, language: Language, messages: Mapping[str, str]) -> None:
        self.language = language
        self._messages = dict(messages)

    def keys(self) -> set[str]:
        return set(self._messages)

    def has(self, key: str) -> bool:
        return key in self._messages

    def template(self, key: str) -> str:
        """The text with its `{blanks}` unfilled."""
        try:
            return self._messages[key]
        except KeyError:
            raise MissingMessage(f"{self.language}:{key}") from None

    def text(self, key: str, /, **params: Any) -> str:
        try:
            template = self._messages[key]
        except KeyError:
            raise MissingMessage(f"{self.language}:{key}") from None
        return template.format(**params) if params else template


@cache
def catalogue(language: Language) -> Catalogue:
    messages: dict[str, str] = {}
    folder = resources.files("conversations") / "catalogue" / language
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _flatten("", tomllib.loads(entry.read_text(encoding="utf-8")), messages)
    return Catalogue(language, messages)

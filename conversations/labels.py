"""`Label`: one text in each language the bot speaks (workflow stages, documents, digests)."""

from __future__ import annotations

from pydantic import ConfigDict, RootModel, model_validator

from conversations.languages import DEFAULT_LANGUAGE, Language, as_language


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

"""Small text helpers shared by the validators (folding for search, title-casing names)."""

from __future__ import annotations

import re
import unicodedata

# Typed apostrophes vary by phone keyboard; names in the data use both ' and U+2019.
APOSTROPHES = "'\u2019\u2018`\u00b4\u02bc"
# A regex, not str.translate: translate with a deletion table is ~10x slower on big texts.
_APOSTROPHE = re.compile("[" + APOSTROPHES + "]")
# Combining marks left by NFKD ("é" → "e" + U+0301); a regex keeps this in C for big texts.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_NOT_ALNUM = re.compile(r"[^a-z0-9\n]+")
_SPACE_AROUND_NEWLINE = re.compile(r" *\n *")
_WORD_START = re.compile(r"(^|[\s\-.(/])(\w)")


def strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: the form used to compare names.

    Apostrophes are dropped rather than turned into spaces so "Nur'aini", "Nur\u2019aini" and
    "Nuraini" all fold to "nuraini".
    """
    return _fold_lines(" ".join(text.split()))


def _fold_lines(text: str) -> str:
    # Newlines survive, so many names joined by "\n" fold in one pass of C-level work.
    text = _APOSTROPHE.sub("", strip_accents(text).casefold())
    return _SPACE_AROUND_NEWLINE.sub("\n", _NOT_ALNUM.sub(" ", text)).strip(" ")


def fold_many(texts: list[str]) -> list[str]:
    """`fold` for a long list in one pass (83,762 village names fold in ~50 ms this way)."""
    if not texts:
        return []
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:
        # A text with a newline of its own would shift every later line: fold one by one.
        return [fold(text) for text in texts]
    return _fold_lines(joined).split("\n")


def title_words(text: str) -> str:
    """Capitalise each word, after spaces, hyphens, dots and brackets but not apostrophes.

    `str.title()` would give "Nur'Aini"; Indonesian names want "Nur'aini" and "Al-Fatih".
    """
    lowered = text.lower()
    return _WORD_START.sub(lambda m: m.group(1) + m.group(2).upper(), lowered)

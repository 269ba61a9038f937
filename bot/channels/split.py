"""A text cut into pieces a provider accepts: Telegram's 4096 UTF-16 units, an SMS's three
segments. Each channel says how it measures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

# Paragraphs first, then lines, then words; a single "word" longer than a message is cut.
_SEPARATORS: Final = ("\n\n", "\n", " ")


def split(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Pieces of at most `limit` by `measure`, cut between paragraphs where possible, else
    between lines, then words; never an empty piece (providers refuse those)."""
    pieces = [piece for piece in _split(text, limit, 0, measure) if piece.strip()]
    return pieces or [text]


def _split(text: str, limit: int, level: int, measure: Callable[[str], int]) -> list[str]:
    if measure(text) <= limit:
        return [text]
    if level == len(_SEPARATORS):
        return _cut(text, limit, measure)
    separator = _SEPARATORS[level]
    pieces: list[str] = []
    current = ""
    for part in text.split(separator):
        joined = f"{current}{separator}{part}" if current else part
        if measure(joined) <= limit:
            current = joined
            continue
        if current:
            pieces.append(current)
        if measure(part) <= limit:
            current = part
        else:
            *full, current = _split(part, limit, level + 1, measure)
            pieces.extend(full)
    pieces.append(current)
    return pieces


def _cut(text: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:  # by code point, so an emoji's surrogate pair is never split
        width = measure(char)
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return pieces

"""The GSM-7 alphabet (3GPP TS 23.038): what an SMS carries at 160 characters a segment.

One character outside it turns the whole message into UCS-2, 70 characters a segment, and
many feature phones show it badly. So texts are made GSM-7 first: typographic quotes and
dashes become plain ones, bullets a hyphen, accents outside the alphabet are dropped from
their letter, and what is left (emoji) is removed.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Final

BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Sent as two septets (an escape, then the character).
EXTENDED: Final = frozenset("^{}\\[~]|€\f")
SINGLE_SEGMENT: Final = 160
PER_SEGMENT: Final = 153  # in a long message, 7 septets of each part say how to join them

# Written as escapes: the look-alikes are the point, and must not be mistaken in review.
_REPLACEMENTS: Final = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark, the apostrophe of word processors
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",  # en dash ("1\u20137")
    "\u2014": "-",  # em dash
    "\u2212": "-",  # minus sign
    "\u2022": "-",  # bullet
    "\u00b7": "-",
    "\u2026": "...",
    "\u00d7": "x",
    "\u00a0": " ",
    "\u202f": " ",
    "\t": " ",
    "\u2192": "->",
    "\u2265": ">=",
    "\u2264": "<=",
}


def to_gsm(text: str) -> str:
    out: list[str] = []
    for char in text:
        if char in BASIC or char in EXTENDED:
            out.append(char)
        elif char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
        else:
            # "ê" -> "e"; a character with no GSM base (an emoji) disappears.
            base = unicodedata.normalize("NFKD", char)
            out.append("".join(c for c in base if c in BASIC or c in EXTENDED))
    # Removing an emoji can leave a double space or a space at a line's end.
    return "\n".join(_tidy(line) for line in "".join(out).split("\n"))


def _tidy(line: str) -> str:
    words = line.lstrip(" ")
    return line[: len(line) - len(words)] + " ".join(words.split())


def is_gsm(text: str) -> bool:
    return all(char in BASIC or char in EXTENDED for char in text)


def septets(text: str) -> int:
    """Length as an SMS counts it (GSM-7 text assumed)."""
    return sum(2 if char in EXTENDED else 1 for char in text)


def segments(text: str) -> int:
    """How many SMS parts the text takes (UCS-2 when it is not GSM-7)."""
    if not is_gsm(text):
        units = len(text.encode("utf-16-le")) // 2
        return 1 if units <= 70 else math.ceil(units / 67)
    length = septets(text)
    return 1 if length <= SINGLE_SEGMENT else math.ceil(length / PER_SEGMENT)

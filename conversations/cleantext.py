"""Text as it may be stored and shown: what every citizen or provider text becomes at the edge.

A phone keyboard, a copy-paste or an attacker can send characters no answer needs: NUL
(PostgreSQL cannot keep it in text, and a `\\u0000` inside a JSON column breaks every query
that reads the column as text, exports included), other control characters, lone UTF-16
surrogates (not encodable as UTF-8), bidirectional overrides (they make a dashboard show
text in a different order than it was written) and byte-order marks. They are removed, not
refused: the rest of the message is what the citizen meant, and the flow's own checks
(length, format) then answer kindly if it is still not right.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

# Telegram's own limit for one message; nothing a flow asks for is longer (the longest
# free-text answer takes 200 characters, see the usulan flow), so longer is cut here and the
# step's own limit then explains what is wanted.
MAX_TEXT: Final = 4096
# Identifiers a provider or the chat page gives: chat ids, message ids, choice ids.
MAX_ID: Final = 128

_UNWANTED: Final = re.compile(
    "["
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 (except tab, newline, CR) and C1 controls
    "\u200b\u200e\u200f"  # zero-width space, left-to-right / right-to-left marks
    "\u202a-\u202e\u2066-\u2069"  # bidirectional embeddings, overrides and isolates
    "\u2028\u2029"  # line and paragraph separators (newlines in disguise)
    "\ufeff\ufff9-\ufffb\ufffe\uffff"  # byte-order mark, interlinear annotations, non-chars
    "\ud800-\udfff"  # lone surrogates (JSON "\ud800" decodes to one; UTF-8 cannot hold it)
    "]"
)
_LINE_BREAKS: Final = re.compile(r"\r\n?")


def clean_text(text: str, *, limit: int = MAX_TEXT) -> str:
    """`text` in NFC without control characters; tabs become spaces, CR/CRLF become newlines,
    and anything beyond `limit` characters is cut."""
    if not text.isascii() or not text.isprintable():
        text = _LINE_BREAKS.sub("\n", text).replace("\t", " ")
        text = unicodedata.normalize("NFC", _UNWANTED.sub("", text))
    return text[:limit]


def clean_id(value: str) -> str:
    """An identifier: no control characters or line breaks, at most `MAX_ID` characters."""
    return clean_text(value, limit=MAX_ID).replace("\n", "")


def has_unwanted(text: str) -> bool:
    """True when `clean_text` would change `text` (apart from cutting it)."""
    return clean_text(text, limit=len(text)) != text


def clean_value(value: Any) -> Any:
    """Every string inside a JSON-like value (dict keys too) cleaned, without a length cut:
    for repairing what was stored before the edge cleaned it."""
    if isinstance(value, str):
        return clean_text(value, limit=len(value))
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    return value

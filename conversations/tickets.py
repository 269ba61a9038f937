"""Ticket codes: what a citizen keeps to ask about a request later. Format and parsing, once.

A kind letter (kinds.py: U = usulan, S = sanggahan, P = perbaikan) and 6 characters from
an alphabet without the look-alikes 0/O, 1/I/L, so a ticket read aloud or copied from a
blurry screenshot survives. Stored normalised (`U7KQ4M9`), shown with a dash (`U-7KQ4M9`). Drawn
from a system RNG by the caller: tickets must not be guessable (31**6, about 887 million,
per kind).
"""

from __future__ import annotations

import random
import re
from typing import Final

from conversations.kinds import KINDS, kind_of_letter, request_kind

ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BODY_LENGTH: Final = 6
LENGTH: Final = 1 + BODY_LENGTH
# Never in a ticket's body: typing one is a typo for another character.
LOOKALIKES: Final = "01IOL"

_LETTERS: Final = "".join(k.letter for k in KINDS)
_TICKET_RE: Final = re.compile(rf"[{_LETTERS}][{ALPHABET}]{{{BODY_LENGTH}}}")
# What people put between the characters when they copy or type a ticket.
_SEPARATORS_RE: Final = re.compile(r"[\s\-._/]+")

if any(letter in LOOKALIKES for letter in _LETTERS):
    raise ValueError("a kind's ticket letter must not be a look-alike (0/O, 1/I/L)")


def generate(kind: str, rng: random.Random) -> str:
    letter = request_kind(kind).letter
    return letter + "".join(rng.choice(ALPHABET) for _ in range(BODY_LENGTH))


def squeeze(text: str) -> str:
    """What was typed, as ticket characters: `"u-7kq4 m9"` → `"U7KQ4M9"` (may be no ticket)."""
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())


def normalise(text: str) -> str | None:
    """`" u-7kq 4m9 "` → `"U7KQ4M9"`; None when it cannot be a ticket."""
    candidate = _SEPARATORS_RE.sub("", text).upper()
    return candidate if _TICKET_RE.fullmatch(candidate) else None


def format_ticket(ticket: str) -> str:
    """`"U7KQ4M9"` → `"U-7KQ4M9"`, for display."""
    normalised = normalise(ticket)
    if normalised is None:
        raise ValueError(f"not a ticket: {ticket!r}")
    return f"{normalised[0]}-{normalised[1:]}"


def shown(ticket: str) -> str:
    """Like `format_ticket`, but a stored value that is no ticket is shown as it is."""
    normalised = normalise(ticket)
    return f"{normalised[0]}-{normalised[1:]}" if normalised else ticket


def has_kind_letter(code: str) -> bool:
    """A squeezed code of ticket length that starts with a kind's letter."""
    return len(code) == LENGTH and kind_of_letter(code[0]) is not None


def complete(code: str) -> bool:
    """A squeezed code that can be looked up as it is (its letter, no look-alikes)."""
    return has_kind_letter(code) and not any(c in LOOKALIKES for c in code[1:])


def worth_a_look(code: str) -> bool:
    """A squeezed code close enough to look for: a whole ticket (perhaps with a look-alike)
    or its 6 characters without the letter."""
    return has_kind_letter(code) or len(code) == BODY_LENGTH


def body_only(code: str) -> bool:
    """A squeezed code that is a ticket's 6 characters without its letter."""
    return len(code) == BODY_LENGTH and all(c in ALPHABET for c in code)


def candidates(code: str) -> tuple[str, ...]:
    """The whole tickets a squeezed code can stand for: itself, or one per kind letter
    when it was typed without its letter."""
    if body_only(code):
        return tuple(kind.letter + code for kind in KINDS)
    return (code,) if complete(code) else ()


def typed_at_the_menu(text: str) -> bool:
    """A code typed at the menu, even mistyped (0 for O) or without its U-/S- letter."""
    if len(text.strip()) > 12:
        return False
    code = squeeze(text)
    has_digit = any(c.isdigit() for c in code)
    if has_kind_letter(code):
        return has_digit or "-" in text  # "U-ABCDEG" has no digit; "Sumbang" is a word
    return len(code) == BODY_LENGTH and has_digit and any(c.isalpha() for c in code)

"""Ticket numbers: what a citizen keeps to ask about a request later.

A kind letter (U = usulan, S = sanggahan) and 6 characters from an alphabet without the
look-alikes 0/O, 1/I/L, so a ticket read aloud or copied from a blurry screenshot survives.
Stored normalised (`U7KQ4M9`), shown with a dash (`U-7KQ4M9`). Tickets are drawn from a
system RNG: they must not be guessable (31**6, about 887 million, per kind).
"""

from __future__ import annotations

import random
import re
from typing import Final

TICKET_ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TICKET_BODY_LENGTH: Final = 6
KIND_LETTERS: Final = {"usulan": "U", "sanggahan": "S"}

_TICKET_RE: Final = re.compile(rf"[US][{TICKET_ALPHABET}]{{{TICKET_BODY_LENGTH}}}")
# What people put between the characters when they copy or type a ticket.
_SEPARATORS_RE: Final = re.compile(r"[\s\-._/]+")


def generate_ticket(kind: str, rng: random.Random) -> str:
    letter = KIND_LETTERS[kind]
    return letter + "".join(rng.choice(TICKET_ALPHABET) for _ in range(TICKET_BODY_LENGTH))


def normalise_ticket(text: str) -> str | None:
    """`" u-7kq 4m9 "` → `"U7KQ4M9"`; None when it cannot be a ticket."""
    candidate = _SEPARATORS_RE.sub("", text).upper()
    return candidate if _TICKET_RE.fullmatch(candidate) else None


def format_ticket(ticket: str) -> str:
    """`"U7KQ4M9"` → `"U-7KQ4M9"`, for display."""
    normalised = normalise_ticket(ticket)
    if normalised is None:
        raise ValueError(f"not a ticket: {ticket!r}")
    return f"{normalised[0]}-{normalised[1:]}"

"""The values that cross the engine's boundary: what comes in, what goes out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from conversations.effects import EffectResult

Expects = Literal["text", "photo", "location", "choice"]


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class PhotoRef:
    """A photo already stored by the service; the engine only keeps its reference."""

    ref: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Incoming:
    """One thing the citizen did: typed text, pressed a button, sent a photo or a location.

    `effect_result` is set instead when the service hands back the typed answer to the
    effect the engine asked for in the previous turn.
    """

    now: datetime
    text: str | None = None
    choice: str | None = None
    photo: PhotoRef | None = None
    location: Location | None = None
    contact_phone: str | None = None
    # A number the channel vouches for (the WhatsApp sender): offered, never assumed.
    sender_phone: str | None = None
    effect_result: EffectResult | None = None
    # A problem code for something the service refused before the engine saw it
    # (a file that is not an image, a photo that is too large).
    rejected: str | None = None


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Reply:
    """One message to the citizen.

    Channels show `choices` as buttons or, where there are none, as a numbered list; the
    engine accepts the number, the words or the button's id. `numbered=False` marks
    choices whose numbers would clash with numbers in the text (the summary, where a
    number picks a field to change): channels then show them without numbers.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    expects: Expects = "text"
    numbered: bool = True
    # The question takes a phone number: channels may offer "share my number" (Telegram).
    asks_phone: bool = False

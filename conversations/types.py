"""The values that cross the engine's boundary: what comes in, what goes out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

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

    `effect_result` is set instead when the service hands back the answer to an `Effect`
    the engine asked for in the previous turn.
    """

    now: datetime
    text: str | None = None
    choice: str | None = None
    photo: PhotoRef | None = None
    location: Location | None = None
    contact_phone: str | None = None
    effect_result: EffectResult | None = None


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = ()
    expects: Expects = "text"


@dataclass(frozen=True)
class Effect:
    """Something only the service can do (store, look up). `kind` names it; see effects.py."""

    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EffectResult:
    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)

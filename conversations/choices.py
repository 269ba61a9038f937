"""Matching an answer to the offered choices: by number, by words, or by a button's id."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from conversations.catalogue import LANGUAGES, Language, catalogue
from conversations.flow import ChoiceSet
from conversations.words import normalize

SKIP = "__skip__"
KNOWN_PHONE = "__known__"


def choice_id(key: str, value: str) -> str:
    """The id a button sends back; it names the question so an old button is recognised."""
    return f"{key}={value}"


def label(choices: ChoiceSet, value: str, language: Language) -> str:
    return catalogue(language).text(f"choice.{choices.name}.{value}")


@dataclass(frozen=True)
class Match:
    value: str | None
    stale: bool = False  # a button from an earlier question


def match_button(key: str, data: str, values: Sequence[str]) -> Match:
    head, sep, value = data.rpartition("=")
    if sep and head == key and value in values:
        return Match(value)
    return Match(None, stale=True)


def match_text(choices: ChoiceSet, text: str, values: Sequence[str] | None = None) -> str | None:
    """One choice from typed text: '2', '2.', 'keramik', 'Lantai keramik', any language."""
    options = list(values if values is not None else choices.values)
    said = normalize(text)
    if not said:
        return None
    number = re.fullmatch(r"(?:no |nomor |pilihan |angka )?(\d{1,2})", said)
    if number:
        index = int(number.group(1)) - 1
        return options[index] if 0 <= index < len(options) else None
    labels = _labels(choices, options)
    exact = [v for v, names in labels.items() if said in names]
    if len(exact) == 1:
        return exact[0]
    if len(said) < 3:
        return None
    # A unique choice whose label contains every typed word as a word start.
    words = said.split()
    partial = [
        v
        for v, names in labels.items()
        if any(all(re.search(rf"\b{re.escape(w)}", n) for w in words) for n in names)
    ]
    return partial[0] if len(partial) == 1 else None


def match_many(choices: ChoiceSet, text: str) -> list[str] | None:
    """Several choices: '1 3', '1,3', '1 dan 3', '13' (with fewer than 10 choices), words."""
    said = normalize(text)
    if not said:
        return None
    options = list(choices.values)
    parts = [p for p in re.split(r"\s*(?:,|;|\bdan\b|\band\b|\s)\s*", said) if p]
    if all(p.isdigit() for p in parts):
        digits = [int(d) for p in parts for d in (p if len(options) < 10 else [p])]
        if not all(1 <= d <= len(options) for d in digits):
            return None
        return _ordered(options, [options[d - 1] for d in digits])
    whole = match_text(choices, text)
    if whole is not None:
        return [whole]
    picked = []
    for chunk in re.split(r"\s*(?:,|;|\bdan\b|\band\b)\s*", said):
        if not chunk:
            continue
        value = match_text(choices, chunk)
        if value is None:
            return None
        picked.append(value)
    return _ordered(options, picked) if picked else None


def _ordered(options: list[str], picked: list[str]) -> list[str]:
    return [o for o in options if o in set(picked)]


def _labels(choices: ChoiceSet, options: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for value in options:
        names = {normalize(value.replace("_", " "))}
        for language in LANGUAGES:
            names.add(normalize(label(choices, value, language)))
        out[value] = names
    return out

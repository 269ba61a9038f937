"""Matching an answer to the offered choices: by number, by words, or by a button's id."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from conversations.catalogue import LANGUAGES, Language, catalogue
from conversations.flow import ChoiceSet
from conversations.words import FILLER_WORDS, canonical, normalize

SKIP = "__skip__"
DONE = "__done__"  # ends a multiple choice made with buttons
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


@dataclass(frozen=True)
class Found:
    """What typed text matched: one value, several candidates to ask about, or nothing."""

    value: str | None = None
    candidates: tuple[str, ...] = ()


def find_choice(choices: ChoiceSet, text: str, numbered: Sequence[str] | None = None) -> Found:
    """The choice typed text stands for: by number, by a whole label, or by words.

    Words match the start or any part of a label's words ("gas 3 kg" fits "Gas elpiji
    3 kg"), in any language, case and accent insensitive, with everyday synonyms ("ga ada"
    is "tidak ada"). Several fitting labels come back as candidates, never a silent pick.
    Numbers count in `numbered` (the options last shown) when given.
    """
    options = list(choices.values)
    said = canonical(text)
    if not said:
        return Found()
    number = re.fullmatch(r"(?:no |nomor |pilihan |angka |number )?(\d{1,2})", said)
    if number:
        shown = list(numbered) if numbered is not None else options
        index = int(number.group(1)) - 1
        return Found(shown[index]) if 0 <= index < len(shown) else Found()
    labels = _labels(choices, options)
    exact = [v for v, names in labels.items() if said in names]
    if len(exact) == 1:
        return Found(exact[0])
    words = [w for w in said.split() if w not in FILLER_WORDS] or said.split()
    fitting = [v for v, names in labels.items() if any(_fits(words, n) for n in names)]
    if len(fitting) == 1:
        return Found(fitting[0])
    return Found(candidates=tuple(fitting))


def match_text(choices: ChoiceSet, text: str, values: Sequence[str] | None = None) -> str | None:
    """One choice from typed text, or None when nothing or several fit."""
    return find_choice(choices, text, values).value


def _fits(words: list[str], name: str) -> bool:
    label_words = name.split()
    return all(any(_part_of(w, lw) for lw in label_words) for w in words)


def _part_of(typed: str, word: str) -> bool:
    if typed.isdigit():
        return typed == word
    if len(typed) < 3:
        # "kg" or "wc" as a word start; shorter parts inside words match too much.
        return word.startswith(typed)
    return typed in word


def match_many(choices: ChoiceSet, text: str) -> list[str] | None:
    """Several choices: '1 3', '1,3', '1 dan 3', '13' (with fewer than 10 choices), words."""
    said = normalize(text)
    if not said:
        return None
    options = list(choices.values)
    parts = [p for p in re.split(r"\s*(?:,|;|\bdan\b|\band\b|\s)\s*", said) if p]
    if all(p.isdigit() for p in parts):
        if any(len(p) > 6 for p in parts):
            return None  # not positions (and `int` refuses over 4,300 digits)
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
            # Nothing or several for one part: asked again, never guessed.
            return None
        picked.append(value)
    return _ordered(options, picked) if picked else None


def _ordered(options: list[str], picked: list[str]) -> list[str]:
    return [o for o in options if o in set(picked)]


def _labels(choices: ChoiceSet, options: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for value in options:
        # Labels only, not the value's id: "tembok" is the id of "Tembok diplester" and
        # must not silently win over "Tembok tanpa plester".
        names = {canonical(label(choices, value, language)) for language in LANGUAGES}
        out[value] = names
    return out

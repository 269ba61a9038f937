"""Answers read from a photo (the KTP), offered for the citizen to confirm, never trusted.

The photo step stores what was read under `CARD` (answer key -> value, each already through
the typed-input validators on the service's side). When the conversation reaches a
question whose answer was read, it shows the values of that question's group in one
message ("NIK: 3204 0517 0885 0001 — benar?"): one tap on "Ya, benar" runs each value
through the question's own parser and check, exactly as if it had been typed; anything
typed instead answers the question normally and the card's value for it is dropped; "Bukan"
asks the group's questions normally. A value that fails its parser there is asked normally,
with the reason.

Only confirmed values become answers. `CONFIRMED` lists the answer keys confirmed from the
card (the staff view shows them); `CARD` itself is never filed with the request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from conversations.catalogue import Language, catalogue
from conversations.choices import choice_id, label
from conversations.flow import Answers, Flow, Step
from conversations.types import Choice, Reply

CARD = "card"  # values read from the KTP photo, not confirmed
CONFIRMED = "card_confirmed"  # answer keys whose card value the citizen confirmed
DECLINED = "card_declined"  # answer keys whose card value the citizen did not take
READS = "card_first"  # set when the flow starts if the service reads the card
YES, NO = "card_yes", "card_no"
NOT_FILED = frozenset({CARD, DECLINED, READS})


def card_first(answers: Answers) -> bool:
    return bool(answers.get(READS))


def card_last(answers: Answers) -> bool:
    return not answers.get(READS)


def card_values(answers: Answers) -> Mapping[str, Any]:
    card = answers.get(CARD)
    return card if isinstance(card, Mapping) else {}


def offer(flow: Flow, answers: Answers, key: str) -> list[str]:
    """The keys to offer from the card at question `key`: the rest of its group that was
    read, is still open and was not declined. [] asks the question normally."""
    card = card_values(answers)
    if key not in card:
        return []
    declined = set(answers.get(DECLINED) or ())
    for group in flow.card_groups:
        if key in group:
            start = group.index(key)
            return [
                k for k in group[start:] if k in card and k not in answers and k not in declined
            ]
    return [] if key in declined or key in answers else [key]


def confirm(answers: dict[str, Any], keys: Sequence[str]) -> None:
    listed = [k for k in answers.get(CONFIRMED) or () if k not in keys]
    answers[CONFIRMED] = [*listed, *keys]


def decline(answers: dict[str, Any], keys: Sequence[str]) -> None:
    """The card's values for `keys` are not used: their questions are asked normally."""
    listed = [k for k in answers.get(DECLINED) or () if k not in keys]
    answers[DECLINED] = [*listed, *keys]
    unconfirm(answers, keys)


def unconfirm(answers: dict[str, Any], keys: Sequence[str]) -> None:
    if answers.get(CONFIRMED):
        answers[CONFIRMED] = [k for k in answers[CONFIRMED] if k not in keys]


def question(
    flow: Flow, key: str, keys: Sequence[str], answers: Answers, language: Language
) -> Reply:
    cat = catalogue(language)
    card = card_values(answers)
    lines = [f"{_label(flow, k, language)}: {_shown(flow, k, card, language)}" for k in keys]
    text = cat.text("card.confirm", fields="\n".join(lines))
    choices = (
        Choice(choice_id(key, YES), cat.text("choice.card.yes")),
        Choice(choice_id(key, NO), cat.text("choice.card.no")),
    )
    return Reply(text, choices, expects="text")


def as_typed(step: Step, value: Any) -> str:
    """A card value as the citizen would type it, for the question's own parser."""
    if step.kind in ("choice", "yes_no", "village"):
        return str(value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return date.fromisoformat(value).strftime("%d-%m-%Y")
    return str(value)


def _step(flow: Flow, key: str) -> Step | None:
    for node in flow.nodes:
        if isinstance(node, Step) and node.key == key:
            return node
    return None


def _label(flow: Flow, key: str, language: Language) -> str:
    cat = catalogue(language)
    return cat.text(f"card.label.{key}") if cat.has(f"card.label.{key}") else key


def _shown(flow: Flow, key: str, card: Mapping[str, Any], language: Language) -> str:
    """The value as printed on the card: the NIK in full, in groups of four (it is the
    citizen's own card, and a digit must be checkable)."""
    value = card[key]
    step = _step(flow, key)
    if key == "nik":
        digits = str(value)
        return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
    if step is not None and step.kind == "village":
        return str(card.get(f"{key}_label", value))
    if step is not None and step.choices is not None:
        return label(step.choices, str(value), language)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return date.fromisoformat(value).strftime("%d-%m-%Y")
    return str(value)

"""Answers read from a photo (the KTP), offered for the citizen to confirm, never trusted.

The photo step stores what was read under `CARD` (answer key -> value, each already through
the typed-input validators on the service's side). A question that the card answers has a
`from_card` (flow.Step): the answer as the citizen would type it, made from those values
("Bandung, 17-08-1985" for a place-and-date question). When the conversation reaches such
a question, it shows the card's answers for it and the rest of its group (`Flow.
card_groups`) in one message ("NIK: 3204 0517 0885 0001 ... Benar?"): one tap on "Ya,
benar" runs each through the question's own parser and check exactly as if it had been
typed; anything typed instead answers the question normally and the card's answer for it
is dropped; "Bukan" asks the group's questions normally. An answer that fails its parser
there is asked normally, with the reason.

Only confirmed values become answers. `CONFIRMED` lists the answer keys confirmed from the
card (the staff view shows them); `CARD` itself is never filed with the request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from conversations.catalogue import Language, catalogue
from conversations.choices import choice_id, label
from conversations.flow import Answers, Flow, Step
from conversations.types import Choice, Reply

CARD = "card"  # values read from the KTP photo, not confirmed
CONFIRMED = "card_confirmed"  # answer keys whose card value the citizen confirmed
DECLINED = "card_declined"  # questions whose card answer the citizen did not take
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


def field(key: str) -> Any:
    """`from_card` for a question answered by one value of the card, typed as it is."""
    return lambda card: card.get(key)


def date_field(key: str) -> Any:
    """`from_card` for a date, typed as printed on the card (17-08-1985)."""
    return lambda card: dmy(card[key]) if card.get(key) else None


def dmy(iso: str) -> str:
    return date.fromisoformat(str(iso)).strftime("%d-%m-%Y")


def card_answer(step: Step | None, answers: Answers) -> Any:
    """The card's answer to `step`, as typed; None when the card does not answer it."""
    if step is None or step.from_card is None:
        return None
    card = card_values(answers)
    return step.from_card(card) if card else None


def offer(flow: Flow, answers: Answers, key: str) -> list[str]:
    """The questions to offer from the card at question `key`: the rest of its group that
    the card answers, still open and not declined. [] asks the question normally."""
    if card_answer(_step(flow, key), answers) is None:
        return []
    declined = set(answers.get(DECLINED) or ())
    group = next((g for g in flow.card_groups if key in g), (key,))
    return [
        k
        for k in group[group.index(key) :]
        if k not in answers and k not in declined and card_answer(_step(flow, k), answers)
    ]


def confirm(answers: dict[str, Any], keys: Iterable[str]) -> None:
    """The answer keys just filled from the card (a question's and those it implies)."""
    card = card_values(answers)
    taken = [k for k in keys if k in card and not k.endswith("_label")]
    listed = [k for k in answers.get(CONFIRMED) or () if k not in taken]
    answers[CONFIRMED] = [*listed, *taken]


def decline(answers: dict[str, Any], keys: Sequence[str]) -> None:
    """The card's answers to these questions are not used: they are asked normally."""
    listed = [k for k in answers.get(DECLINED) or () if k not in keys]
    answers[DECLINED] = [*listed, *keys]


def unconfirm(answers: dict[str, Any], keys: Iterable[str]) -> None:
    if answers.get(CONFIRMED):
        dropped = set(keys)
        answers[CONFIRMED] = [k for k in answers[CONFIRMED] if k not in dropped]


def question(
    flow: Flow, key: str, keys: Sequence[str], answers: Answers, language: Language
) -> Reply:
    cat = catalogue(language)
    lines = [f"{_label(k, language)}: {_shown(flow, k, answers, language)}" for k in keys]
    text = cat.text("card.confirm", fields="\n".join(lines))
    choices = (
        Choice(choice_id(key, YES), cat.text("choice.card.yes")),
        Choice(choice_id(key, NO), cat.text("choice.card.no")),
    )
    return Reply(text, choices, expects="text")


def _step(flow: Flow, key: str) -> Step | None:
    for node in flow.nodes:
        if isinstance(node, Step) and node.key == key:
            return node
    return None


def _label(key: str, language: Language) -> str:
    cat = catalogue(language)
    return cat.text(f"card.label.{key}") if cat.has(f"card.label.{key}") else key


def _shown(flow: Flow, key: str, answers: Answers, language: Language) -> str:
    """The answer as printed on the card: the NIK in full, in groups of four (it is the
    citizen's own card, and a digit must be checkable)."""
    step = _step(flow, key)
    value = card_answer(step, answers)
    if key == "nik":
        digits = str(value)
        return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
    if step is not None and step.kind == "village":
        return str(card_values(answers).get(f"{key}_label", value))
    if step is not None and step.choices is not None:
        return label(step.choices, str(value), language)
    return str(value)

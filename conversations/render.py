"""Turning questions, answers and summaries into replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conversations.catalogue import Language, catalogue
from conversations.choices import DONE, KNOWN_PHONE, SKIP, choice_id, label
from conversations.flow import Flow, Position, Repeat, Step, positions
from conversations.types import Choice, Expects, Reply

SUMMARY = "__summary__"
# No message a citizen reads is longer (a phone screen; tests/conversations checks it).
MAX_MESSAGE = 600

_EXPECTS: dict[str, Expects] = {
    "photo": "photo",
    "location": "location",
    "choice": "choice",
    "yes_no": "choice",
}


def question(
    position: Position,
    answers: Mapping[str, Any],
    scratch: Mapping[str, Any],
    language: Language,
    *,
    known_phone: str | None = None,
) -> Reply:
    step, cat = position.step, catalogue(language)
    total = position.node.count(answers) if isinstance(position.node, Repeat) else 1
    n = (position.index or 0) + 1
    repeated = isinstance(position.node, Repeat)
    member = answers.get(f"{position.node.key}.{n - 1}.name") if repeated else None
    text = cat.text(step.prompt_key_for(answers), n=n, total=total, name=member or "")
    previous = scratch.get("previous", {})
    if position.key in answers or position.key in previous:
        value = answers.get(position.key, previous.get(position.key))
        shown = display(step, value, {**answers, **previous}, position.key, language)
        text += "\n\n" + cat.text("ask.previous", value=shown)
    choices = list(_choices(step, position.key, language))
    picked = list(scratch.get("picked", [])) if step.kind == "multi_choice" else []
    if picked and step.choices:
        # Buttons toggle: the picks so far are ticked and "Selesai" ends the question.
        names = [label(step.choices, v, language) for v in picked]
        text += "\n\n" + cat.text("ask.picked", picked=", ".join(names))
        marked = {choice_id(position.key, v) for v in picked}
        choices = [Choice(c.id, "✓ " + c.label) if c.id in marked else c for c in choices]
        choices.append(Choice(choice_id(position.key, DONE), cat.text("choice.done")))
    if step.asks_phone and known_phone:
        shown = cat.text("choice.use_known_phone", phone=known_phone)
        choices.append(Choice(choice_id(position.key, KNOWN_PHONE), shown))
    if step.optional:
        choices.append(Choice(choice_id(position.key, SKIP), cat.text("choice.skip")))
    return Reply(
        text,
        tuple(choices),
        expects=_EXPECTS.get(step.kind, "text"),
        asks_phone=step.asks_phone,
    )


def _choices(step: Step, key: str, language: Language) -> list[Choice]:
    if step.kind == "yes_no":
        cat = catalogue(language)
        set_name = step.choices.name if step.choices else "yes_no"
        return [
            Choice(choice_id(key, v), cat.text(f"choice.{set_name}.{v}")) for v in ("yes", "no")
        ]
    if step.kind in ("choice", "multi_choice") and step.choices:
        return [
            Choice(choice_id(key, v), label(step.choices, v, language)) for v in step.choices.values
        ]
    return []


def display(step: Step, value: Any, answers: Mapping[str, Any], key: str, lang: Language) -> str:
    """An answer as the citizen sees it again (never a NIK or KK in clear)."""
    cat = catalogue(lang)
    if value is None:
        return cat.text("summary.skipped")
    if step.kind == "photo":
        return cat.text("summary.photo_received")
    if step.kind == "location":
        return cat.text("summary.location_received")
    if step.kind == "village":
        return str(answers.get(f"{key}_label", value))
    if step.kind == "yes_no":
        set_name = step.choices.name if step.choices else "yes_no"
        return cat.text(f"choice.{set_name}.{value}")
    if step.kind == "choice" and step.choices:
        # A choice can read differently looked back on than offered: "Warga, saya Ketua
        # RT/RW" is a button, "Warga yang Anda usulkan sebagai Ketua RT/RW" a summary line.
        own = f"summary.choice.{step.choices.name}.{value}"
        return cat.text(own) if cat.has(own) else label(step.choices, str(value), lang)
    if step.kind == "multi_choice" and step.choices:
        return ", ".join(label(step.choices, str(v), lang) for v in value)
    if step.display is not None:
        return step.display(value)
    return str(value)


@dataclass(frozen=True)
class SummaryItem:
    label: str
    keys: tuple[str, ...]
    value: str
    node: str = ""  # the key of the step or group it shows


# Summary choices: send, open a section, pick a field of the open section.
SEND = "send"
EDIT_SECTION = "edit."
EDIT_FIELD = "field."
OTHER_SECTION = "lainnya"
# Members' names shown in the summary, at most: a message stays under 600 characters.
_NAMES_SHOWN = 240


def summary_items(
    flow: Flow, answers: Mapping[str, Any], lang: Language = "id"
) -> list[SummaryItem]:
    cat = catalogue(lang)
    items: list[SummaryItem] = []
    applicable = {p.key for p in positions(flow, answers)}
    for node in flow.nodes:
        if node.summary is None or not node.applies(answers):
            continue
        if isinstance(node, Step):
            if node.key not in applicable:
                continue
            value = display(node, answers.get(node.key), answers, node.key, lang)
            keys: tuple[str, ...] = (node.key,)
            if node.kind == "village":
                keys += (f"{node.key}_label",)
            items.append(SummaryItem(cat.text(node.summary), keys, value, node.key))
            continue
        keys = tuple(k for k in answers if k.startswith(f"{node.key}.")) + node.also_clears
        value = _repeat_value(node, answers, lang)
        items.append(SummaryItem(cat.text(node.summary), keys, value, node.key))
    return items


def summary_sections(
    flow: Flow, answers: Mapping[str, Any], lang: Language = "id"
) -> list[tuple[str, list[SummaryItem]]]:
    """The summary's items by section, in the flow's order; empty sections left out."""
    items = summary_items(flow, answers, lang)
    placed: set[str] = set()
    out: list[tuple[str, list[SummaryItem]]] = []
    for section in flow.sections:
        inside = [i for i in items if i.node in section.keys]
        placed.update(i.node for i in inside)
        if inside:
            out.append((section.name, inside))
    rest = [i for i in items if i.node not in placed]
    if rest:
        out.append((OTHER_SECTION, rest))
    return out


def _repeat_value(node: Repeat, answers: Mapping[str, Any], lang: Language) -> str:
    cat = catalogue(lang)
    count = node.count(answers) if node.applies(answers) else 0
    if count == 0:
        return cat.text("summary.members_later")
    names = [_member_shown(node, answers, i, lang) for i in range(count)]
    shown: list[str] = []
    for name in names:
        if len(", ".join([*shown, name])) > _NAMES_SHOWN:
            break
        shown.append(name)
    listed = ", ".join(shown)
    if len(shown) < len(names):
        listed += " " + cat.text("summary.and_more", count=len(names) - len(shown))
    return cat.text("summary.members_value", count=count, names=listed)


def _member_shown(node: Repeat, answers: Mapping[str, Any], i: int, lang: Language) -> str:
    """A member's name, with the details given for them: "Sri (Petani, disabilitas)"."""
    cat = catalogue(lang)
    head = f"{node.key}.{i}."
    told = []
    for step in node.steps:
        value = answers.get(head + step.key) if step.key in node.details else None
        if value is None:
            continue
        # A detail's own summary word when it has one ("disabilitas"; nothing for "no").
        own = f"summary.{node.key}_{step.key}.{value}"
        shown = cat.text(own) if cat.has(own) else display(step, value, answers, head, lang)
        if shown:
            told.append(shown)
    name = str(answers.get(head + "name", "?"))
    return f"{name} ({', '.join(told)})" if told else name


def section_label(
    name: str, lang: Language, flow: Flow | None = None, answers: Mapping[str, Any] | None = None
) -> str:
    """A section's words; with the flow and the answers, the ones that fit them."""
    if flow is not None and answers is not None:
        name = next((s.label(answers) for s in flow.sections if s.name == name), name)
    return catalogue(lang).text(f"choice.summary_section.{name}")


def summary(flow: Flow, answers: Mapping[str, Any], lang: Language) -> list[Reply]:
    """One message per section, each with its "ubah" button, then one to confirm."""
    cat = catalogue(lang)
    replies: list[Reply] = []
    for number, (name, items) in enumerate(summary_sections(flow, answers, lang), start=1):
        lines = [cat.text(f"summary.header.{flow.name}"), ""] if number == 1 else []
        label = section_label(name, lang, flow, answers)
        lines.append(f"{number}. {label}")
        lines += [f"• {item.label}: {item.value}" for item in items]
        edit = Choice(
            choice_id(SUMMARY, EDIT_SECTION + name),
            cat.text("choice.summary.edit", section=label),
        )
        replies.append(Reply("\n".join(lines), (edit,), numbered=False))
    send = Choice(choice_id(SUMMARY, SEND), cat.text("choice.summary.send"))
    replies.append(Reply(cat.text("summary.footer"), (send,), numbered=False))
    return replies


def section_fields(label: str, items: list[SummaryItem], lang: Language) -> Reply:
    """Which answer of a section (`label`: its words) to change: its fields as numbered
    choices."""
    cat = catalogue(lang)
    choices = tuple(
        Choice(choice_id(SUMMARY, f"{EDIT_FIELD}{i}"), item.label) for i, item in enumerate(items)
    )
    text = cat.text("summary.which_field", section=label)
    return Reply(text, choices, expects="choice")

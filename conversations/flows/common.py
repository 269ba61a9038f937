"""Pieces several flows share: the consent question, choice sets, dates people read."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from conversations.catalogue import Language, catalogue
from conversations.effects import Consent
from conversations.flow import (
    Answers,
    ChoiceSet,
    FlowContext,
    ParseContext,
    Parsed,
    Reuse,
    Step,
)
from conversations.types import Incoming
from conversations.validators import mask_nik

CONSENT = ChoiceSet("consent", ("yes", "no"))
RELATIONSHIP = ChoiceSet(
    "relationship",
    (
        "kepala_keluarga",
        "istri_suami",
        "anak",
        "menantu",
        "cucu",
        "orang_tua",
        "mertua",
        "famili_lain",
        "lainnya",
    ),
)


def _consent(incoming: Incoming, ctx: ParseContext) -> Parsed:
    # The moment of consent is part of the proof the law asks for.
    return Parsed(incoming.text, extra={"consent_given_at": ctx.now.isoformat()})


def consent_step(purpose: str) -> Step:
    """UU 27/2022: explicit, plain-language consent for one purpose, before anything else."""
    return Step(
        "consent",
        "yes_no",
        prompt=f"ask.consent_{purpose}",
        choices=CONSENT,
        parse=_consent,
        stop_if=lambda value: "consent.refused" if value == "no" else None,
    )


def _short_name(name: str) -> str:
    """ "Budi Santoso" -> "Budi S.": enough to recognise one's own, little to read over a
    shoulder."""
    first, *rest = name.split()
    return " ".join([first, *(f"{word[0]}." for word in rest)])


def _masked_phone(phone: str) -> str:
    """ "+6281234567890" -> "+62812*****890"."""
    return phone[:6] + "*" * max(0, len(phone) - 9) + phone[-3:]


# The citizen's own NIK and name, as an earlier request of this chat has them.
OWN_IDENTITY = Reuse(
    ("own_nik", "own_name"),
    shown=lambda v: f"{mask_nik(v['own_nik'])} {_short_name(v['own_name'])}",
    typed=lambda v: f"{v['own_nik']} {v['own_name']}",
)
# The phone number given in an earlier request of this chat.
EARLIER_PHONE = Reuse(
    ("phone",), shown=lambda v: _masked_phone(v["phone"]), typed=lambda v: v["phone"]
)


def consent_of(answers: Answers, ctx: FlowContext) -> Consent:
    """The consent the finished flow is filed under (asked by `consent_step`)."""
    return Consent(ctx.config.consent_version, datetime.fromisoformat(answers["consent_given_at"]))


def answer_is(key: str, *values: str) -> Any:
    return lambda answers: answers.get(key) in values


def cutoff_date(today: date, cutoff_day: int) -> date:
    """The next DTSEN monthly cut-off on or after today."""
    if today.day <= cutoff_day:
        return today.replace(day=cutoff_day)
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return date(year, month, cutoff_day)


def long_date(day: date, language: Language) -> str:
    months = catalogue(language).text("calendar.months").split(",")
    return f"{day.day} {months[day.month - 1].strip()} {day.year}"


def local_time(moment: datetime, ctx: FlowContext) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(ctx.config.timezone))
    return f"{long_date(moment.date(), ctx.language)} {moment:%H:%M}"


def status_label(status: str, language: Language, words: Mapping[str, str] | None = None) -> str:
    """The region's words for a status when the service sent them, else the catalogue's."""
    if words and words.get(language):
        return words[language]
    cat = catalogue(language)
    key = f"status.{status}"
    return cat.text(key) if cat.has(key) else status


def kind_label(kind: str, language: Language) -> str:
    return catalogue(language).text(f"kind.{kind}")


def flags_from(answers: Answers, ctx: FlowContext, extra: list[str]) -> list[str]:
    return sorted({*ctx.flags, *extra})

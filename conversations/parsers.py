"""Parsers for flow steps: the validators, fitted to what a step receives and keeps.

Values are kept JSON-friendly (dates as ISO strings) because the state is stored as JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from conversations import tickets
from conversations.flow import ParseContext, Parsed, Parser
from conversations.types import Incoming
from conversations.validators import (
    Checked,
    Problem,
    check_kk,
    check_nik,
    mask_nik,
    nik_birth_date_mismatch,
    parse_date,
    parse_int,
    parse_name,
    parse_phone,
    parse_rt_rw,
)

T = TypeVar("T")


def _from_checked(checked: Checked[T], value: Any = None) -> Parsed:
    return Parsed(
        value=checked.value if value is None else value,
        errors=checked.errors,
        warnings=checked.warnings,
    )


def _text(incoming: Incoming) -> str:
    return (incoming.text or "").strip()


def nik(*, unique_among: Callable[[ParseContext], list[str]] | None = None) -> Parser:
    """A NIK; the birth date and sex it holds are kept next to it (`<key>_birth_date`...).

    `unique_among` lists NIKs already given in this request: one person, one entry.
    """

    def parse(incoming: Incoming, ctx: ParseContext) -> Parsed:
        checked = check_nik(_text(incoming), today=ctx.today, regions=ctx.regions)
        if not checked.ok or checked.value is None:
            return _from_checked(checked)
        info = checked.value
        if unique_among is not None and info.normalized in unique_among(ctx):
            return Parsed(errors=(Problem("nik_repeated", {"nik": mask_nik(info.normalized)}),))
        leaf = ctx.key.rsplit(".", 1)[-1]
        return Parsed(
            value=info.normalized,
            warnings=checked.warnings,
            extra={
                _sibling_key(ctx.key, f"{leaf}_birth_date"): info.birth_date.isoformat(),
                _sibling_key(ctx.key, f"{leaf}_sex"): info.sex,
            },
        )

    return parse


def kk(incoming: Incoming, ctx: ParseContext) -> Parsed:
    checked = check_kk(_text(incoming), today=ctx.today, regions=ctx.regions)
    return _from_checked(checked, checked.value.normalized if checked.value else None)


def name(incoming: Incoming, ctx: ParseContext) -> Parsed:
    return _from_checked(parse_name(_text(incoming)))


def free_text(minimum: int, maximum: int) -> Parser:
    def parse(incoming: Incoming, ctx: ParseContext) -> Parsed:
        text = " ".join(_text(incoming).split())
        if len(text) < minimum:
            return Parsed(errors=(Problem("text_short", {"minimum": minimum}),))
        if len(text) > maximum:
            return Parsed(errors=(Problem("text_long", {"maximum": maximum, "got": len(text)}),))
        return Parsed(text)

    return parse


def birth_date(*, nik_key: str = "nik") -> Parser:
    """A date of birth, which must agree with the one inside the NIK given before."""

    def parse(incoming: Incoming, ctx: ParseContext) -> Parsed:
        checked = parse_date(_text(incoming), today=ctx.today)
        if not checked.ok or checked.value is None:
            return _from_checked(checked)
        given = ctx.answers.get(nik_key)
        if given:
            info = check_nik(str(given), today=ctx.today, regions=ctx.regions).value
            mismatch = info and nik_birth_date_mismatch(info, checked.value)
            if mismatch:
                return Parsed(errors=(mismatch,))
        return Parsed(checked.value.isoformat())

    return parse


def rt_rw(incoming: Incoming, ctx: ParseContext) -> Parsed:
    return _from_checked(parse_rt_rw(_text(incoming)))


def phone(incoming: Incoming, ctx: ParseContext) -> Parsed:
    raw = incoming.contact_phone or _text(incoming)
    return _from_checked(parse_phone(raw))


def count(minimum: int, maximum: int) -> Parser:
    def parse(incoming: Incoming, ctx: ParseContext) -> Parsed:
        return _from_checked(parse_int(_text(incoming), minimum=minimum, maximum=maximum))

    return parse


def ticket(incoming: Incoming, ctx: ParseContext) -> Parsed:
    """A ticket code, or something close enough to look for among this chat's tickets:
    look-alikes (0 for O) and a missing U-/S- letter are sorted out by the check."""
    code = tickets.squeeze(_text(incoming))
    if tickets.worth_a_look(code):
        return Parsed(code)
    return Parsed(errors=(Problem("ticket_format"),))


def show_date(value: Any) -> str:
    return date.fromisoformat(str(value)).strftime("%d-%m-%Y")


def show_masked(value: Any) -> str:
    return mask_nik(str(value))


def _sibling_key(key: str, leaf: str) -> str:
    head, _, _ = key.rpartition(".")
    return f"{head}.{leaf}" if head else leaf

"""Parsers for flow steps: the validators, fitted to what a step receives and keeps.

Values are kept JSON-friendly (dates as ISO strings) because the state is stored as JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from conversations import tickets
from conversations.flow import ParseContext, Parsed, Parser
from conversations.types import Incoming
from conversations.validators import (
    Checked,
    Problem,
    Term,
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


def nik(
    *,
    unique_among: Callable[[ParseContext], list[str]] | None = None,
    name_key: str | None = None,
) -> Parser:
    """A NIK; the birth date and sex it holds are kept next to it (`<key>_birth_date`...).

    `unique_among` lists NIKs already given in this request: one person, one entry.
    With `name_key`, a name typed after the NIK ("3204... Budi Santoso", as the KTP has
    them one under the other) is kept as that answer; a wrong one is said and asked after.
    """

    def parse(incoming: Incoming, ctx: ParseContext) -> Parsed:
        number, name_typed = nik_and_name(_text(incoming)) if name_key else (None, None)
        named = parse_name(name_typed) if number and name_typed else None
        said = number if named is not None else _text(incoming)
        checked = check_nik(said or "", today=ctx.today, regions=ctx.regions)
        if name_key is not None and named is not None and named.ok and not checked.ok:
            # The name is right, the NIK is not: the name is kept, the NIK asked alone.
            return _incomplete(
                (_NAME, _NIK),
                {_NAME.key: named.value},
                _in_part(_NIK.label, checked.errors),
                (_NIK,),
            )
        if not checked.ok or checked.value is None:
            return _from_checked(checked)
        info = checked.value
        if unique_among is not None and info.normalized in unique_among(ctx):
            return Parsed(errors=(Problem("nik_repeated", {"nik": mask_nik(info.normalized)}),))
        leaf = ctx.key.rsplit(".", 1)[-1]
        extra: dict[str, Any] = {
            _sibling_key(ctx.key, f"{leaf}_birth_date"): info.birth_date.isoformat(),
            _sibling_key(ctx.key, f"{leaf}_sex"): info.sex,
        }
        notes: tuple[Problem, ...] = ()
        if named is not None and name_key is not None:
            if named.ok:
                extra[_sibling_key(ctx.key, name_key)] = named.value
            else:
                notes = _in_part(_NAME.label, named.errors)
        elif name_key is not None and ctx.partial.get(_NAME.key):
            extra[_sibling_key(ctx.key, name_key)] = ctx.partial[_NAME.key]  # kept before
        return Parsed(value=info.normalized, warnings=checked.warnings, extra=extra, notes=notes)

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


# --- answers asked together, the way the KTP writes them --------------------------------------


def _in_part(part: str, problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
    """Problems of one part of a grouped answer, headed by the part's name."""
    return (Problem("in_part", {"part": Term(part)}), *problems) if problems else ()


def _part(incoming: Incoming, text: str) -> Incoming:
    """One part of a grouped answer, as if it had been typed alone."""
    return Incoming(now=incoming.now, text=text)


@dataclass(frozen=True)
class _Part:
    """One part of a grouped answer: its answer key, its name, and what asks for it."""

    key: str
    label: str  # catalogue key of its name ("summary.birth_date")
    alone: str  # problem code asking for this part alone, the others being kept
    missing: str  # problem code when it is left out and nothing else was right
    show: Callable[[Any], str] = str


_BIRTH_PLACE = _Part(
    "birth_place", "summary.birth_place", "birth_place_only", "birth_place_missing"
)
_BIRTH_DATE = _Part(
    "birth_date", "summary.birth_date", "birth_date_only", "birth_date_missing", show_date
)
_RT = _Part("rt", "summary.rt", "rt_only", "rt_rw_pair")
_RW = _Part("rw", "summary.rw", "rw_only", "rt_rw_pair")
_NAME = _Part("name", "summary.name", "text_expected", "text_expected")  # asked on its own next
_NIK = _Part("nik", "summary.nik", "nik_only", "text_expected")


def _grouped(
    parts: tuple[_Part, ...], typed: Mapping[str, Parsed | None], kept: Mapping[str, Any]
) -> dict[str, Any] | Parsed:
    """The parts of a grouped answer, each checked as if typed alone (None: not typed),
    completed by the parts `kept` from an earlier try: every value when all are right,
    otherwise the answer to give (`_incomplete`, or every problem when nothing was right)."""
    values: dict[str, Any] = {}
    errors: tuple[Problem, ...] = ()
    still: list[_Part] = []
    for part in parts:
        checked = typed.get(part.key)
        if checked is not None and checked.ok:
            values[part.key] = checked.value
            continue
        if checked is not None:
            errors += _in_part(part.label, checked.errors)
        elif part.key in kept:
            values[part.key] = kept[part.key]
            continue
        still.append(part)
    if not still:
        return values
    if not values:
        left_out = {p.missing for p in still if typed.get(p.key) is None}
        return Parsed(errors=errors + tuple(Problem(code) for code in sorted(left_out)))
    return _incomplete(parts, values, errors, tuple(still))


def _incomplete(
    parts: tuple[_Part, ...],
    values: Mapping[str, Any],
    errors: tuple[Problem, ...],
    still: tuple[_Part, ...],
) -> Parsed:
    """Part of a grouped answer is right: it is kept (and said), each wrong part is
    explained, and only the rest is asked for, in one message."""
    kept = tuple(
        Problem("part_kept", {"part": Term(p.label), "value": p.show(values[p.key])})
        for p in parts
        if p.key in values
    )
    asked = tuple(Problem(p.alone) for p in still)
    return Parsed(errors=kept + errors + asked, partial=dict(values))


def birth(*, nik_key: str = "nik") -> Parser:
    """ "Tempat/Tgl Lahir: Bandung, 17-08-1985": place and date, each checked on its own.
    One of them alone is kept, and only the other is asked for."""
    place_of, date_of = free_text(2, 60), birth_date(nik_key=nik_key)

    def parse(incoming: Incoming, ctx: ParseContext) -> Parsed:
        text = " ".join(_text(incoming).split())
        place, when = _place_and_date(text)
        typed = {
            _BIRTH_PLACE.key: place_of(_part(incoming, place), ctx) if place else None,
            _BIRTH_DATE.key: date_of(_part(incoming, when), ctx) if when else None,
        }
        values = _grouped((_BIRTH_PLACE, _BIRTH_DATE), typed, ctx.partial)
        if isinstance(values, Parsed):
            return values
        shown = f"{values['birth_place']}, {show_date(values['birth_date'])}"
        return Parsed(shown, extra=values)

    return parse


def _place_and_date(text: str) -> tuple[str, str]:
    """ "Bandung, 17-08-1985" or "Bandung 17 Agustus 1985" -> ("Bandung", "17-08-1985")."""
    head, comma, tail = text.rpartition(",")
    if comma and re.search(r"\d", tail) and not re.search(r"\d", head):
        return head.strip(" ,"), tail.strip()
    first_digit = re.search(r"\d", text)
    if first_digit is None:
        return text.strip(" ,"), ""
    return text[: first_digit.start()].strip(" ,/"), text[first_digit.start() :].strip()


def rt_and_rw(incoming: Incoming, ctx: ParseContext) -> Parsed:
    """ "RT/RW: 003/007", "3/7", "rt 3 rw 7": two numbers, each checked on its own.
    One number alone is the RT (the RW when it says "rw", or when the RT is already kept),
    kept while only the other is asked for."""
    text = _text(incoming)
    numbers = re.findall(r"\d+", text)
    if len(numbers) == 2:
        said = dict(zip((_RT.key, _RW.key), numbers, strict=True))
    elif len(numbers) == 1:
        said = {_lone_number(text, ctx.partial): numbers[0]}
    else:
        return Parsed(errors=(Problem("rt_rw_pair"),))
    typed = {key: _from_checked(parse_rt_rw(number)) for key, number in said.items()}
    values = _grouped((_RT, _RW), typed, ctx.partial)
    if isinstance(values, Parsed):
        return values
    return Parsed(f"{values['rt']}/{values['rw']}", extra=values)


def _lone_number(text: str, kept: Mapping[str, Any]) -> str:
    """Which of RT and RW one number typed alone is: the RW when it is written after "RW"
    or after the slash ("abc/5"), or when the RT is already kept; the RT otherwise."""
    named_rw = re.search(r"\brw\b", text, re.IGNORECASE) and not re.search(r"\brt\b", text, re.I)
    after_slash = re.search(r"/\D*\d", text)
    if named_rw or after_slash or (_RT.key in kept and _RW.key not in kept):
        return _RW.key
    return _RT.key


_DUSUN = re.compile(
    r"\b(?:dusun|dsn|dukuh|lingkungan|lingk|kampung|kp)\b\.?\s*([^,;]+)", re.IGNORECASE
)
_RT_RW_IN_ADDRESS = re.compile(
    r"\brt\b\.?\s*(\d{1,3})\s*(?:/|\brw\b\.?|\s)\s*(?:rw\b\.?\s*)?(\d{1,3})", re.IGNORECASE
)


def address(incoming: Incoming, ctx: ParseContext) -> Parsed:
    """The KTP's "Alamat" line, kept whole; a dusun and an RT/RW written in it become those
    answers (so they are not asked again) and the rest is the street."""
    parsed = free_text(3, 200)(incoming, ctx)
    if not parsed.ok:
        return parsed
    text = str(parsed.value)
    street = text
    extra: dict[str, Any] = {"dusun": None}
    numbers = _RT_RW_IN_ADDRESS.search(street)
    if numbers:
        pair = rt_and_rw(_part(incoming, f"{numbers.group(1)}/{numbers.group(2)}"), ctx)
        if pair.ok:
            extra.update({"rt_rw": pair.value, **pair.extra})
            street = street[: numbers.start()] + street[numbers.end() :]
    dusun = _DUSUN.search(street)
    if dusun:
        extra["dusun"] = " ".join(dusun.group(1).split()).strip(" .")
        street = street[: dusun.start()] + street[dusun.end() :]
    extra["street"] = " ".join(re.sub(r"\s*,(\s*,)+", ",", street).split()).strip(" ,;") or text
    return Parsed(text, extra=extra)


_NIK_FIRST = re.compile(r"^\s*(?:\d+[\s.\-]*)+")
# "1. Sri Wahyuni", "2) ...", "- Sri": a list mark, not the start of a NIK.
_LIST_MARK = re.compile(r"^\s*(?:[-•*]|\d{1,2}[.)])\s+")


def nik_and_name(line: str) -> tuple[str | None, str | None]:
    """ "3204 0557 0885 0002 Sri Wahyuni" -> (the digits as typed, "Sri Wahyuni").

    A line whose words after the number still hold digits is one mistyped NIK ("32O4..."),
    kept whole so that the NIK check can say what is wrong with it.
    """
    text = " ".join(_LIST_MARK.sub("", line, count=1).split())
    number = _NIK_FIRST.match(text)
    if number is None:
        return None, text or None
    rest = text[number.end() :].strip(" ,;:-")
    if re.search(r"\d", rest):
        return text, None
    return number.group(0).strip(" .-") or None, rest or None

"""Parsers for flow steps: the validators, fitted to what a step receives and keeps.

Values are kept JSON-friendly (dates as ISO strings) because the state is stored as JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
                notes = _in_part("summary.name", named.errors)
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


def birth(*, nik_key: str = "nik") -> Parser:
    """ "Tempat/Tgl Lahir: Bandung, 17-08-1985": place and date, each checked on its own."""
    place_of, date_of = free_text(2, 60), birth_date(nik_key=nik_key)

    def parse(incoming: Incoming, ctx: ParseContext) -> Parsed:
        text = " ".join(_text(incoming).split())
        place, when = _place_and_date(text)
        errors: tuple[Problem, ...] = ()
        if not place:
            errors += (Problem("birth_place_missing"),)
        if not when:
            errors += (Problem("birth_date_missing"),)
        if errors:
            return Parsed(errors=errors)
        placed = place_of(_part(incoming, place), ctx)
        dated = date_of(_part(incoming, when), ctx)
        errors = _in_part("summary.birth_place", placed.errors)
        errors += _in_part("summary.birth_date", dated.errors)
        if errors:
            return Parsed(errors=errors)
        shown = f"{placed.value}, {show_date(dated.value)}"
        return Parsed(shown, extra={"birth_place": placed.value, "birth_date": dated.value})

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
    """ "RT/RW: 003/007", "3/7", "rt 3 rw 7": two numbers, each checked on its own."""
    numbers = re.findall(r"\d+", _text(incoming))
    if len(numbers) != 2:
        return Parsed(errors=(Problem("rt_rw_pair"),))
    rt, rw = (parse_rt_rw(n) for n in numbers)
    errors = _in_part("summary.rt", rt.errors) + _in_part("summary.rw", rw.errors)
    if errors or rt.value is None or rw.value is None:
        return Parsed(errors=errors)
    return Parsed(f"{rt.value}/{rw.value}", extra={"rt": rt.value, "rw": rw.value})


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

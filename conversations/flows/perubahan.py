"""Laporan perubahan: a household in DTSEN reports a change in itself.

The four changes Permensos 3/2021 and the SOPs name besides additions (seed 002, the
Asahan article: "penghentian/penonaktifan data dan perbaikan atau update data"; seed 000
IV: "penambahan, perbaikan, atau penghapusan data"; seed 003 item 4: "meninggal, pindah
atau sudah mampu"): a member died, someone moved, part of the family split off into a
new KK, or the family asks to leave the register (graduasi). The reporter speaks for
their own household (its KK and address); the member concerned is named apart.

Nothing here tells the citizen the register has changed: a village that accepts the
report forwards it (staff/kind_words.py, the notices), and only the Minister's monthly
decision changes DTSEN (002 Pasal 12).
"""

from __future__ import annotations

import re
from typing import Any

from conversations import parsers
from conversations.catalogue import catalogue
from conversations.effects import AttachmentRef, Filed, FileRequest, Submission
from conversations.flow import (
    Answers,
    ChoiceSet,
    Closing,
    Flow,
    FlowContext,
    ParseContext,
    Parsed,
    Parser,
    Section,
    Step,
    ending,
    positions,
)
from conversations.flows.common import (
    OWN_IDENTITY,
    answer_is,
    consent_of,
    consent_step,
    flags_from,
)
from conversations.kinds import request_kind
from conversations.parsers import show_date
from conversations.tickets import format_ticket
from conversations.types import Incoming
from conversations.validators import Problem, check_nik, mask_nik, parse_date, parse_name

CHANGE = ChoiceSet("change", request_kind("perubahan").subtypes)
# A move: the whole household, or one member (then named like a death).
MOVED_WHO = ChoiceSet("moved_who", ("household", "member"))
LEAVE_REASON = ChoiceSet("leave_reason", ("sudah_mampu", "tidak_perlu", "lainnya"))
LEAVE_CONFIRM = ChoiceSet("leave_confirm", ("yes", "no"))
# More people than this moving to one new KK: a mistake, or a list for the village office.
MAX_SPLIT_MEMBERS = 15
# Staff read it: a death reported with a witness instead of the surat kematian.
NO_DEATH_LETTER = "death_letter_missing"


def _is(change: str) -> Any:
    return answer_is("change", change)


def _member_moved(answers: Answers) -> bool:
    return answers.get("change") == "move" and answers.get("moved_who") == "member"


def _about_a_member(answers: Answers) -> bool:
    return answers.get("change") == "death" or _member_moved(answers)


def _without_letter(answers: Answers) -> bool:
    return answers.get("change") == "death" and not answers.get("death_letter")


def _leave_detail_required(answers: Answers) -> bool:
    return answers.get("change") == "graduation" and answers.get("leave_reason") == "lainnya"


def _day(incoming: Incoming, ctx: ParseContext) -> Parsed:
    """A day that has passed: "12-10-2026", "12 Oktober 2026" (stored ISO), and not before
    the member was born (the birth date in their NIK, when it was given)."""
    checked = parse_date(incoming.text or "", today=ctx.today)
    if not checked.ok or checked.value is None:
        return Parsed(errors=checked.errors)
    day = checked.value.isoformat()
    born = ctx.answers.get("member_nik_birth_date")
    if _about_a_member(ctx.answers) and born and day < str(born):
        return Parsed(errors=(Problem("change_before_birth", {"date": show_date(born)}),))
    return Parsed(day)


def _new_kk(incoming: Incoming, ctx: ParseContext) -> Parsed:
    """The new KK, checked like the usulan's; it cannot be the household's own number."""
    parsed = parsers.kk(incoming, ctx)
    if parsed.ok and parsed.value == ctx.answers.get("kk"):
        return Parsed(errors=(Problem("change_new_kk_same"),))
    return parsed


def _reporter_nik() -> Parser:
    """The reporter's NIK (and name, typed on the same line): not the member reported."""
    checked = parsers.nik(name_key="reporter_name")

    def parse(incoming: Incoming, ctx: ParseContext) -> Parsed:
        parsed = checked(incoming, ctx)
        if parsed.ok and parsed.value and parsed.value == ctx.answers.get("member_nik"):
            return Parsed(errors=(Problem("change_reporter_is_member"),))
        return parsed

    return parse


def _split_members(incoming: Incoming, ctx: ParseContext) -> Parsed:
    """Who moved to the new KK, one per line: "NIK name" or the name alone. Each NIK is
    checked like a member's (its region and date); the list is kept as typed lines."""
    lines = [line for line in re.split(r"[\n;]+", incoming.text or "") if line.strip()]
    if not lines:
        return Parsed(errors=(Problem("text_expected"),))
    if len(lines) > MAX_SPLIT_MEMBERS:
        return Parsed(errors=(Problem("members_too_many", {"maximum": MAX_SPLIT_MEMBERS}),))
    kept: list[str] = []
    problems: list[Problem] = []
    seen: list[str] = []
    for i, line in enumerate(lines):
        nik_text, name_text = parsers.nik_and_name(line)
        said: list[Problem] = []
        name = parse_name(name_text or "")
        if not name.ok:
            said += name.errors
        nik = None
        if nik_text:
            checked = check_nik(nik_text, today=ctx.today, regions=ctx.regions)
            if not checked.ok or checked.value is None:
                said += checked.errors
            elif checked.value.normalized in seen:
                said.append(
                    Problem("change_nik_twice", {"nik": mask_nik(checked.value.normalized)})
                )
            else:
                nik = checked.value.normalized
                seen.append(nik)
        if said:
            problems += [Problem("member_line", {"n": i + 1}), *said]
        else:
            kept.append(f"{nik} {name.value}" if nik else str(name.value))
    if problems:
        return Parsed(errors=tuple(problems))
    return Parsed(kept)


def _show_split(value: Any) -> str:
    """The people as the citizen reads them back: NIKs masked."""
    shown = []
    for line in value or ():
        nik, name = parsers.nik_and_name(str(line))
        shown.append(f"{name} ({mask_nik(nik)})" if nik and name else str(line))
    return ", ".join(shown)


def _member_step(prompt: str, when: Any) -> Step:
    return Step(
        "member_name",
        "text",
        prompt=prompt,
        parse=parsers.name,
        when=when,
        summary="summary.change_member_name",
    )


NODES = (
    consent_step("perubahan"),
    Step("change", "choice", choices=CHANGE, summary="summary.change"),
    # The household as DTSEN knows it: its KK, village and address (the queue's filters).
    Step(
        "kk",
        "text",
        prompt="ask.change_kk",
        parse=parsers.kk,
        summary="summary.kk",
        display=parsers.show_masked,
    ),
    Step("village", "village", prompt="ask.change_village", summary="summary.village"),
    Step(
        "dusun",
        "text",
        prompt="ask.change_dusun",
        parse=parsers.free_text(1, 60),
        optional=True,
        summary="summary.dusun",
    ),
    Step(
        "rt_rw",
        "text",
        prompt="ask.change_rt_rw",
        parse=parsers.rt_and_rw,
        optional=True,
        summary="summary.rt_rw",
    ),
    Step("moved_who", "choice", choices=MOVED_WHO, when=_is("move"), summary="summary.moved_who"),
    # The member concerned: who died, or who moved.
    _member_step("ask.death_member_name", _is("death")),
    _member_step("ask.moved_member_name", _member_moved),
    Step(
        "member_nik",
        "text",
        prompt="ask.change_member_nik",
        parse=parsers.nik(),
        optional=True,
        when=_about_a_member,
        summary="summary.change_member_nik",
        display=parsers.show_masked,
    ),
    # A death: when, and the surat kematian, or a witness when there is no letter yet.
    Step(
        "death_date",
        "text",
        parse=_day,
        when=_is("death"),
        summary="summary.death_date",
        display=parsers.show_date,
    ),
    Step(
        "death_letter",
        "photo",
        optional=True,
        when=_is("death"),
        summary="summary.death_letter",
    ),
    Step(
        "witness_name",
        "text",
        parse=parsers.name,
        when=_without_letter,
        summary="summary.witness_name",
    ),
    Step(
        "witness_phone",
        "text",
        parse=parsers.phone,
        when=_without_letter,
        summary="summary.witness_phone",
    ),
    # A move: where to (a village anywhere, chosen like the usulan's), and when.
    Step(
        "destination",
        "village",
        prompt="ask.move_destination",
        optional=True,
        when=_is("move"),
        summary="summary.destination",
    ),
    Step(
        "move_date",
        "text",
        parse=_day,
        optional=True,
        when=_is("move"),
        summary="summary.move_date",
        display=parsers.show_date,
    ),
    # A KK split: the new KK and who is on it.
    Step(
        "new_kk",
        "text",
        parse=_new_kk,
        when=_is("kk_split"),
        summary="summary.new_kk",
        display=parsers.show_masked,
    ),
    Step(
        "split_members",
        "text",
        parse=_split_members,
        when=_is("kk_split"),
        summary="summary.split_members",
        display=_show_split,
    ),
    # Leaving the register: why, and a yes after reading what it means.
    Step(
        "leave_reason",
        "choice",
        choices=LEAVE_REASON,
        when=_is("graduation"),
        summary="summary.leave_reason",
    ),
    Step(
        "leave_detail",
        "text",
        prompt="ask.leave_detail_required",
        parse=parsers.free_text(5, 500),
        when=_leave_detail_required,
        summary="summary.leave_detail",
    ),
    Step(
        "leave_detail",
        "text",
        parse=parsers.free_text(5, 500),
        optional=True,
        when=lambda a: a.get("change") == "graduation" and a.get("leave_reason") != "lainnya",
        summary="summary.leave_detail",
    ),
    Step(
        "leave_confirm",
        "yes_no",
        choices=LEAVE_CONFIRM,
        when=_is("graduation"),
        stop_if=lambda value: "perubahan.leave_kept" if value == "no" else None,
    ),
    # Who reports: one of the household, offered again to a chat that filed before.
    Step(
        "reporter_nik",
        "text",
        parse=_reporter_nik(),
        reuse=OWN_IDENTITY,
        summary="summary.reporter_nik",
        display=parsers.show_masked,
    ),
    Step("reporter_name", "text", parse=parsers.name, summary="summary.reporter_name"),
)


def _flags(answers: Answers, ctx: FlowContext) -> list[str]:
    extra = []
    if _without_letter(answers):
        extra.append(NO_DEATH_LETTER)
    if _about_a_member(answers) and not answers.get("member_nik"):
        extra.append("member_nik_missing")
    return flags_from(answers, ctx, extra)


def _filed_answers(answers: Answers) -> dict[str, Any]:
    """The answers that belong to the change reported: one changed from the summary (a
    death made a move) leaves the death's answers behind, and they are not filed."""
    asked = {p.key for p in positions(FLOW, answers)} | {"consent_given_at"}
    return {k: v for k, v in answers.items() if k in asked or _derived_of(k, asked)}


def _derived_of(key: str, asked: set[str]) -> bool:
    """A value the chat worked out from an answer kept: a village's label, a NIK's birth
    date and sex, the RT and RW of an "RT/RW" answer."""
    if key in ("rt", "rw"):
        return "rt_rw" in asked
    for suffix in ("_label", "_birth_date", "_sex"):
        if key.endswith(suffix) and key.removesuffix(suffix) in asked:
            return True
    return False


def submit(answers: Answers, ctx: FlowContext) -> FileRequest:
    letter = answers.get("death_letter") if answers.get("change") == "death" else None
    about_member = _about_a_member(answers)
    return FileRequest(
        Submission(
            kind="perubahan",
            subtype=answers["change"],
            village_code=answers["village"],
            nik=answers["reporter_nik"],
            name=answers["reporter_name"],
            kk=answers["kk"],
            subject_nik=answers.get("member_nik") if about_member else None,
            subject_name=answers.get("member_name") if about_member else None,
            answers=_filed_answers(answers),
            flags=tuple(_flags(answers, ctx)),
            attachments=(AttachmentRef(letter["ref"], "evidence"),) if letter else (),
            consent=consent_of(answers, ctx),
            language=ctx.language,
        )
    )


def close(answers: Answers, result: Filed | None, ctx: FlowContext) -> Closing:
    if result is None:
        raise AssertionError("a laporan perubahan is always filed")
    cat = catalogue(ctx.language)
    return Closing((cat.text("done.perubahan", ticket=format_ticket(result.ticket)),))


SECTIONS = (
    Section("perubahan", ("change", "moved_who", "member_name", "member_nik")),
    Section(
        "rincian",
        (
            "death_date",
            "death_letter",
            "witness_name",
            "witness_phone",
            "destination",
            "move_date",
            "new_kk",
            "split_members",
            "leave_reason",
            "leave_detail",
        ),
    ),
    Section(
        "keluarga_pelapor", ("kk", "village", "dusun", "rt_rw", "reporter_nik", "reporter_name")
    ),
)

FLOW = Flow("perubahan", NODES, finish=ending(submit, close), sections=SECTIONS)

"""Sanggahan: an objection to the register (a recipient, one's family, one's exclusion).

The objector's identity is kept for staff only; nothing here is ever shown to the person
objected to.
"""

from __future__ import annotations

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
    HandOver,
    Section,
    Step,
    ending,
)
from conversations.flows.common import (
    OWN_IDENTITY,
    answer_is,
    consent_of,
    consent_step,
    flags_from,
)
from conversations.kinds import request_kind
from conversations.tickets import format_ticket

OBJECTION = ChoiceSet("objection", request_kind("sanggahan").subtypes)
# An objection about one's own household: the "person objected to" is the citizen's family.
OWN_HOUSEHOLD = "excluded_or_wrong_data"
REASONS = {
    "recipient_not_eligible": ChoiceSet(
        "reason_recipient",
        ("sudah_mampu", "meninggal", "pindah", "data_ganda", "tidak_dikenal", "lainnya"),
    ),
    "wrong_family_member": ChoiceSet(
        "reason_family", ("pindah", "meninggal", "bukan_anggota", "data_ganda", "lainnya")
    ),
    "excluded_or_wrong_data": ChoiceSet(
        "reason_excluded", ("tidak_terdaftar", "data_salah", "lainnya")
    ),
}


# What the objected recipient receives (staff check it against the programme's list).
SUBJECT_PROGRAMMES = ChoiceSet(
    "subject_programmes",
    ("pkh", "bpnt", "pbi_jkn", "lainnya", "belum_tahu"),
    exclusive="belum_tahu",
)
# The evidence that fits a reason, asked in its own words (always optional): the reason's
# document, or a photo of the house where the reason is about how the household lives.
EVIDENCE_FOR_REASON = {
    "meninggal": "ask.evidence_photo_death",
    "pindah": "ask.evidence_photo_moved",
    "sudah_mampu": "ask.evidence_photo_house",
    "tidak_dikenal": "ask.evidence_photo_address",
    "bukan_anggota": "ask.evidence_photo_kk",
    "data_ganda": "ask.evidence_photo_double",
}


def not_own_household(answers: Answers) -> bool:
    return answers.get("objection") != OWN_HOUSEHOLD


def _rt_rw(answers: Answers) -> dict[str, Any]:
    rt, rw = answers.get("subject_rt"), answers.get("subject_rw")
    return {"rt_rw": f"{rt}/{rw}", "rt": rt, "rw": rw} if rt and rw else {}


def carried_household(answers: Answers) -> dict[str, Any]:
    """Own household typed in a sanggahan, as the usulan and perbaikan flows keep them:
    the village, the person's name and NIK (with what the NIK says), the RT/RW."""
    nik = answers.get("subject_nik")
    return {
        "village": answers.get("village"),
        "village_label": answers.get("village_label"),
        "name": answers.get("subject_name"),
        "nik": nik,
        "nik_birth_date": answers.get("subject_nik_birth_date") if nik else None,
        "nik_sex": answers.get("subject_nik_sex") if nik else None,
        **_rt_rw(answers),
    }


# One's own household not registered is an usulan; its data wrong, a perbaikan: each goes
# on in its own flow, keeping what was typed.
OWN_HOUSEHOLD_HANDOVERS = (
    HandOver("tidak_terdaftar", "usulan", carried_household, "handover.to_usulan"),
    HandOver("data_salah", "perbaikan", carried_household, "handover.to_perbaikan"),
)


NODES = (
    consent_step("sanggahan"),
    Step("objection", "choice", choices=OBJECTION, summary="summary.objection"),
    Step(
        "village",
        "village",
        prompt="ask.objection_village",
        when=not_own_household,
        summary="summary.village",
    ),
    Step(
        "village",
        "village",
        prompt="ask.objection_village_own",
        when=answer_is("objection", OWN_HOUSEHOLD),
        summary="summary.village",
    ),
    Step(
        "subject_name",
        "text",
        parse=parsers.name,
        when=not_own_household,
        summary="summary.subject_name",
    ),
    Step(
        "subject_name",
        "text",
        prompt="ask.subject_name_own",
        parse=parsers.name,
        when=answer_is("objection", OWN_HOUSEHOLD),
        summary="summary.subject_name",
    ),
    Step(
        "subject_nik",
        "text",
        parse=parsers.nik(),
        optional=True,
        summary="summary.subject_nik",
        display=parsers.show_masked,
    ),
    Step(
        "subject_dusun",
        "text",
        parse=parsers.free_text(1, 60),
        optional=True,
        summary="summary.dusun",
    ),
    Step("subject_rt", "text", parse=parsers.rt_rw, optional=True, summary="summary.rt"),
    Step("subject_rw", "text", parse=parsers.rt_rw, optional=True, summary="summary.rw"),
    Step(
        "subject_programmes",
        "multi_choice",
        choices=SUBJECT_PROGRAMMES,
        when=answer_is("objection", "recipient_not_eligible"),
        summary="summary.subject_programmes",
    ),
    *(
        Step(
            "reason",
            "choice",
            choices=choices,
            when=answer_is("objection", objection),
            summary="summary.reason",
            hands_over=OWN_HOUSEHOLD_HANDOVERS if objection == OWN_HOUSEHOLD else (),
        )
        for objection, choices in REASONS.items()
    ),
    Step(
        "reason_detail",
        "text",
        prompt="ask.reason_detail_required",
        parse=parsers.free_text(5, 500),
        when=answer_is("reason", "lainnya"),
        summary="summary.reason_detail",
    ),
    Step(
        "reason_detail",
        "text",
        parse=parsers.free_text(5, 500),
        optional=True,
        when=lambda a: a.get("reason") != "lainnya",
        summary="summary.reason_detail",
    ),
    *(
        Step(
            "evidence_photo",
            "photo",
            prompt=prompt,
            optional=True,
            when=answer_is("reason", reason),
            summary="summary.evidence_photo",
        )
        for reason, prompt in EVIDENCE_FOR_REASON.items()
    ),
    Step(
        "evidence_photo",
        "photo",
        optional=True,
        when=lambda a: a.get("reason") not in EVIDENCE_FOR_REASON,
        summary="summary.evidence_photo",
    ),
    Step("evidence_location", "location", optional=True, summary="summary.location"),
    Step(
        "objector_nik",
        "text",
        # "NIK name" in one line is taken too (the name is then not asked).
        parse=parsers.nik(name_key="objector_name"),
        reuse=OWN_IDENTITY,
        summary="summary.objector_nik",
        display=parsers.show_masked,
    ),
    Step("objector_name", "text", parse=parsers.name, summary="summary.objector_name"),
)


def submit(answers: Answers, ctx: FlowContext) -> FileRequest:
    extra = [] if answers.get("evidence_photo") else ["evidence_photo_missing"]
    evidence = answers.get("evidence_photo")
    return FileRequest(
        Submission(
            kind="sanggahan",
            subtype=answers["objection"],
            village_code=answers["village"],
            nik=answers["objector_nik"],
            name=answers["objector_name"],
            subject_nik=answers.get("subject_nik"),
            subject_name=answers["subject_name"],
            answers=dict(answers),
            flags=tuple(flags_from(answers, ctx, extra)),
            attachments=(AttachmentRef(evidence["ref"], "evidence"),) if evidence else (),
            consent=consent_of(answers, ctx),
            language=ctx.language,
        )
    )


def close(answers: Answers, result: Filed | None, ctx: FlowContext) -> Closing:
    if result is None:
        raise AssertionError("a sanggahan is always filed")
    cat = catalogue(ctx.language)
    return Closing((cat.text("done.sanggahan", ticket=format_ticket(result.ticket)),))


SECTIONS = (
    Section(
        "disanggah",
        (
            "objection",
            "village",
            "subject_name",
            "subject_nik",
            "subject_dusun",
            "subject_rt",
            "subject_rw",
            "subject_programmes",
        ),
    ),
    Section("alasan", ("reason", "reason_detail", "evidence_photo", "evidence_location")),
    Section("pelapor", ("objector_nik", "objector_name")),
)

FLOW = Flow("sanggahan", NODES, finish=ending(submit, close), sections=SECTIONS)

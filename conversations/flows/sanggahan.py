"""Sanggahan: an objection to the register (a recipient, one's family, one's exclusion).

The objector's identity is kept for staff only; nothing here is ever shown to the person
objected to.
"""

from __future__ import annotations

from conversations import parsers
from conversations.catalogue import catalogue
from conversations.effects import AttachmentRef, Filed, FileRequest, Submission
from conversations.flow import (
    Answers,
    ChoiceSet,
    Closing,
    Flow,
    FlowContext,
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


def not_own_household(answers: Answers) -> bool:
    return answers.get("objection") != OWN_HOUSEHOLD


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
    *(
        Step(
            "reason",
            "choice",
            choices=choices,
            when=answer_is("objection", objection),
            summary="summary.reason",
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
    Step("evidence_photo", "photo", optional=True, summary="summary.evidence_photo"),
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
        ),
    ),
    Section("alasan", ("reason", "reason_detail", "evidence_photo", "evidence_location")),
    Section("pelapor", ("objector_nik", "objector_name")),
)

FLOW = Flow("sanggahan", NODES, finish=ending(submit, close), sections=SECTIONS)

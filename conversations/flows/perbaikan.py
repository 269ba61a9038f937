"""Perbaikan data: a household already in DTSEN corrects its own data.

Permensos 3/2021 and Bungo's SOP (seed 000, IV: "penambahan, perbaikan, atau penghapusan
data") know corrections beside additions. The citizen says whose data is wrong (their own,
or a member's of the same KK), types the data as their KTP and KK show it (the same
questions and checks as an usulan: NIK, name, KK, village, address), picks which fields
DTSEN has wrong, gives the right value for each field not already typed, and sends a photo
of the document that shows it. What DTSEN says now is asked, skippable: the citizen may not
know. The correction is decided by the musyawarah and goes on like an usulan; it is in
DTSEN only after the Minister's penetapan (Pasal 12), and the notices say so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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
    Section,
    Step,
    ending,
)
from conversations.flows.common import (
    EARLIER_PHONE,
    OWN_IDENTITY,
    consent_of,
    consent_step,
    flags_from,
)
from conversations.flows.usulan import (
    FLOOR,
    FUEL,
    LIGHTING,
    MARITAL,
    OCCUPATION,
    ROOF,
    TOILET,
    WALL,
    WATER,
)
from conversations.kinds import request_kind
from conversations.tickets import format_ticket
from conversations.types import Incoming
from conversations.validators import Problem, check_nik, mask_nik, nik_sex_mismatch, parse_name
from conversations.words import canonical

FOR_WHOM = ChoiceSet("perbaikan_for", request_kind("perbaikan").subtypes)
MEMBER = "family_member"
# The fields of a DTSEN/BNBA entry a citizen can say are wrong, in the order of the BNBA.
FIELDS = ChoiceSet(
    "perbaikan_fields",
    (
        "nama",
        "nik",
        "kk",
        "lahir",
        "jenis_kelamin",
        "ibu_kandung",
        "perkawinan",
        "pekerjaan",
        "alamat",
        "anggota_keluarga",
        "kondisi_rumah",
        "lainnya",
    ),
)
SEX = ChoiceSet("member_sex", ("L", "P"))
HOUSE_PARTS = ChoiceSet(
    "house_parts", ("floor", "wall", "roof", "water", "lighting", "fuel", "toilet")
)
_HOUSE_CHOICES = {
    "floor": FLOOR,
    "wall": WALL,
    "roof": ROOF,
    "water": WATER,
    "lighting": LIGHTING,
    "fuel": FUEL,
    "toilet": TOILET,
}
# The fields whose right value is what the citizen typed about the person and household
# (as the KTP and KK show them): no second question for them.
TYPED_ALREADY = {
    "nama": ("name",),
    "nik": ("nik",),
    "kk": ("kk",),
    "alamat": ("address", "rt_rw"),
}
# The right value asked for each other field (the answer keys it fills).
ASKED = {
    "lahir": ("birth",),
    "jenis_kelamin": ("sex",),
    "ibu_kandung": ("mother_name",),
    "perkawinan": ("marital",),
    "pekerjaan": ("occupation",),
    "anggota_keluarga": ("members_correct",),
    "kondisi_rumah": ("house_parts", *_HOUSE_CHOICES),
    "lainnya": ("other_detail",),
}
MAX_MEMBERS = 29


def _member(answers: Answers) -> bool:
    return answers.get("perbaikan_for") == MEMBER


def _self(answers: Answers) -> bool:
    return answers.get("perbaikan_for") == "self"


def wrong(field: str) -> Any:
    """The step applies when the citizen said this field is wrong."""
    return lambda answers: field in (answers.get("perbaikan_fields") or ())


def _house_part(part: str) -> Any:
    return lambda a: (
        "kondisi_rumah" in (a.get("perbaikan_fields") or ())
        and part in (a.get("house_parts") or ())
    )


def _sex(incoming: Incoming, ctx: ParseContext) -> Parsed:
    """The right sex, which must agree with the NIK given for the person."""
    value = (incoming.text or "").strip()
    info = check_nik(str(ctx.answers.get("nik") or ""), today=ctx.today, regions=ctx.regions)
    mismatch = info.value and nik_sex_mismatch(info.value, "P" if value == "P" else "L")
    return Parsed(errors=(mismatch,)) if mismatch else Parsed(value)


_NONE_ELSE = frozenset({"tidak ada", "sendiri", "tinggal sendiri", "none", "nobody", "alone"})


def _members(incoming: Incoming, ctx: ParseContext) -> Parsed:
    """The other members as they should be listed, one per line as "NIK name" (a name
    alone when the NIK is not known), each checked like an usulan's household list."""
    if canonical(incoming.text or "") in _NONE_ELSE:
        return Parsed([])
    lines = [line for line in re.split(r"[\n;]+", incoming.text or "") if line.strip()]
    if not lines:
        return Parsed(errors=(Problem("text_expected"),))
    if len(lines) > MAX_MEMBERS:
        return Parsed(errors=(Problem("members_too_many", {"maximum": MAX_MEMBERS}),))
    taken = [str(ctx.answers.get("nik") or "")]
    members: list[dict[str, str | None]] = []
    problems: list[Problem] = []
    for i, line in enumerate(lines):
        nik_text, name_text = parsers.nik_and_name(line)
        found: list[Problem] = []
        name = parse_name(name_text or "") if name_text else None
        if name is None:
            found.append(Problem("text_expected"))
        elif not name.ok:
            found += name.errors
        nik: str | None = None
        if nik_text:
            checked = check_nik(nik_text, today=ctx.today, regions=ctx.regions)
            if checked.ok and not checked.warnings and checked.value is not None:
                nik = checked.value.normalized
                if nik in taken:
                    found.append(Problem("nik_repeated", {"nik": mask_nik(nik)}))
                taken.append(nik)
            else:
                found += checked.errors or checked.warnings
        if found:
            problems += [Problem("member_line", {"n": i + 1}), *found]
        elif name is not None:
            members.append({"nik": nik, "name": str(name.value)})
    if problems:
        return Parsed(errors=tuple(problems))
    return Parsed(members)


def show_members(value: Any) -> str:
    """ "2: Sri Wahyuni (3204********0002), Rina": names, NIKs masked."""
    listed = [
        f"{m['name']} ({mask_nik(m['nik'])})" if m.get("nik") else str(m["name"])
        for m in value or ()
    ]
    return f"{len(listed)}: {', '.join(listed)}" if listed else "-"


def _document_prompt(answers: Answers) -> str:
    fields = set(answers.get("perbaikan_fields") or ())
    if fields and fields <= {"kondisi_rumah"}:
        return "house"
    if fields & {"kk", "alamat", "anggota_keluarga"}:
        return "kk"
    return "ktp"


def _document_step(which: str) -> Step:
    return Step(
        "document_photo",
        "photo",
        prompt=f"ask.perbaikan_document_{which}",
        optional=True,
        when=lambda a: _document_prompt(a) == which,
        summary="summary.document_photo",
    )


NODES = (
    consent_step("perbaikan"),
    Step("perbaikan_for", "choice", choices=FOR_WHOM, summary="summary.perbaikan_for"),
    # The person whose data is wrong, as the KTP/KK shows them (the right values).
    Step(
        "nik",
        "text",
        prompt="ask.perbaikan_nik_self",
        parse=parsers.nik(name_key="name"),
        reuse=OWN_IDENTITY,
        when=_self,
        summary="summary.nik",
        display=parsers.show_masked,
    ),
    Step(
        "nik",
        "text",
        prompt="ask.perbaikan_nik_member",
        parse=parsers.nik(name_key="name"),
        when=_member,
        summary="summary.nik",
        display=parsers.show_masked,
    ),
    Step("name", "text", prompt="ask.perbaikan_name", parse=parsers.name, summary="summary.name"),
    Step(
        "kk",
        "text",
        prompt="ask.perbaikan_kk",
        parse=parsers.kk,
        summary="summary.kk",
        display=parsers.show_masked,
    ),
    Step("village", "village", prompt="ask.perbaikan_village", summary="summary.village"),
    Step(
        "address",
        "text",
        prompt="ask.perbaikan_address",
        parse=parsers.address,
        summary="summary.street",
    ),
    Step("rt_rw", "text", parse=parsers.rt_and_rw, summary="summary.rt_rw"),
    Step("perbaikan_fields", "multi_choice", choices=FIELDS, summary="summary.perbaikan_fields"),
    # The right value of each field not typed above.
    Step(
        "birth",
        "text",
        prompt="ask.perbaikan_birth",
        parse=parsers.birth(),
        when=wrong("lahir"),
        summary="summary.birth",
    ),
    Step(
        "sex",
        "choice",
        prompt="ask.perbaikan_sex",
        choices=SEX,
        parse=_sex,
        when=wrong("jenis_kelamin"),
        summary="summary.sex",
    ),
    Step(
        "mother_name",
        "text",
        prompt="ask.perbaikan_mother_name",
        parse=parsers.name,
        when=wrong("ibu_kandung"),
        summary="summary.mother_name",
    ),
    Step(
        "marital",
        "choice",
        prompt="ask.perbaikan_marital",
        choices=MARITAL,
        when=wrong("perkawinan"),
        summary="summary.marital",
    ),
    Step(
        "occupation",
        "choice",
        prompt="ask.perbaikan_occupation",
        choices=OCCUPATION,
        when=wrong("pekerjaan"),
        summary="summary.occupation",
    ),
    Step(
        "members_correct",
        "text",
        prompt="ask.perbaikan_members",
        parse=_members,
        when=wrong("anggota_keluarga"),
        summary="summary.members_correct",
        display=show_members,
    ),
    Step(
        "house_parts",
        "multi_choice",
        choices=HOUSE_PARTS,
        when=wrong("kondisi_rumah"),
        summary="summary.house_parts",
    ),
    *(
        Step(
            part,
            "choice",
            prompt=f"ask.perbaikan_{part}",
            choices=choices,
            when=_house_part(part),
            summary=f"summary.{part}",
        )
        for part, choices in _HOUSE_CHOICES.items()
    ),
    Step(
        "other_detail",
        "text",
        prompt="ask.perbaikan_other",
        parse=parsers.free_text(5, 500),
        when=wrong("lainnya"),
        summary="summary.other_detail",
    ),
    Step(
        "recorded_now",
        "text",
        parse=parsers.free_text(2, 300),
        optional=True,
        summary="summary.recorded_now",
    ),
    *(_document_step(which) for which in ("ktp", "kk", "house")),
    # Who files a member's correction (the citizen; kept apart from the member's data).
    Step(
        "filer_nik",
        "text",
        parse=parsers.nik(name_key="filer_name"),
        reuse=OWN_IDENTITY,
        when=_member,
        summary="summary.filer_nik",
        display=parsers.show_masked,
    ),
    Step("filer_name", "text", parse=parsers.name, when=_member, summary="summary.filer_name"),
    Step(
        "phone",
        "text",
        parse=parsers.phone,
        asks_phone=True,
        summary="summary.phone",
        reuse=EARLIER_PHONE,
    ),
)


def corrections(answers: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Each field said to be wrong, with the answer keys that hold its right value."""
    return {
        field: TYPED_ALREADY.get(field) or ASKED.get(field, ())
        for field in answers.get("perbaikan_fields") or ()
    }


def submit(answers: Answers, ctx: FlowContext) -> FileRequest:
    member = _member(answers)
    document = answers.get("document_photo")
    purpose = "house_front" if _document_prompt(answers) == "house" else "document"
    extra = [] if document else ["document_photo_missing"]
    return FileRequest(
        Submission(
            kind="perbaikan",
            subtype=answers["perbaikan_for"],
            village_code=answers["village"],
            nik=answers["filer_nik"] if member else answers["nik"],
            name=answers["filer_name"] if member else answers["name"],
            kk=answers["kk"],
            subject_nik=answers["nik"] if member else None,
            subject_name=answers["name"] if member else None,
            answers=dict(answers),
            flags=tuple(flags_from(answers, ctx, extra)),
            attachments=(AttachmentRef(document["ref"], purpose),) if document else (),
            consent=consent_of(answers, ctx),
            language=ctx.language,
        )
    )


def close(answers: Answers, result: Filed | None, ctx: FlowContext) -> Closing:
    if result is None:
        raise AssertionError("a perbaikan is always filed")
    cat = catalogue(ctx.language)
    return Closing((cat.text("done.perbaikan", ticket=format_ticket(result.ticket)),))


SECTIONS = (
    Section("data_diri", ("perbaikan_for", "nik", "name", "kk")),
    Section("alamat", ("village", "address", "rt_rw")),
    Section(
        "perbaikan",
        (
            "perbaikan_fields",
            "birth",
            "sex",
            "mother_name",
            "marital",
            "occupation",
            "members_correct",
            "house_parts",
            *_HOUSE_CHOICES,
            "other_detail",
            "recorded_now",
        ),
    ),
    Section("lampiran", ("document_photo",)),
    Section("pengaju", ("filer_nik", "filer_name", "phone")),
)

FLOW = Flow("perbaikan", NODES, finish=ending(submit, close), sections=SECTIONS)

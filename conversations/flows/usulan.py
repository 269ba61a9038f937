"""Usulan mandiri: a household proposes itself (or is proposed) for the DTSEN register."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, assert_never

from conversations import parsers, prefill
from conversations.catalogue import catalogue
from conversations.effects import (
    AlreadyFiled,
    AttachmentRef,
    Filed,
    FileUsulan,
    FindOpenUsulan,
    Member,
    NoOpenUsulan,
    OpenUsulan,
    OthersOpenUsulan,
    OwnOpenUsulan,
    PhotoCheck,
    PhotoRead,
    PhotoRefused,
    Proposer,
    ReadPhoto,
    Submission,
    UsulanFiling,
)
from conversations.flow import (
    Answers,
    ChoiceSet,
    Closing,
    Flow,
    FlowContext,
    ParseContext,
    Parsed,
    Parser,
    Repeat,
    Section,
    Step,
    Verifier,
    check,
    ending,
)
from conversations.flows.common import (
    EARLIER_PHONE,
    OWN_IDENTITY,
    RELATIONSHIP,
    answer_is,
    consent_of,
    consent_step,
    flags_from,
    long_date,
)
from conversations.kinds import request_kind
from conversations.tickets import format_ticket
from conversations.types import Incoming
from conversations.validators import Problem, check_nik, parse_name
from conversations.words import canonical

FOR_WHOM = ChoiceSet("for_whom", request_kind("usulan").subtypes)
MARITAL = ChoiceSet("marital", ("belum_kawin", "kawin", "cerai_hidup", "cerai_mati"))
OCCUPATION = ChoiceSet(
    "occupation",
    (
        "tidak_bekerja",
        "petani",
        "nelayan",
        "buruh",
        "pedagang",
        "pekerja_rumah_tangga",
        "karyawan",
        "wiraswasta",
        "pelajar",
        "mengurus_rumah_tangga",
        "lainnya",
    ),
)
FLOOR = ChoiceSet("floor", ("tanah", "bambu", "kayu", "semen", "keramik"))
WALL = ChoiceSet("wall", ("bambu", "kayu", "tembok_kasar", "tembok"))
ROOF = ChoiceSet("roof", ("daun", "seng", "asbes", "genteng", "beton"))
WATER = ChoiceSet(
    "water", ("sungai_hujan", "sumur_terbuka", "sumur_terlindung", "sumur_bor", "ledeng", "kemasan")
)
LIGHTING = ChoiceSet(
    "lighting", ("bukan_listrik", "listrik_non_pln", "pln_450", "pln_900", "pln_lebih")
)
FUEL = ChoiceSet(
    "fuel", ("kayu", "minyak_tanah", "lpg_3kg", "lpg_besar", "listrik", "tidak_memasak")
)
TOILET = ChoiceSet("toilet", ("tidak_ada", "umum", "bersama", "sendiri"))
CONDITIONS = ChoiceSet(
    "conditions",
    ("disabilitas", "lansia", "hamil", "penyakit_kronis", "tidak_ada"),
    exclusive="tidak_ada",
)
PROGRAMMES = ChoiceSet(
    "programmes", ("pkh", "bpnt", "pbi_jkn", "belum_tahu"), exclusive="belum_tahu"
)


MEMBER_SEX = ChoiceSet("member_sex", ("L", "P"))
# One question for the whole household: only when the citizen wants to tell them are a
# member's occupation and disability asked (both skippable). What the BNBA's columns need
# (sex, birth date, birth place, mother's name) is asked of every member without it.
MEMBERS_DETAILS = ChoiceSet("members_details", ("yes", "no"))
MEMBER_DISABILITY = ChoiceSet("member_disability", ("yes", "no"))


def _offers_member_details(answers: Answers) -> bool:
    return _members_to_ask(answers) > 0


def _details_wanted(member: Answers) -> bool:
    return member.get("members_details") == "yes"


def _in_capacity(answers: Answers) -> bool:
    """Proposed by an RT/RW head, kepala dusun, village official or PSKS in that capacity."""
    return answers.get("for_whom") in request_kind("usulan").in_capacity


def _size(answers: Answers) -> int:
    return int(answers.get("household_size") or 1)


def _members_to_ask(answers: Answers) -> int:
    return _size(answers) - 1 if answers.get("members_now") == "yes" else 0


def _other_niks(ctx: ParseContext) -> list[str]:
    """NIKs already given in this proposal, except the one being answered."""
    answers = ctx.answers
    # The proposer too: someone proposing in their capacity is not in the household.
    keys = ["nik", "proposer_nik"]
    keys += [k for k in answers if k.startswith("members.") and k.endswith(".nik")]
    return [str(answers[k]) for k in keys if k != ctx.key and answers.get(k)]


def _check_open_usulan(value: Any, answers: Answers) -> FindOpenUsulan:
    return FindOpenUsulan(str(value))


def _refuse_if_open(result: OpenUsulan, value: Any, answers: Answers) -> Parsed:
    match result:
        case NoOpenUsulan():
            return Parsed(value)
        case OwnOpenUsulan(ticket=ticket):
            return Parsed(
                errors=(Problem("nik_has_open_usulan", {"ticket": format_ticket(ticket)}),)
            )
        case OthersOpenUsulan():
            # Someone else's proposal: say it exists (one person, one proposal), not its ticket.
            return Parsed(errors=(Problem("nik_has_open_usulan_other"),))
        case _:
            assert_never(result)


# A member without a NIK yet (a young child): said in words, not only with "lewati".
_NO_NIK_YET = frozenset(
    {
        "belum punya",
        "tidak punya",
        "belum ada",
        "tidak ada",
        "belum punya nik",
        "tidak punya nik",
        "belum ada nik",
        "tidak ada nik",
        "no nik",
        "none",
        "not yet",
        "has none",
    }
)


def _member_nik() -> Parser:
    """A member's NIK, checked like the head's (region, birth date, sex; an unknown
    kecamatan is confirmed, then flagged), or "belum punya": sex and birth date are asked."""
    checked = parsers.nik(unique_among=_other_niks)

    def parse(incoming: Incoming, ctx: ParseContext) -> Parsed:
        if canonical(incoming.text or "") in _NO_NIK_YET:
            return Parsed(None)
        return checked(incoming, ctx)

    return parse


MEMBER_STEPS = (
    Step(
        "nik",
        "text",
        prompt="ask.member_nik",
        parse=_member_nik(),
        optional=True,
        display=parsers.show_masked,
    ),
    Step("name", "text", prompt="ask.member_name", parse=parsers.name),
    # Sex and birth date come from a valid NIK; only a member without one is asked them.
    Step(
        "sex",
        "choice",
        prompt="ask.member_sex",
        choices=MEMBER_SEX,
        when=lambda member: not member.get("nik"),
    ),
    Step(
        "birth_date",
        "text",
        prompt="ask.member_birth_date",
        parse=parsers.birth_date(nik_key="members.no_nik"),
        when=lambda member: not member.get("nik"),
    ),
    Step("relationship", "choice", prompt="ask.member_relationship", choices=RELATIONSHIP),
    # The BNBA's Tempat Lahir and Nama Ibu Kandung: asked of every member, skippable
    # ("lewati", "ga tau") when the citizen does not know them.
    Step(
        "birth_place",
        "text",
        prompt="ask.member_birth_place",
        parse=parsers.free_text(2, 60),
        optional=True,
    ),
    Step(
        "mother_name",
        "text",
        prompt="ask.member_mother_name",
        parse=parsers.name,
        optional=True,
    ),
    Step(
        "occupation",
        "choice",
        prompt="ask.member_occupation",
        choices=OCCUPATION,
        optional=True,
        when=_details_wanted,
    ),
    Step(
        "disability",
        "yes_no",
        prompt="ask.member_disability",
        choices=MEMBER_DISABILITY,
        optional=True,
        when=_details_wanted,
    ),
)


def _photo_check(subject: str) -> Verifier:
    """The service checks the photo (and reads a KTP) before it is taken."""

    def ask(value: Any, answers: Answers) -> ReadPhoto:
        return ReadPhoto(str(value["ref"]), subject)

    def judge(result: PhotoCheck, value: Any, answers: Answers) -> Parsed:
        problem_key = f"photo_{subject}_problem"
        match result:
            case PhotoRefused(problem=problem):
                # Kept with the photo if the retakes run out: staff then know why.
                return Parsed(
                    errors=(Problem(f"{subject}_{problem}"),), extra={problem_key: problem}
                )
            case PhotoRead(values=values):
                if subject != "ktp":
                    return Parsed(value, extra={problem_key: None})
                # A new card replaces what an earlier one said; nothing of it is confirmed.
                read = {prefill.CARD: dict(values), prefill.DECLINED: []}
                return Parsed(value, extra={problem_key: None, **read})
            case _:
                assert_never(result)

    return check(ask, judge)


def _card_birth(card: Mapping[str, Any]) -> str | None:
    """ "Tempat/Tgl Lahir" as the card prints it: "BANDUNG, 17-08-1985"."""
    if not card.get("birth_place") or not card.get("birth_date"):
        return None
    return f"{card['birth_place']}, {prefill.dmy(card['birth_date'])}"


def _card_rt_rw(card: Mapping[str, Any]) -> str | None:
    return f"{card['rt']}/{card['rw']}" if card.get("rt") and card.get("rw") else None


def _ktp_photo(when: Callable[[Answers], bool]) -> Step:
    return Step(
        "photo_ktp",
        "photo",
        when=when,
        verify=_photo_check("ktp"),
        retakes=2,
        summary="summary.photo_ktp",
    )


# "Who else lives here?" answered with nobody, or with "later" (the village staff will ask).
_ALONE = frozenset({"tidak ada", "tidak", "sendiri", "tinggal sendiri", "saya sendiri", "none"})
_ALONE_EN = frozenset({"alone", "nobody", "no one", "no", "only me", "just me"})
_LATER = frozenset({"nanti", "nanti saja", "later", "belum siap"})
MAX_MEMBERS = 29  # a household of 30 at most


def _household(incoming: Incoming, ctx: ParseContext) -> Parsed:
    """The other members, one per line as "NIK name"; what a line lacks is asked after."""
    said = canonical(incoming.text or "")
    if said in _ALONE or said in _ALONE_EN:
        # Alone in the house: the head of the household, nothing more to ask.
        alone = {"household_size": 1, "members_now": None, "relationship": "kepala_keluarga"}
        return Parsed("alone", extra=alone)
    if said in _LATER:
        return Parsed("later", extra={"members_now": "no"})
    lines = [line for line in re.split(r"[\n;]+", incoming.text or "") if line.strip()]
    if not lines:
        return Parsed(errors=(Problem("text_expected"),))
    if len(lines) > MAX_MEMBERS:
        return Parsed(errors=(Problem("members_too_many", {"maximum": MAX_MEMBERS}),))
    taken = [str(ctx.answers[k]) for k in ("nik", "proposer_nik") if ctx.answers.get(k)]
    extra: dict[str, Any] = {"household_size": len(lines) + 1, "members_now": "yes"}
    notes: list[Problem] = []
    for i, line in enumerate(lines):
        head = f"members.{i}."
        nik_text, name_text = parsers.nik_and_name(line)
        problems: tuple[Problem, ...] = ()
        if name_text:
            name = parse_name(name_text)
            if name.ok:
                extra[head + "name"] = name.value
            problems += name.errors
        if nik_text:
            checked = check_nik(nik_text, today=ctx.today, regions=ctx.regions)
            info = checked.value
            if checked.ok and not checked.warnings and info and info.normalized not in taken:
                taken.append(info.normalized)
                extra[head + "nik"] = info.normalized
                extra[head + "nik_birth_date"] = info.birth_date.isoformat()
                extra[head + "nik_sex"] = info.sex
            elif info and info.normalized in taken:
                problems += (
                    Problem("nik_repeated", {"nik": parsers.show_masked(info.normalized)}),
                )
            else:
                problems += checked.errors or checked.warnings
        if problems:
            notes += [Problem("member_line", {"n": i + 1}), *problems]
    return Parsed(len(lines), extra=extra, notes=tuple(notes))


NODES = (
    consent_step("usulan"),
    # Right after consent when the service reads it: what the card says is then offered for
    # every question it answers. Otherwise it is asked with the house photo below.
    _ktp_photo(when=prefill.card_first),
    Step("for_whom", "choice", choices=FOR_WHOM, summary="summary.for_whom"),
    # Proposing in one's capacity (Permensos 3/2021 Pasal 5): the proposer's own identity
    # and phone first, kept apart from the household's (`submit`).
    Step(
        "proposer_nik",
        "text",
        parse=parsers.nik(unique_among=_other_niks, name_key="proposer_name"),
        when=_in_capacity,
        # Their own NIK and name, as an earlier request of theirs had them (for oneself).
        reuse=OWN_IDENTITY,
        summary="summary.proposer_nik",
        display=parsers.show_masked,
    ),
    Step(
        "proposer_name",
        "text",
        parse=parsers.name,
        when=_in_capacity,
        summary="summary.proposer_name",
    ),
    Step(
        "proposer_phone",
        "text",
        parse=parsers.phone,
        when=_in_capacity,
        asks_phone=True,
        summary="summary.proposer_phone",
        reuse=EARLIER_PHONE,
    ),
    Step(
        "nik",
        "text",
        parse=parsers.nik(unique_among=_other_niks, name_key="name"),
        verify=check(_check_open_usulan, _refuse_if_open),
        # Proposing oneself again (after a rejection, or after a sanggahan as reporter).
        reuse=replace(OWN_IDENTITY, when=answer_is("for_whom", "self")),
        # Someone proposing another household must not be told to type their own NIK here.
        prompt_for=lambda answers: None if answers.get("for_whom") == "self" else "ask.nik_other",
        from_card=prefill.field("nik"),
        invalidates=("birth",),
        still_fits=lambda key, a: a.get("birth_date") == a.get("nik_birth_date"),
        summary="summary.nik",
        display=parsers.show_masked,
    ),
    Step("kk", "text", parse=parsers.kk, summary="summary.kk", display=parsers.show_masked),
    Step(
        "name", "text", parse=parsers.name, from_card=prefill.field("name"), summary="summary.name"
    ),
    Step(
        "birth",
        "text",
        parse=parsers.birth(),
        from_card=_card_birth,
        summary="summary.birth",
    ),
    Step("mother_name", "text", parse=parsers.name, summary="summary.mother_name"),
    Step(
        "marital",
        "choice",
        choices=MARITAL,
        from_card=prefill.field("marital"),
        summary="summary.marital",
    ),
    Step(
        "occupation",
        "choice",
        choices=OCCUPATION,
        from_card=prefill.field("occupation"),
        summary="summary.occupation",
    ),
    Step("village", "village", from_card=prefill.field("village"), summary="summary.village"),
    Step(
        "address",
        "text",
        parse=parsers.address,
        from_card=prefill.field("street"),
        summary="summary.street",
    ),
    Step(
        "rt_rw",
        "text",
        parse=parsers.rt_and_rw,
        from_card=_card_rt_rw,
        summary="summary.rt_rw",
    ),
    Step("members_list", "text", parse=_household),
    Step(
        "household_size",
        "text",
        parse=parsers.count(1, 30),
        when=lambda a: a.get("members_list") == "later",
        summary="summary.household_size",
    ),
    Step(
        "relationship",
        "choice",
        choices=RELATIONSHIP,
        when=lambda a: _size(a) > 1,
        summary="summary.relationship",
    ),
    Repeat(
        "members",
        MEMBER_STEPS,
        count=_members_to_ask,
        when=lambda a: _size(a) > 1,
        summary="summary.members",
        also_clears=("members_list", "members_now", "household_size", "members_details"),
        details=("occupation", "disability"),
    ),
    Step("floor", "choice", choices=FLOOR, summary="summary.floor"),
    Step("wall", "choice", choices=WALL, summary="summary.wall"),
    Step("roof", "choice", choices=ROOF, summary="summary.roof"),
    Step("water", "choice", choices=WATER, summary="summary.water"),
    Step("lighting", "choice", choices=LIGHTING, summary="summary.lighting"),
    Step("fuel", "choice", choices=FUEL, summary="summary.fuel"),
    Step("toilet", "choice", choices=TOILET, summary="summary.toilet"),
    Step("conditions", "multi_choice", choices=CONDITIONS, summary="summary.conditions"),
    # Every household with members is offered their occupation and disability in one
    # question (then asked per member, both skippable): one tap says no to all of them.
    Step("members_details", "yes_no", choices=MEMBERS_DETAILS, when=_offers_member_details),
    Step("programmes", "multi_choice", choices=PROGRAMMES, summary="summary.programmes"),
    _ktp_photo(when=prefill.card_last),
    Step(
        "photo_house",
        "photo",
        optional=True,
        verify=_photo_check("house"),
        retakes=2,
        summary="summary.photo_house",
        # No photo of the house now: no location either (the village staff visit anyway).
        skips_also=("location",),
    ),
    Step("location", "location", optional=True, summary="summary.location"),
    Step(
        "phone",
        "text",
        parse=parsers.phone,
        when=lambda a: not _in_capacity(a),
        asks_phone=True,
        summary="summary.phone",
        reuse=EARLIER_PHONE,
    ),
    # The household's own number, when the proposer knows it: the household is then told
    # the outcome too (WhatsApp or SMS, staff/notices.py).
    Step(
        "household_phone",
        "text",
        parse=parsers.phone,
        optional=True,
        when=_in_capacity,
        summary="summary.household_phone",
    ),
)

# The proposer's answers: filed as the `Proposer`, never among the household's answers.
PROPOSER_ANSWERS = ("proposer_nik", "proposer_name", "proposer_phone")


def members(answers: Answers) -> list[Member]:
    """Each member as filed: sex and birth date from the NIK when there is one, else as
    the citizen said them."""
    found = []
    for i in range(_members_to_ask(answers)):
        head = f"members.{i}."
        nik = answers.get(head + "nik")
        found.append(
            Member(
                nik=nik,
                name=answers[head + "name"],
                relationship=answers[head + "relationship"],
                sex=answers.get(head + ("nik_sex" if nik else "sex")),
                birth_date=answers.get(head + ("nik_birth_date" if nik else "birth_date")),
                occupation=answers.get(head + "occupation"),
                disability=_yes_no(answers.get(head + "disability")),
                birth_place=answers.get(head + "birth_place"),
                mother_name=answers.get(head + "mother_name"),
            )
        )
    return found


def _yes_no(value: Any) -> bool | None:
    return None if value is None else value == "yes"


def _flags(answers: Answers, ctx: FlowContext) -> list[str]:
    extra = []
    if _size(answers) > 1 and answers.get("members_now") != "yes":
        extra.append("members_later")
    if any(m.nik is None for m in members(answers)):
        extra.append("member_nik_missing")
    if answers.get("photo_house") is None:
        extra.append("house_photo_missing")
    if answers.get("photo_ktp_problem"):
        extra.append("ktp_photo_unclear")
    if answers.get("photo_house_problem"):
        extra.append("house_photo_unclear")
    return flags_from(answers, ctx, extra)


def _attachments(answers: Answers, purposes: dict[str, str]) -> tuple[AttachmentRef, ...]:
    return tuple(
        AttachmentRef(answers[key]["ref"], purpose)
        for key, purpose in purposes.items()
        if answers.get(key)
    )


def submit(answers: Answers, ctx: FlowContext) -> FileUsulan:
    # What the card said but the citizen did not confirm is never filed.
    plain = {
        k: v
        for k, v in answers.items()
        if not k.startswith("members.")
        and k not in prefill.NOT_FILED
        and k not in PROPOSER_ANSWERS
        and not k.startswith("proposer_nik_")  # what the proposer's NIK says (sex, birth)
    }
    return FileUsulan(
        Submission(
            kind="usulan",
            subtype=answers["for_whom"],
            village_code=answers["village"],
            nik=answers["nik"],
            kk=answers["kk"],
            name=answers["name"],
            answers=plain,
            flags=tuple(_flags(answers, ctx)),
            members=tuple(members(answers)),
            attachments=_attachments(answers, {"photo_ktp": "ktp", "photo_house": "house_front"}),
            consent=consent_of(answers, ctx),
            language=ctx.language,
            proposer=_proposer(answers),
        )
    )


def _proposer(answers: Answers) -> Proposer | None:
    if not _in_capacity(answers):
        return None
    return Proposer(
        capacity=answers["for_whom"],
        nik=answers["proposer_nik"],
        name=answers["proposer_name"],
        phone=answers.get("proposer_phone"),
    )


def close(answers: Answers, result: UsulanFiling | None, ctx: FlowContext) -> Closing:
    cat = catalogue(ctx.language)
    match result:
        case Filed(ticket=ticket, earliest_penetapan=earliest):
            steps = [cat.text("done.next_steps")]
            if earliest is not None:
                month = long_date(earliest, ctx.language).split(" ", 1)[1]
                steps.append(cat.text("done.earliest", month=month))
            steps.append(cat.text("done.news"))
            if _in_capacity(answers) and answers.get("household_phone"):
                steps.append(cat.text("done.household_told"))
            return Closing(
                (
                    cat.text("done.usulan", ticket=format_ticket(ticket)),
                    "\n\n".join(steps),
                )
            )
        case AlreadyFiled():
            # Another chat filed this NIK after our NIK question: keep the draft, check the NIK.
            return Closing((cat.text("refused.usulan_nik_taken"),), ask_again=("nik",))
        case None:
            raise AssertionError("an usulan is always filed")
        case _:
            assert_never(result)


SECTIONS = (
    Section("pengusul", ("proposer_nik", "proposer_name", "proposer_phone")),
    Section(
        "data_diri",
        label_for=lambda answers: (
            None if answers.get("for_whom") in (None, "self") else "diusulkan"
        ),
        keys=(
            "for_whom",
            "nik",
            "kk",
            "name",
            "birth",
            "mother_name",
            "relationship",
            "marital",
            "occupation",
            "phone",
            "household_phone",
        ),
    ),
    Section("alamat", ("village", "address", "rt_rw")),
    Section("keluarga", ("household_size", "members", "conditions", "programmes")),
    Section("rumah", ("floor", "wall", "roof", "water", "lighting", "fuel", "toilet")),
    Section("lampiran", ("photo_ktp", "photo_house", "location")),
)

# What the KTP answers, confirmed a group at a time (one message each).
CARD_GROUPS = (
    ("nik",),
    ("name", "birth"),
    ("marital", "occupation"),
    ("village", "address", "rt_rw"),
)

FLOW = Flow(
    "usulan",
    NODES,
    finish=ending(submit, close),
    sections=SECTIONS,
    card_groups=CARD_GROUPS,
)

"""What the dashboard's pages show, prepared from the tables: labels in Bahasa Indonesia,
masked numbers, working days in a stage, readable answers, the timeline.

Pure helpers over a session and the workflows; the routes decide who may see what.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from typing import Any, Final

from sqlalchemy import func
from sqlmodel import Session, col, select

from conversations import tickets
from conversations.catalogue import catalogue
from conversations.flow import Repeat, Step
from conversations.flows import FLOWS
from conversations.flows.perbaikan import show_members
from conversations.kinds import KINDS, request_kind
from conversations.timezones import NATIONAL
from conversations.validators import RegionIndex, mask_nik
from models.tables import (
    AccessLog,
    Musyawarah,
    MusyawarahItem,
    Request,
    StaffAccount,
    StatusChange,
)
from staff import kind_words
from staff.access import EVERYWHERE
from staff.documents import ShownDocument, by_change, document_label, documents_of
from staff.erasure import due_at as erasure_due
from staff.perubahan_list import PERUBAHAN_KIND
from staff.workflow import Role, Stage, TransitionRefused, Workflow, Workflows

LOCAL_ZONE: Final = NATIONAL
PAGE_SIZE: Final = 50

KIND_LABELS: Final = {kind.name: kind.staff_label for kind in KINDS}
ROLE_LABELS: Final = {
    "village_operator": "Operator desa/kelurahan",
    "village_head": "Kepala desa/lurah",
    "siks_operator": "Operator SIKS-NG desa",
    "tksk": "TKSK",
    "pendamping_pkh": "Pendamping PKH",
    "kecamatan": "Kecamatan",
    "dinsos_verifier": "Verifikator Dinas Sosial",
    "dinsos_head": "Kepala Dinas Sosial",
    "admin": "Administrator",
}
# The flags staff filter by, in the order the filter offers them.
FLAG_LABELS: Final = {
    "member_in_other_request": "Dugaan ganda",
    "nik_kecamatan_unknown_confirmed": "Kode wilayah NIK belum dikenal",
    "kk_kecamatan_unknown_confirmed": "Kode wilayah KK belum dikenal",
    "members_later": "Anggota keluarga menyusul",
    "member_nik_missing": "NIK anggota belum ada",
    "consent_withdrawn": "Persetujuan ditarik",
    "house_photo_missing": "Tanpa foto rumah",
    "evidence_photo_missing": "Tanpa foto bukti",
    "document_photo_missing": "Tanpa foto dokumen",
    "death_letter_missing": "Kematian tanpa surat (ada saksi)",
    "anonymised": "Data pribadi dihapus",
    "erased": "Dihapus atas permintaan warga",
}
FILTER_FLAGS: Final = (
    "member_in_other_request",
    "nik_kecamatan_unknown_confirmed",
    "members_later",
    "member_nik_missing",
    "consent_withdrawn",
    "death_letter_missing",
)
# Flags that need a look before anything else (shown in red).
WARNING_FLAGS: Final = frozenset(
    {"member_in_other_request", "consent_withdrawn", "nik_kecamatan_unknown_confirmed"}
)
REFUSAL_REASONS: Final = {
    "outside_area": "tidak ditemukan di wilayah Anda",
    "not_found": "tidak ditemukan di wilayah Anda",
    "disabled": "akun dinonaktifkan",
    "unknown_action": "tindakan ini tidak bisa dari tahap sekarang",
    "role_not_allowed": "peran Anda tidak boleh melakukan tindakan ini",
    "note_required": "perlu catatan alasan",
    "terminal_stage": "permohonan sudah selesai",
    "consent_withdrawn": "warga menarik persetujuan: hanya boleh ditutup",
    "unknown_stage": "tahap tidak dikenal alur daerah ini",
    "meeting_closed": "musyawarah sudah ditutup",
    "other_village": "bukan dari desa musyawarah ini",
    "on_other_agenda": "sudah ada di agenda musyawarah lain",
    "wrong_stage": "tahapnya tidak bisa masuk agenda",
    "decision_missing": "belum semua permohonan diputuskan",
    "minutes_incomplete": "data berita acara belum lengkap",
    "request_moved": "permohonan sudah pindah tahap",
    "workflow_lacks_action": "alur daerah ini tidak punya tindakan itu",
    "unknown_decision": "keputusan tidak dikenal",
    "document_required": "perlu dokumen (nomor, tanggal, berkas) yang diminta alur daerah ini",
    "quorum_missing": "peserta wajib belum hadir semua",
}
PHOTO_LABELS: Final = {
    "ktp": "Foto KTP",
    "house_front": "Foto rumah",
    "evidence": "Foto bukti",
    "document": "Foto dokumen",
}
ACCESS_LABELS: Final = {
    "reveal_objector": "Membuka identitas pelapor",
    "view": "Membuka permohonan",
    "erase": "Menghapus data atas permintaan warga",
    "attachment": "Membuka foto",
    "musyawarah.agenda": "Memasukkan ke agenda musyawarah",
    "musyawarah.agenda_remove": "Mengeluarkan dari agenda musyawarah",
    "musyawarah.decide": "Mencatat keputusan musyawarah",
    "musyawarah.close": "Menutup musyawarah",
}
_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Mei",
    "Jun",
    "Jul",
    "Agu",
    "Sep",
    "Okt",
    "Nov",
    "Des",
)
_CATALOGUE: Final = catalogue("id")
# Answers shown elsewhere on the page, or not meant for reading.
_HIDDEN_ANSWERS: Final = frozenset(
    {"consent", "members_now", "consent_given_at", "card_confirmed", "card_first"}
)
OBJECTOR_ANSWERS: Final = frozenset({"objector_nik", "objector_name"})
_NUMBERS: Final = frozenset({"nik", "kk", "subject_nik", "objector_nik", "filer_nik"})
# What the chat worked out and stored next to an answer: a NIK's birth date and sex, a
# village's label. Never shown as answers (for a sanggahan they would describe the objector).
_DERIVED: Final = re.compile(r"(^|_)nik_(birth_date|sex)$|_label$")
_SEXES: Final = {"L": "Laki-laki", "P": "Perempuan"}


# -- small labels ---------------------------------------------------------------------------


def ticket_text(ticket: str) -> str:
    return tickets.shown(ticket)


def flag_label(flag: str) -> str:
    if flag in FLAG_LABELS:
        return FLAG_LABELS[flag]
    if flag.endswith("_confirmed"):
        return "Peringatan dikonfirmasi warga: " + flag.removesuffix("_confirmed")
    return flag.replace("_", " ")


def role_words(workflows: Workflows, role: str, areas: Sequence[str]) -> str:
    """The region's name for the role (Bungo's village head is the "Rio/Lurah"), when all
    the staff member's areas lie in one region that names it; else the common name."""
    regional = {workflows.for_village(a).role_label(role) for a in areas if a.count(".") >= 1}
    if len(regional) == 1 and None not in regional and "*" not in areas:
        return str(regional.pop())
    return ROLE_LABELS.get(role, role)


def reason_text(reason: str) -> str:
    return REFUSAL_REASONS.get(reason, reason.replace("_", " "))


def local_time(moment: datetime | None, zone: tzinfo = LOCAL_ZONE) -> str:
    if moment is None:
        return "-"
    here = moment.astimezone(zone)
    return f"{here.day} {_MONTHS[here.month - 1]} {here.year} {here:%H:%M}"


def local_day(moment: datetime | date | None, zone: tzinfo = LOCAL_ZONE) -> str:
    if moment is None:
        return "-"
    day = moment.astimezone(zone).date() if isinstance(moment, datetime) else moment
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def village_label(regions: RegionIndex, code: str) -> str:
    village = regions.village(code)
    return village.label() if village else code


def area_label(regions: RegionIndex, code: str) -> str:
    if code == EVERYWHERE:
        return "Seluruh wilayah"
    village = regions.village(code)
    if village is not None:
        return village.label()
    region = regions.get(code)
    return f"{region.name} ({code})" if region else code


def who(request: Request) -> str:
    """Who the request is about: the proposed person, the person objected to (never the
    objector, whose identity stays hidden in lists), or what a laporan perubahan reports of
    whom (the reporter beside it)."""
    if request_kind(request.kind).about_someone_else:
        return f"Disanggah: {request.subject_name or '-'}"
    change = f"choice.change.{request.subtype}"
    if request.kind == PERUBAHAN_KIND and _CATALOGUE.has(change):
        about = request.subject_name or f"keluarga {request.name}"
        return f"{_CATALOGUE.text(change)}: {about} (dilaporkan {request.name})"
    if request.subject_name:  # a member's data, corrected at a family member's request
        return f"{request.subject_name} (diajukan {request.name})"
    return request.name


def address_parts(request: Request) -> tuple[str, str, str]:
    """(dusun, RT, RW) of the household, or of the person objected to."""
    answers = request.answers or {}
    prefix = "subject_" if request_kind(request.kind).about_someone_else else ""
    dusun, rt, rw = (str(answers.get(f"{prefix}{key}") or "") for key in ("dusun", "rt", "rw"))
    return dusun, rt, rw


def place_text(request: Request) -> str:
    dusun, rt, rw = address_parts(request)
    parts = []
    if dusun:
        parts.append(f"Dusun {dusun}")
    if rt or rw:
        parts.append(f"RT {rt or '-'}/RW {rw or '-'}")
    return ", ".join(parts) or "-"


def stage_of(workflows: Workflows, request: Request) -> Stage | None:
    try:
        return workflows.for_village(request.village_code).stage(request.status)
    except TransitionRefused:
        return None


def stage_label(workflows: Workflows, request: Request) -> str:
    stage = stage_of(workflows, request)
    return kind_words.stage_label(request.kind, stage) if stage else request.status


# -- the queue -------------------------------------------------------------------------------


def entered_at(session: Session, request_ids: Sequence[int]) -> dict[int, datetime]:
    """When each request entered its current stage (its last status change)."""
    if not request_ids:
        return {}
    rows = session.exec(
        select(StatusChange.request_id, func.max(StatusChange.at))
        .where(col(StatusChange.request_id).in_(request_ids))
        .group_by(col(StatusChange.request_id))
    )
    return {request_id: at for request_id, at in rows if at is not None}


@dataclass
class Timing:
    days: int | None  # days in the stage, counted as the stage counts (None: final stage)
    overdue: int  # days past the stage's deadline
    sla: int | None  # the deadline in days; None: the SOP sets none
    unit: str = "hari kerja"  # "hari kerja" (working days) or "hari" (calendar days)


def timing(workflow: Workflow, stage: Stage | None, entered: datetime, today: date) -> Timing:
    if stage is None or stage.terminal:
        return Timing(None, 0, None)
    day = entered.astimezone(LOCAL_ZONE).date()
    return Timing(
        workflow.days_in_stage(stage.id, day, today),
        workflow.overdue_days(stage.id, day, today),
        stage.deadline.days if stage.deadline else None,
        "hari" if workflow.count(stage.id) == "calendar" else "hari kerja",
    )


@dataclass
class Row:
    request: Request
    ticket: str
    kind: str
    who: str
    village: str
    place: str
    status: str
    timing: Timing
    flags: list[tuple[str, str, bool]]  # (flag, label, warning)


def queue_rows(
    session: Session,
    requests: Sequence[Request],
    *,
    workflows: Workflows,
    regions: RegionIndex,
    today: date,
) -> list[Row]:
    entered = entered_at(session, [r.id for r in requests if r.id is not None])
    rows = []
    for request in requests:
        assert request.id is not None
        workflow = workflows.for_village(request.village_code)
        stage = stage_of(workflows, request)
        rows.append(
            Row(
                request=request,
                ticket=ticket_text(request.ticket),
                kind=KIND_LABELS.get(request.kind, request.kind),
                who=who(request),
                village=village_label(regions, request.village_code),
                place=place_text(request),
                status=stage_label(workflows, request),
                timing=timing(workflow, stage, entered.get(request.id, request.updated_at), today),
                flags=[(f, flag_label(f), f in WARNING_FLAGS) for f in request.flags or ()],
            )
        )
    return rows


def bulk_actions(
    workflows: Workflows, requests: Iterable[Request], role: Role
) -> list[tuple[str, str]]:
    """(action, label) a role may take from the stages of these requests."""
    found: dict[str, str] = {}
    for request in requests:
        workflow = workflows.for_village(request.village_code)
        for transition in workflow.actions(request.status, role):
            found.setdefault(
                transition.action, kind_words.action_label(request.kind, workflow, transition)
            )
    return sorted(found.items(), key=lambda item: item[1])


def status_options(workflows: Workflows, areas: Sequence[str]) -> list[tuple[str, str]]:
    """(stage id, label) of the workflows that apply in these areas."""
    chosen: list[Workflow] = []
    for area in areas:
        if area == EVERYWHERE or area.count(".") < 1:
            chosen = workflows.all()
            break
        chosen.append(workflows.for_village(area))
    found: dict[str, str] = {}
    for workflow in chosen:
        for stage in workflow.stages:
            found.setdefault(stage.id, stage.label.get())
    return list(found.items())


def villages_of(areas: Sequence[str]) -> list[str]:
    return [area for area in areas if area.count(".") == 3]


# -- the detail ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    label: str
    choice_sets: tuple[str, ...]
    kind: str


def _fields() -> dict[str, _Field]:
    found: dict[str, _Field] = {}
    for flow_name in (kind.name for kind in KINDS):
        for node in FLOWS[flow_name].nodes:
            if isinstance(node, Repeat) or not isinstance(node, Step):
                continue
            if node.summary is None or node.key in _HIDDEN_ANSWERS:
                continue
            label = _CATALOGUE.text(node.summary)
            if node.key == "objector_nik":
                label = "NIK pelapor"
            elif node.key == "objector_name":
                label = "Nama pelapor"
            elif node.key == "subject_dusun":
                label = "Dusun yang disanggah"
            elif node.key in ("subject_rt", "subject_rw"):
                label = f"{label} yang disanggah"
            elif node.key == "evidence_location":
                label = "Lokasi bukti"
            elif node.key == "filer_nik":
                label = "NIK pengaju"
            elif node.key == "filer_name":
                label = "Nama pengaju"
            old = found.get(node.key)
            sets = old.choice_sets if old else ()
            if node.choices is not None and node.choices.name not in sets:
                sets = (*sets, node.choices.name)
            found[node.key] = _Field(label, sets, node.kind)
    return found


FIELDS: Final = _fields()


@dataclass
class Answer:
    label: str
    value: str
    link: str | None = None
    number: bool = False
    # Read from the KTP photo and confirmed by the citizen (not typed).
    from_card: bool = False


def _choice(sets: Sequence[str], value: Any) -> str:
    for name in sets:
        key = f"choice.{name}.{value}"
        if _CATALOGUE.has(key):
            return _CATALOGUE.text(key)
    return str(value)


def map_link(location: Mapping[str, Any]) -> tuple[str, str] | None:
    """(text, OpenStreetMap link) for a shared location; a link, never an embedded map."""
    try:
        lat, lon = float(location["lat"]), float(location["lon"])
    except (KeyError, TypeError, ValueError):
        return None
    text = f"{lat:.5f}, {lon:.5f}"
    return (
        text,
        f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=18/{lat:.6f}/{lon:.6f}",
    )


def _show(key: str, spec: _Field | None, value: Any, regions: RegionIndex) -> Answer:
    label = spec.label if spec else key.replace("_", " ").capitalize()
    if value is None or value == "" or value == []:
        return Answer(label, "(dilewati)")
    if spec is not None and spec.kind == "photo":
        return Answer(label, "terlampir (lihat Foto)")
    if spec is not None and spec.kind == "location" and isinstance(value, Mapping):
        found = map_link(value)
        return Answer(label, found[0], link=found[1]) if found else Answer(label, str(value))
    if spec is not None and spec.kind == "village":
        return Answer(label, village_label(regions, str(value)))
    if key == "birth_date":
        try:
            return Answer(label, date.fromisoformat(str(value)).strftime("%d-%m-%Y"))
        except ValueError:
            return Answer(label, str(value))
    if key == "members_correct" and isinstance(value, list):
        return Answer(label, show_members(value))  # a perbaikan's members: NIKs masked
    if isinstance(value, list):
        sets = spec.choice_sets if spec else ()
        return Answer(label, ", ".join(_choice(sets, item) for item in value))
    if spec is not None and spec.choice_sets:
        return Answer(label, _choice(spec.choice_sets, value))
    return Answer(label, str(value), number=key in _NUMBERS)


# Shown at the top of the detail page, not again among the answers.
HEADLINE_ANSWERS: Final = frozenset(
    {"nik", "kk", "name", "subject_name", "subject_nik", "household_phone", *OBJECTOR_ANSWERS}
)


def answer_list(
    request: Request,
    regions: RegionIndex,
    *,
    reveal: bool,
    skip: frozenset[str] = frozenset(),
) -> list[Answer]:
    """The citizen's answers with readable labels, in the order the chat asked them.

    A sanggahan's objector (NIK, name) stays masked unless `reveal`.
    """
    answers = dict(request.answers or {})
    from_card = set(card_fields(request))
    confidential = request_kind(request.kind).about_someone_else
    shown: list[Answer] = []
    order = [k for k in FIELDS if k in answers] + [
        k for k in answers if k not in FIELDS and not k.startswith("members.")
    ]
    for key in order:
        if key in _HIDDEN_ANSWERS or key in skip or key.startswith("consent"):
            continue
        value = answers[key]
        spec = FIELDS.get(key)
        if spec is not None and spec.kind in ("photo", "location"):
            continue  # shown in the photo and location section
        if key == "nik_sex" and request.kind == "usulan":
            shown.append(Answer("Jenis kelamin (menurut NIK)", _SEXES.get(str(value), str(value))))
            continue
        if _DERIVED.search(key):
            continue  # worked out by the chat from another answer (a NIK, the village)
        if confidential and key in OBJECTOR_ANSWERS and not reveal:
            masked = mask_nik(str(value)) if key == "objector_nik" else "(dirahasiakan)"
            shown.append(Answer(FIELDS[key].label, masked, number=key == "objector_nik"))
            continue
        answer = _show(key, FIELDS.get(key), value, regions)
        shown.append(replace(answer, from_card=True) if key in from_card else answer)
    return shown


def card_fields(request: Request) -> list[str]:
    """Answers read from the KTP photo and confirmed by the citizen, in the order asked."""
    confirmed = (request.answers or {}).get("card_confirmed") or []
    return [str(key) for key in confirmed]


def card_field_labels(request: Request) -> list[str]:
    """The fields confirmed from the card, named as the chat named them to the citizen."""
    return [
        _CATALOGUE.text(f"card.label.{k}") if _CATALOGUE.has(f"card.label.{k}") else k
        for k in card_fields(request)
    ]


def relationship_label(value: str) -> str:
    return _choice(("relationship",), value)


def location_of(request: Request) -> tuple[str, str] | None:
    answers = request.answers or {}
    for key in ("location", "evidence_location"):
        value = answers.get(key)
        if isinstance(value, Mapping):
            return map_link(value)
    return None


@dataclass
class TimelineEntry:
    at: str
    who: str
    source: str
    target: str
    note: str | None
    documents: list[str] = field(default_factory=list)


def actor_names(session: Session, actors: Iterable[str]) -> dict[str, str]:
    ids = {
        int(actor.split(":", 1)[1])
        for actor in actors
        if actor.startswith("staff:") and actor.split(":", 1)[1].isdigit()
    }
    names: dict[str, str] = {}
    if ids:
        for account in session.exec(select(StaffAccount).where(col(StaffAccount.id).in_(ids))):
            role = ROLE_LABELS.get(account.role, account.role)
            names[f"staff:{account.id}"] = f"{account.display_name} ({role})"
    return names


def actor_label(actor: str, names: Mapping[str, str]) -> str:
    if actor in names:
        return names[actor]
    if actor.startswith("citizen:"):
        return f"Warga (lewat {actor.split(':', 1)[1]})"
    if actor == "system":
        return "Sistem"
    return actor


def timeline(
    session: Session, changes: Sequence[StatusChange], workflow: Workflow, kind: str
) -> list[TimelineEntry]:
    names = actor_names(session, [c.actor for c in changes])
    request_ids = {c.request_id for c in changes}
    papers = by_change(d for request_id in request_ids for d in documents_of(session, request_id))

    def label(stage_id: str | None) -> str:
        if stage_id is None:
            return "(dikirim)"
        try:
            return kind_words.stage_label(kind, workflow.stage(stage_id))
        except TransitionRefused:
            return stage_id

    return [
        TimelineEntry(
            at=local_time(change.at),
            who=actor_label(change.actor, names),
            source=label(change.from_status),
            target=label(change.to_status),
            note=change.note,
            documents=[document_text(workflow, d) for d in papers.get(change.id, [])],
        )
        for change in changes
    ]


def document_text(workflow: Workflow, document: ShownDocument) -> str:
    """ "SK Wali Kota No. 400/12/2026, 3 Maret 2026" for a timeline."""
    label = document_label(workflow, document.kind).get()
    text = f"{label} No. {document.number}, {local_day(document.issued_on)}"
    text += f" — {document.note}" if document.note else ""
    return text + ("" if document.file_ref else " (berkas belum diunggah)")


@dataclass
class AccessEntry:
    at: str
    who: str
    action: str
    allowed: bool
    detail: str | None


def access_label(action: str, labels: Mapping[str, str] = ACCESS_LABELS) -> str:
    """An access log's action as staff read it ("move:tutup": the stage move's action)."""
    if action.startswith("move:"):
        return "Memindahkan tahap (" + action.removeprefix("move:") + ")"
    return labels.get(action, action)


def access_history(session: Session, target: str, *, limit: int = 50) -> list[AccessEntry]:
    """Who looked at or tried something on this request, newest first."""
    rows = list(
        session.exec(
            select(AccessLog)
            .where(AccessLog.target == target)
            .order_by(col(AccessLog.at).desc(), col(AccessLog.id).desc())
            .limit(limit)
        )
    )
    names = actor_names(session, [f"staff:{row.staff_id}" for row in rows if row.staff_id])
    entries = []
    for row in rows:
        action = access_label(row.action)
        who_text = names.get(f"staff:{row.staff_id}", "-") if row.staff_id else "-"
        entries.append(
            AccessEntry(
                at=local_time(row.at),
                who=who_text,
                action=action,
                allowed=row.allowed,
                detail=None if row.allowed else "ditolak",
            )
        )
    return entries


# -- the musyawarah -----------------------------------------------------------------------------


@dataclass
class MeetingView:
    meeting: Musyawarah
    village: str
    held: str
    size: int = 0
    decided: int = 0


@dataclass
class AgendaLine:
    number: int
    item: MusyawarahItem
    request: Request
    ticket: str
    kind: str
    who: str
    dusun: str
    rt: str
    rw: str
    status: str
    flags: list[tuple[str, str, bool]] = field(default_factory=list)

    @property
    def decisions(self) -> list[tuple[str, str]]:
        """(code, label) the meeting can record for this request's kind."""
        return [(d.code, d.label) for d in request_kind(self.request.kind).decisions]

    @property
    def decision_label(self) -> str:
        chosen = request_kind(self.request.kind).decision(self.item.decision or "")
        return chosen.label if chosen else ""

    @property
    def note_needed_for(self) -> str:
        return " atau ".join(
            f"'{d.label}'" for d in request_kind(self.request.kind).decisions if d.note_required
        )

    def sheet_values(self) -> tuple[str, ...]:
        """The values of `staff.agenda_sheet.AGENDA_COLUMNS`, in order."""
        return (
            str(self.number),
            self.ticket,
            self.kind,
            self.who,
            self.dusun,
            self.rt,
            self.rw,
            ", ".join(label for _flag, label, _warn in self.flags),
            self.decision_label,
            self.item.note or "",
        )


def agenda_lines(
    pairs: Sequence[tuple[MusyawarahItem, Request]], workflows: Workflows
) -> list[AgendaLine]:
    lines = []
    for number, (item, request) in enumerate(pairs, start=1):
        dusun, rt, rw = address_parts(request)
        lines.append(
            AgendaLine(
                number=number,
                item=item,
                request=request,
                ticket=ticket_text(request.ticket),
                kind=KIND_LABELS.get(request.kind, request.kind),
                who=who(request),
                dusun=dusun,
                rt=rt,
                rw=rw,
                status=stage_label(workflows, request),
                flags=[(f, flag_label(f), f in WARNING_FLAGS) for f in request.flags or ()],
            )
        )
    return lines


def masked(number: str | None) -> str:
    return mask_nik(number) if number else "-"


@dataclass(frozen=True)
class ErasureRow:
    """A citizen's "hapus data saya" waiting in the staff member's area."""

    ticket: str  # as stored (for links)
    shown: str  # as read
    kind: str
    village: str
    asked: str
    due: str
    overdue: bool


def erasure_rows(
    requests: Sequence[Request], *, regions: RegionIndex, now: datetime
) -> list[ErasureRow]:
    rows = []
    for request in requests:
        due = erasure_due(request)
        rows.append(
            ErasureRow(
                ticket=request.ticket,
                shown=ticket_text(request.ticket),
                kind=KIND_LABELS.get(request.kind, request.kind),
                village=village_label(regions, request.village_code),
                asked=local_time(request.erasure_requested_at),
                due=local_time(due),
                overdue=due is not None and due < now,
            )
        )
    return rows

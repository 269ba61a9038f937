"""The village deliberation (musyawarah desa/kelurahan): agenda, decisions, closing.

- `plan`: a date and place for one village; the staff member must cover that village.
- `add_to_agenda`: requests of that village only. A request already in the workflow's
  deliberation stage is simply added. A request still in an earlier stage (normally
  "diterima") is first moved with the workflow action that leads from its stage to a
  deliberation stage ("agendakan" in every shipped workflow), through `move_request`, so
  the move is recorded and the citizen told "to be discussed at the village meeting". A
  request in any other stage, or already on another planned meeting's agenda, is refused.
  All or nothing per call.
- `record_decision`: the request kind's decision per agenda item (conversations/kinds.py):
  an usulan is "layak" or "tidak_layak", a sanggahan "diterima" (upheld: the data objected
  to is proposed for removal or correction) or "ditolak" (the data stays). The stopping
  decision needs a note, the reason the citizen will read.
- Participants: attendance is recorded per person with a role from the region's list
  (`[meeting] participant_roles` in its workflow file: TKSK, pendamping PKH, Babinsa, BPD,
  RT, RW...) or `lainnya`; a region can require roles (`required_roles`), and the meeting
  cannot be closed until each of them is present. Stored in `Musyawarah.attendance` as
  `{"name", "role"}` objects (older meetings hold plain names: role `lainnya`).
- `close`: refused while any item has no decision. Every request is moved with the
  workflow action its decision runs ("layak" / "tidak_layak", which every shipped
  workflow has from its deliberation stage; a regional workflow without them is refused
  with a message naming the workflow), each through `move_request`, which writes the
  citizen's notification to the outbox. The meeting is then closed with the Berita Acara
  number and date, the attendance and the signed minutes. The Berita Acara is recorded
  once as a document (`staff.documents`) and linked to every request moved, so each
  request's timeline shows it. One transaction (the caller's):
  if any move is refused, nothing is closed and nobody is notified.

Functions take the caller's session and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, cast

from sqlalchemy import func
from sqlmodel import Session, col, select

from conversations.kinds import request_kind
from conversations.tickets import format_ticket
from models.staff import log_access
from models.tables import (
    Musyawarah,
    MusyawarahItem,
    Request,
    StaffAccount,
    TransitionDocument,
)
from staff.documents import record_document
from staff.review import check_access, log_refusal, move_request, request_target
from staff.workflow import Role, TransitionRefused, Workflow, Workflows

PLANNED: Final = "planned"
CLOSED: Final = "closed"
# Anyone present whose role the region's list does not name.
OTHER_ROLE: Final = "lainnya"
OTHER_LABEL: Final = "Peserta lain"
BERITA_ACARA: Final = "berita_acara"


@dataclass(frozen=True)
class Participant:
    name: str
    role: str = OTHER_ROLE

    def stored(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role}


def participants(meeting: Musyawarah) -> list[Participant]:
    """Who attended, with their roles (plain names from older meetings: `lainnya`)."""
    found = []
    for entry in meeting.attendance or []:
        if isinstance(entry, Mapping):
            found.append(Participant(str(entry.get("name", "")), str(entry.get("role", ""))))
        else:
            found.append(Participant(str(entry)))
    return found


def role_label(workflow: Workflow, role: str) -> str:
    known = workflow.participant_role(role)
    return known.label.get() if known else OTHER_LABEL


def missing_roles(workflow: Workflow, present: Iterable[Participant]) -> list[str]:
    """Required roles (the region's file) with nobody present, in the file's order."""
    roles = {p.role for p in present}
    return [role for role in workflow.meeting.required_roles if role not in roles]


def _participant(entry: str | Participant | tuple[str, str]) -> Participant:
    if isinstance(entry, Participant):
        return Participant(" ".join(entry.name.split()), entry.role)
    if isinstance(entry, tuple):
        return Participant(" ".join(entry[0].split()), entry[1])
    return Participant(" ".join(entry.split()))


def next_meeting_date(workflow: Workflow, last: date | None, today: date) -> date | None:
    """The date a periodic musyawarah is next due (the region's schedule), or None."""
    schedule = workflow.meeting.schedule
    if schedule is None:
        return None
    if last is None:
        return today
    month = last.month - 1 + schedule.every_months
    year, month = last.year + month // 12, month % 12 + 1
    day = min(last.day, 28)
    return max(date(year, month, day), today)


class MeetingRefused(ValueError):
    """The meeting cannot do this (closed already, decision missing, wrong village...).

    The message is for staff, in Bahasa Indonesia: the dashboard shows it as it is."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _target(meeting: Musyawarah) -> str:
    return f"musyawarah:{meeting.id}"


def _refuse(
    session: Session,
    staff: StaffAccount,
    meeting: Musyawarah,
    *,
    action: str,
    at: datetime,
    reason: str,
    message: str,
) -> MeetingRefused:
    log_refusal(
        session,
        staff_id=staff.id,
        action=action,
        target=_target(meeting),
        at=at,
        detail=f"{reason}: {message}",
    )
    return MeetingRefused(reason, message)


def _allowed(
    session: Session,
    staff: StaffAccount,
    meeting: Musyawarah,
    *,
    action: str,
    at: datetime,
    detail: str,
) -> None:
    log_access(
        session,
        staff_id=staff.id,
        action=action,
        target=_target(meeting),
        allowed=True,
        at=at,
        detail=detail,
    )


def _must_be_planned(
    session: Session, staff: StaffAccount, meeting: Musyawarah, *, action: str, at: datetime
) -> None:
    if meeting.status != PLANNED:
        raise _refuse(
            session,
            staff,
            meeting,
            action=action,
            at=at,
            reason="meeting_closed",
            message=f"musyawarah tanggal {_day(meeting.held_on)} sudah ditutup",
        )


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


# -- planning --------------------------------------------------------------------------------


def plan(
    session: Session,
    *,
    village_code: str,
    held_on: datetime,
    place: str,
    staff: StaffAccount,
    at: datetime,
) -> Musyawarah:
    """Plan a musyawarah for one village (the staff member must cover it)."""
    check_access(
        session,
        staff,
        village_code,
        action="musyawarah.plan",
        target=f"village:{village_code}",
        at=at,
    )
    if village_code.count(".") != 3:
        raise ValueError(f"a musyawarah is held in a desa/kelurahan, not {village_code!r}")
    if not place.strip():
        raise ValueError("a musyawarah needs a place")
    meeting = Musyawarah(
        village_code=village_code,
        held_on=held_on,
        place=place.strip(),
        status=PLANNED,
        attendance=[],
        created_by=staff.id,
        created_at=at,
    )
    session.add(meeting)
    session.flush()
    _allowed(session, staff, meeting, action="musyawarah.plan", at=at, detail=village_code)
    return meeting


def agenda(session: Session, meeting: Musyawarah) -> list[tuple[MusyawarahItem, Request]]:
    """The agenda in order, each item with its request."""
    rows = session.exec(
        select(MusyawarahItem, Request)
        .join(Request, col(Request.id) == col(MusyawarahItem.request_id))
        .where(MusyawarahItem.musyawarah_id == meeting.id)
        .order_by(col(MusyawarahItem.position), col(MusyawarahItem.id))
    )
    return [(item, request) for item, request in rows]


def deliberation_stage_ids(workflow: Workflow) -> set[str]:
    return {stage.id for stage in workflow.stages if stage.kind == "deliberation"}


def _action_to_deliberation(workflow: Workflow, status: str, role: Role) -> str | None:
    """The action that takes a request from `status` straight to a deliberation stage."""
    deliberation = deliberation_stage_ids(workflow)
    for transition in workflow.actions(status, role):
        if transition.target in deliberation:
            return transition.action
    return None


def add_to_agenda(
    session: Session,
    meeting: Musyawarah,
    requests: Iterable[Request],
    *,
    staff: StaffAccount,
    workflows: Workflows,
    at: datetime,
) -> list[MusyawarahItem]:
    """Put requests of the meeting's village on its agenda (moving "diterima" ones there)."""
    action = "musyawarah.agenda"
    check_access(
        session, staff, meeting.village_code, action=action, target=_target(meeting), at=at
    )
    _must_be_planned(session, staff, meeting, action=action, at=at)
    assert meeting.id is not None
    workflow = workflows.for_village(meeting.village_code)
    deliberation = deliberation_stage_ids(workflow)
    existing = {item.request_id: item for item, _request in agenda(session, meeting)}
    position = max((item.position for item in existing.values()), default=0)
    added: list[MusyawarahItem] = []
    for request in requests:
        assert request.id is not None
        if request.id in existing:
            continue  # already on this agenda: adding twice is harmless
        if request.village_code != meeting.village_code:
            # Outside the staff member's area is an access refusal; inside it, a mistake.
            check_access(
                session,
                staff,
                request.village_code,
                action=action,
                target=request_target(request),
                at=at,
            )
            raise _refuse(
                session,
                staff,
                meeting,
                action=action,
                at=at,
                reason="other_village",
                message=f"{format_ticket(request.ticket)} berasal dari {request.village_code}, "
                f"bukan dari desa musyawarah ({meeting.village_code})",
            )
        if "consent_withdrawn" in request.flags:
            raise _refuse(
                session,
                staff,
                meeting,
                action=action,
                at=at,
                reason="consent_withdrawn",
                message=f"{format_ticket(request.ticket)}: warga menarik persetujuannya, "
                "jadi permohonan ini hanya boleh ditutup",
            )
        other = _planned_meeting_of(session, request, except_meeting=meeting)
        if other is not None:
            raise _refuse(
                session,
                staff,
                meeting,
                action=action,
                at=at,
                reason="on_other_agenda",
                message=f"{format_ticket(request.ticket)} sudah ada di agenda musyawarah "
                f"tanggal {_day(other.held_on)}",
            )
        if request.status not in deliberation:
            to_deliberation = _action_to_deliberation(
                workflow, request.status, cast(Role, staff.role)
            )
            if to_deliberation is None:
                stage = workflow.stage(request.status) if _known(workflow, request.status) else None
                shown = stage.label.get() if stage else request.status
                raise _refuse(
                    session,
                    staff,
                    meeting,
                    action=action,
                    at=at,
                    reason="wrong_stage",
                    message=f"{format_ticket(request.ticket)} ada di tahap '{shown}': hanya "
                    "permohonan yang baru diterima atau menunggu musyawarah bisa masuk agenda",
                )
            move_request(session, request, to_deliberation, staff=staff, workflows=workflows, at=at)
        position += 1
        item = MusyawarahItem(musyawarah_id=meeting.id, request_id=request.id, position=position)
        session.add(item)
        added.append(item)
        existing[request.id] = item
    session.flush()
    _allowed(session, staff, meeting, action=action, at=at, detail=f"{len(added)} added")
    return added


def _known(workflow: Workflow, status: str) -> bool:
    return any(stage.id == status for stage in workflow.stages)


def _planned_meeting_of(
    session: Session, request: Request, *, except_meeting: Musyawarah
) -> Musyawarah | None:
    return session.exec(
        select(Musyawarah)
        .join(MusyawarahItem, col(MusyawarahItem.musyawarah_id) == col(Musyawarah.id))
        .where(
            MusyawarahItem.request_id == request.id,
            Musyawarah.status == PLANNED,
            col(Musyawarah.id) != except_meeting.id,
        )
    ).first()


def remove_from_agenda(
    session: Session, meeting: Musyawarah, request: Request, *, staff: StaffAccount, at: datetime
) -> bool:
    """Take a request off a planned meeting's agenda (it keeps its stage). False: not on it."""
    action = "musyawarah.agenda_remove"
    check_access(
        session, staff, meeting.village_code, action=action, target=_target(meeting), at=at
    )
    _must_be_planned(session, staff, meeting, action=action, at=at)
    item = session.exec(
        select(MusyawarahItem).where(
            MusyawarahItem.musyawarah_id == meeting.id, MusyawarahItem.request_id == request.id
        )
    ).first()
    if item is None:
        return False
    session.delete(item)
    session.flush()
    _allowed(session, staff, meeting, action=action, at=at, detail=request_target(request))
    return True


# -- the meeting's decisions --------------------------------------------------------------------


def record_decision(
    session: Session,
    item: MusyawarahItem,
    decision: str,
    note: str | None,
    *,
    staff: StaffAccount,
    at: datetime,
    workflows: Workflows | None = None,
) -> MusyawarahItem:
    """Record the kind's decision (with the reason where it stops) for one agenda item.

    With `workflows`, a role that could not carry the decision out at closing is refused
    now rather than when the meeting is closed.
    """
    meeting = session.get(Musyawarah, item.musyawarah_id)
    assert meeting is not None
    action = "musyawarah.decide"
    check_access(
        session, staff, meeting.village_code, action=action, target=_target(meeting), at=at
    )
    _must_be_planned(session, staff, meeting, action=action, at=at)
    request = session.get(Request, item.request_id)
    assert request is not None
    kind = request_kind(request.kind)
    chosen = kind.decision(decision)
    if chosen is None:
        raise MeetingRefused(
            "unknown_decision",
            f"Pilih keputusan untuk {kind.staff_label.lower()}: "
            + " atau ".join(f"'{d.label}'" for d in kind.decisions)
            + ".",
        )
    cleaned = note.strip() if note and note.strip() else None
    if chosen.note_required and cleaned is None:
        raise MeetingRefused(
            "note_required",
            f"Untuk '{chosen.label}', tulis alasannya di catatan: warga akan membacanya.",
        )
    if workflows is not None:
        workflow = workflows.for_village(meeting.village_code)
        role = cast(Role, staff.role)
        allowed = {
            t.action
            for stage in deliberation_stage_ids(workflow)
            for t in workflow.actions(stage, role)
        }
        if chosen.action not in allowed:
            raise _refuse(
                session,
                staff,
                meeting,
                action=action,
                at=at,
                reason="role_not_allowed",
                message=f"peran {staff.role} tidak boleh mencatat '{chosen.label}' "
                f"di alur {workflow.id}",
            )
    item.decision = chosen.code
    item.note = cleaned
    session.add(item)
    session.flush()
    _allowed(session, staff, meeting, action=action, at=at, detail=f"item {item.id}: {chosen.code}")
    return item


def close(
    session: Session,
    meeting: Musyawarah,
    *,
    berita_acara_number: str,
    berita_acara_date: date | datetime,
    attendance: Sequence[str | Participant | tuple[str, str]],
    minutes_ref: str | None,
    staff: StaffAccount,
    workflows: Workflows,
    at: datetime,
) -> Musyawarah:
    """Close the meeting: move every request by its decision and notify every citizen."""
    action = "musyawarah.close"
    check_access(
        session, staff, meeting.village_code, action=action, target=_target(meeting), at=at
    )
    _must_be_planned(session, staff, meeting, action=action, at=at)
    number = berita_acara_number.strip()
    present = [p for p in map(_participant, attendance) if p.name]
    workflow = workflows.for_village(meeting.village_code)
    problems = []
    if not number:
        problems.append("nomor berita acara belum diisi")
    if not present:
        problems.append("daftar hadir masih kosong")
    unknown = sorted(
        {p.role for p in present if p.role != OTHER_ROLE and not workflow.participant_role(p.role)}
    )
    if unknown:
        problems.append(f"peran tidak ada di daftar daerah ini: {', '.join(unknown)}")
    if problems:
        raise MeetingRefused("minutes_incomplete", "; ".join(problems))
    absent = missing_roles(workflow, present)
    if absent:
        raise _refuse(
            session,
            staff,
            meeting,
            action=action,
            at=at,
            reason="quorum_missing",
            message="belum hadir: " + ", ".join(role_label(workflow, r) for r in absent),
        )
    items = agenda(session, meeting)
    undecided = [format_ticket(request.ticket) for item, request in items if item.decision is None]
    if undecided:
        raise _refuse(
            session,
            staff,
            meeting,
            action=action,
            at=at,
            reason="decision_missing",
            message=f"belum ada keputusan untuk {len(undecided)} permohonan: "
            f"{', '.join(undecided)}",
        )
    minutes = record_document(
        session,
        kind=BERITA_ACARA,
        number=number,
        issued_on=_as_moment(berita_acara_date).date(),
        area_code=meeting.village_code,
        staff=staff,
        at=at,
        file_ref=minutes_ref,
        musyawarah_id=meeting.id,
    )
    for item, request in items:
        chosen = request_kind(request.kind).decision(cast(str, item.decision))
        assert chosen is not None  # record_decision takes only the kind's decisions
        decision = chosen.action
        if not any(t.action == decision for t in workflow.actions(request.status)):
            if not any(
                t.action == decision
                for stage in deliberation_stage_ids(workflow)
                for t in workflow.actions(stage)
            ):
                message = (
                    f"alur {workflow.id} ({workflow.name}) tidak punya tindakan '{decision}' dari "
                    "tahap musyawarahnya: keputusan musyawarah tidak bisa dijalankan di sana"
                )
                raise _refuse(
                    session,
                    staff,
                    meeting,
                    action=action,
                    at=at,
                    reason="workflow_lacks_action",
                    message=message,
                )
            raise _refuse(
                session,
                staff,
                meeting,
                action=action,
                at=at,
                reason="request_moved",
                message=f"{format_ticket(request.ticket)} tidak lagi menunggu musyawarah "
                f"(sekarang '{request.status}'): keluarkan dulu dari agenda",
            )
        try:
            move_request(
                session,
                request,
                decision,
                staff=staff,
                workflows=workflows,
                note=item.note,
                documents=[minutes],
                at=at,
            )
        except TransitionRefused as refused:
            raise MeetingRefused(
                refused.reason, f"{format_ticket(request.ticket)}: {refused}"
            ) from refused
    meeting.berita_acara_number = number
    meeting.berita_acara_date = _as_moment(berita_acara_date)
    meeting.attendance = cast(Any, [p.stored() for p in present])
    meeting.minutes_ref = minutes_ref
    meeting.status = CLOSED
    meeting.closed_at = at
    session.add(meeting)
    session.flush()
    _allowed(
        session,
        staff,
        meeting,
        action=action,
        at=at,
        detail=f"BA {number}: {len(items)} decision(s)",
    )
    return meeting


def _as_moment(day: date | datetime) -> datetime:
    if isinstance(day, datetime):
        return day
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def attach_minutes(
    session: Session, meeting: Musyawarah, minutes_ref: str, *, staff: StaffAccount, at: datetime
) -> Musyawarah:
    """Attach (or replace) the signed minutes' file, also after closing."""
    action = "musyawarah.minutes"
    check_access(
        session, staff, meeting.village_code, action=action, target=_target(meeting), at=at
    )
    meeting.minutes_ref = minutes_ref
    session.add(meeting)
    for document in session.exec(
        select(TransitionDocument).where(
            TransitionDocument.musyawarah_id == meeting.id,
            TransitionDocument.kind == BERITA_ACARA,
        )
    ):
        document.file_ref = minutes_ref
        session.add(document)
    session.flush()
    _allowed(session, staff, meeting, action=action, at=at, detail=minutes_ref)
    return meeting


def next_meetings(session: Session, village_code: str, *, after: datetime) -> list[Musyawarah]:
    """Planned meetings of a village from `after` on, soonest first."""
    return list(
        session.exec(
            select(Musyawarah)
            .where(
                Musyawarah.village_code == village_code,
                Musyawarah.status == PLANNED,
                col(Musyawarah.held_on) >= after,
            )
            .order_by(col(Musyawarah.held_on))
        )
    )


def agenda_size(session: Session, meeting: Musyawarah) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(MusyawarahItem)
            .where(MusyawarahItem.musyawarah_id == meeting.id)
        ).one()
    )

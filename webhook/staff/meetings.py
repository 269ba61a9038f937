"""The musyawarah pages: plan a meeting, put requests on its agenda, print or download the
agenda, record each decision, close it with the Berita Acara, download its BNBA.

The rules (who may, what moves, who is told) are `staff.musyawarah`'s; these routes read
forms, call it, and show what it said in Bahasa Indonesia.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Final

from fastapi import APIRouter, File, Form, Request, UploadFile
from sqlmodel import Session, col, select
from starlette.responses import RedirectResponse, Response

from conversations.timezones import zone_for_area
from conversations.validators import dotted_code
from models.staff import staff_areas
from models.tables import INITIAL_STATUS, Musyawarah, MusyawarahItem, StaffAccount
from models.tables import Request as Citizen
from models.unit_of_work import UnitOfWork
from staff.agenda_sheet import export_agenda
from staff.bnba import BnbaSelection, ExportFormat
from staff.minutes import sniff_minutes_type
from staff.musyawarah import (
    OTHER_LABEL,
    OTHER_ROLE,
    MeetingRefused,
    Participant,
    add_to_agenda,
    agenda,
    attach_minutes,
    close,
    deliberation_stage_ids,
    missing_roles,
    next_meeting_date,
    participants,
    plan,
    record_decision,
    remove_from_agenda,
    role_label,
)
from staff.review import AccessRefused
from staff.workflow import TransitionRefused, Workflow
from webhook.staff import views
from webhook.staff.deps import (
    CsrfChecked,
    Dashboard,
    DashboardDep,
    NowDep,
    SessionDep,
    StaffDep,
    StaffRoute,
    WorkDep,
    clock,
    not_found,
    render,
)
from webhook.staff.documents import upload_bytes
from webhook.staff.shared import (
    PRIVATE,
    XLSX_TYPE,
    bnba_download,
    check_in_area,
    meetings_in,
    requests_by_tickets,
)

router = APIRouter(route_class=StaffRoute)

CANDIDATES_SHOWN: Final = 200
DONE: Final = {
    "planned": "Musyawarah sudah direncanakan. Tambahkan permohonan ke agendanya.",
    "added": "Permohonan sudah masuk agenda; warga diberi tahu.",
    "removed": "Permohonan dikeluarkan dari agenda.",
    "decided": "Keputusan disimpan.",
    "closed": "Musyawarah ditutup. Semua permohonan sudah dipindahkan dan warga diberi tahu.",
    "minutes": "Berita acara bertanda tangan sudah diunggah.",
}
EXTRA_ROWS: Final = 4  # empty participant rows beyond the required roles


def _people(workflow: Workflow, meeting: Musyawarah) -> list[tuple[str, str]]:
    """(name, role label) of everyone recorded as present."""
    return [(p.name, role_label(workflow, p.role)) for p in participants(meeting)]


def _participant_rows(workflow: Workflow, form: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The close form's rows: what was typed, else one row per required role, then blanks."""
    names, roles = form.get("p_name", []), form.get("p_role", [])
    if names:
        return list(zip(names, roles, strict=False))
    required = list(workflow.meeting.required_roles)
    blanks = max(EXTRA_ROWS, 8 - len(required))
    return [("", role) for role in required] + [("", "")] * blanks


def _target(meeting_id: int) -> str:
    return f"musyawarah:{meeting_id}"


def load_meeting(
    session: Session, staff: StaffAccount, meeting_id: int, *, action: str, at: datetime
) -> Musyawarah:
    """The meeting, if it is in the staff member's area; otherwise the 404 page (logged)."""
    meeting = session.get(Musyawarah, meeting_id)
    village = meeting.village_code if meeting else None
    check_in_area(session, staff, village, action=action, target=_target(meeting_id), at=at)
    assert meeting is not None
    return meeting


def _refusal_message(refused: MeetingRefused | TransitionRefused) -> str:
    """The meeting's own refusals say exactly what stopped it (in Bahasa Indonesia); the
    workflow's are told by their reason."""
    if isinstance(refused, MeetingRefused) and not isinstance(refused.__cause__, TransitionRefused):
        return f"Tidak bisa: {refused}."
    return "Tidak bisa: " + views.reason_text(refused.reason) + "."


# -- the list and planning ------------------------------------------------------------------


def _list_page(
    request: Request,
    board: Dashboard,
    session: Session,
    staff: StaffAccount,
    *,
    error: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    assert staff.id is not None
    areas = staff_areas(session, staff.id)
    villages = [(v, views.village_label(board.regions, v)) for v in views.villages_of(areas)]
    today = clock(request).astimezone(views.LOCAL_ZONE).date()
    return render(
        request,
        "musyawarah_list.html",
        status=status,
        staff=staff,
        title="Musyawarah",
        meetings=meetings_in(session, areas, regions=board.regions),
        villages=villages,
        periodic=_periodic(session, board, [code for code, _label in villages], today),
        error=error,
        form=form or {},
    )


def _periodic(
    session: Session, board: Dashboard, villages: list[str], today: date
) -> list[tuple[str, str, str]]:
    """For villages whose region holds the musyawarah periodically (Kapuas Hulu: "secara
    berkala"): (village, the next date it is due, the rule's source), when none is planned."""
    due = []
    for village in villages[:200]:
        workflow = board.workflows.for_village(village)
        schedule = workflow.meeting.schedule
        if schedule is None:
            continue
        held = list(
            session.exec(
                select(Musyawarah.held_on, Musyawarah.status)
                .where(Musyawarah.village_code == village)
                .order_by(col(Musyawarah.held_on).desc())
                .limit(1)
            )
        )
        if held and held[0][1] == "planned":
            continue  # the next one is already planned
        last = held[0][0].astimezone(views.LOCAL_ZONE).date() if held else None
        proposed = next_meeting_date(workflow, last, today)
        if proposed is not None:
            label = views.village_label(board.regions, village)
            due.append((label, proposed.isoformat(), schedule.source))
    return due


@router.get("/musyawarah")
def meeting_list(
    request: Request, board: DashboardDep, session: SessionDep, staff: StaffDep
) -> Response:
    return _list_page(request, board, session, staff)


@router.post("/musyawarah", dependencies=[CsrfChecked])
def plan_meeting(
    request: Request,
    board: DashboardDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    village_code: Annotated[str, Form(max_length=32)] = "",
    held_on: Annotated[str, Form(max_length=32)] = "",
    place: Annotated[str, Form(max_length=255)] = "",
) -> Response:
    form = {"village_code": village_code, "held_on": held_on, "place": place}
    village = dotted_code(village_code.strip())
    if village is None or board.regions.village(village) is None:
        return _list_page(
            request,
            board,
            session,
            staff,
            status=400,
            form=form,
            error="Pilih desa/kelurahan musyawarah.",
        )
    try:
        local = datetime.fromisoformat(held_on.strip())
    except ValueError:
        return _list_page(
            request,
            board,
            session,
            staff,
            status=400,
            form=form,
            error="Isi tanggal dan jam musyawarah.",
        )
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone_for_area(village))
    if not place.strip():
        return _list_page(
            request,
            board,
            session,
            staff,
            status=400,
            form=form,
            error="Isi tempat musyawarah.",
        )
    try:
        meeting = plan(
            session,
            village_code=village,
            held_on=local.astimezone(UTC),
            place=place,
            staff=staff,
            at=now,
        )
    except AccessRefused:
        return _list_page(
            request,
            board,
            session,
            staff,
            status=403,
            form=form,
            error="Desa/kelurahan itu di luar wilayah kerja Anda.",
        )
    return RedirectResponse(f"/staff/musyawarah/{meeting.id}?done=planned", status_code=303)


# -- one meeting ------------------------------------------------------------------------------


def _candidates(
    session: Session,
    board: Dashboard,
    meeting: Musyawarah,
    on_agenda: set[int],
    now: datetime,
) -> list[tuple[views.Row, str | None]]:
    """Open requests of the meeting's village that can go on its agenda, with the reason
    when one cannot (on another meeting's agenda, consent withdrawn)."""
    workflow = board.workflows.for_village(meeting.village_code)
    stages = {INITIAL_STATUS, *deliberation_stage_ids(workflow)}
    found = list(
        session.exec(
            select(Citizen)
            .where(
                Citizen.village_code == meeting.village_code,
                col(Citizen.status).in_(stages),
                col(Citizen.closed_at).is_(None),
            )
            .order_by(col(Citizen.created_at), col(Citizen.id))
            .limit(CANDIDATES_SHOWN)
        )
    )
    found = [r for r in found if r.id not in on_agenda]
    ids = [r.id for r in found if r.id is not None]
    elsewhere: set[int] = set()
    if ids:
        elsewhere = set(
            session.exec(
                select(MusyawarahItem.request_id)
                .join(Musyawarah, col(Musyawarah.id) == col(MusyawarahItem.musyawarah_id))
                .where(
                    col(MusyawarahItem.request_id).in_(ids),
                    Musyawarah.status == "planned",
                    col(Musyawarah.id) != meeting.id,
                )
            )
        )
    rows = views.queue_rows(
        session,
        found,
        workflows=board.workflows,
        regions=board.regions,
        today=now.astimezone(views.LOCAL_ZONE).date(),
    )
    result = []
    for row in rows:
        reason = None
        if row.request.id in elsewhere:
            reason = "sudah di agenda musyawarah lain"
        elif "consent_withdrawn" in (row.request.flags or []):
            reason = "warga menarik persetujuan"
        result.append((row, reason))
    return result


def _meeting_page(
    request: Request,
    board: Dashboard,
    session: Session,
    staff: StaffAccount,
    meeting: Musyawarah,
    *,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
    form: dict[str, str | list[str]] | None = None,
) -> Response:
    assert meeting.id is not None
    now = clock(request)
    zone = zone_for_area(meeting.village_code)
    workflow = board.workflows.for_village(meeting.village_code)
    lists = {k: v for k, v in (form or {}).items() if isinstance(v, list)}
    pairs = agenda(session, meeting)
    lines = views.agenda_lines(pairs, board.workflows)
    planned = meeting.status == "planned"
    candidates = (
        _candidates(session, board, meeting, {r.id for _i, r in pairs if r.id is not None}, now)
        if planned
        else []
    )
    return render(
        request,
        "musyawarah.html",
        status=status,
        staff=staff,
        title="Musyawarah " + views.local_day(meeting.held_on, zone),
        m=meeting,
        village=views.village_label(board.regions, meeting.village_code),
        held=views.local_time(meeting.held_on, zone),
        planned=planned,
        lines=lines,
        undecided=sum(1 for line in lines if line.item.decision is None),
        candidates=candidates,
        ba_date=views.local_day(meeting.berita_acara_date, UTC),
        today=now.astimezone(zone).date().isoformat(),
        error=error,
        done=DONE.get(done or ""),
        form={k: v for k, v in (form or {}).items() if isinstance(v, str)},
        people=_people(workflow, meeting),
        role_options=[(r.id, r.label.get()) for r in workflow.meeting.participant_roles]
        + [(OTHER_ROLE, OTHER_LABEL)],
        rows=_participant_rows(workflow, lists),
        required=[role_label(workflow, r) for r in workflow.meeting.required_roles],
        required_source=workflow.meeting.required_source,
    )


@router.get("/musyawarah/{meeting_id}")
def meeting_page(
    request: Request,
    board: DashboardDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    meeting_id: int,
    done: str | None = None,
) -> Response:
    meeting = load_meeting(session, staff, meeting_id, action="musyawarah.view", at=now)
    return _meeting_page(request, board, session, staff, meeting, done=done)


def add_to_meeting(
    request: Request,
    board: Dashboard,
    work: UnitOfWork,
    staff: StaffAccount,
    now: datetime,
    meeting_id: int,
    tickets: list[str],
) -> Response:
    """Put these tickets on the meeting's agenda: all of them, or none (with the reason)."""
    session = work.session
    meeting = load_meeting(session, staff, meeting_id, action="musyawarah.agenda", at=now)
    found, missing = requests_by_tickets(
        session, staff, tickets, action="musyawarah.agenda", at=now
    )
    if missing:
        return _meeting_page(
            request,
            board,
            session,
            staff,
            meeting,
            status=404,
            error="Tidak ditemukan di wilayah Anda: " + ", ".join(missing),
        )
    try:
        with work.attempt():
            add_to_agenda(session, meeting, found, staff=staff, workflows=board.workflows, at=now)
    except AccessRefused:  # undone; the refusal is kept
        return _meeting_page(
            request,
            board,
            session,
            staff,
            meeting,
            status=403,
            error="Sebagian permohonan tidak ditemukan di wilayah Anda. Tidak ada yang diubah.",
        )
    except (MeetingRefused, TransitionRefused) as refused:
        return _meeting_page(
            request,
            board,
            session,
            staff,
            meeting,
            status=409,
            error=_refusal_message(refused) + " Tidak ada yang diubah.",
        )
    return RedirectResponse(f"/staff/musyawarah/{meeting_id}?done=added", status_code=303)


@router.post("/musyawarah/{meeting_id}/items", dependencies=[CsrfChecked])
def add_items(
    request: Request,
    board: DashboardDep,
    work: WorkDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    meeting_id: int,
    tickets: Annotated[list[str], Form(alias="ticket")] = [],  # noqa: B006 - FastAPI copies
) -> Response:
    if not tickets:
        meeting = load_meeting(session, staff, meeting_id, action="musyawarah.agenda", at=now)
        return _meeting_page(
            request,
            board,
            session,
            staff,
            meeting,
            status=400,
            error="Centang dulu permohonan yang akan dimasukkan ke agenda.",
        )
    return add_to_meeting(request, board, work, staff, now, meeting_id, tickets)


def _item(session: Session, meeting: Musyawarah, item_id: int) -> MusyawarahItem:
    item = session.get(MusyawarahItem, item_id)
    if item is None or item.musyawarah_id != meeting.id:
        raise not_found()
    return item


@router.post("/musyawarah/{meeting_id}/items/{item_id}/remove", dependencies=[CsrfChecked])
def remove_item(
    request: Request,
    board: DashboardDep,
    work: WorkDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    meeting_id: int,
    item_id: int,
) -> Response:
    meeting = load_meeting(session, staff, meeting_id, action="musyawarah.agenda_remove", at=now)
    item = _item(session, meeting, item_id)
    citizen = session.get(Citizen, item.request_id)
    assert citizen is not None
    try:
        with work.attempt():
            remove_from_agenda(session, meeting, citizen, staff=staff, at=now)
    except MeetingRefused as refused:
        return _meeting_page(
            request, board, session, staff, meeting, status=409, error=_refusal_message(refused)
        )
    return RedirectResponse(f"/staff/musyawarah/{meeting_id}?done=removed", status_code=303)


@router.post("/musyawarah/{meeting_id}/items/{item_id}/decision", dependencies=[CsrfChecked])
def decide(
    request: Request,
    board: DashboardDep,
    work: WorkDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    meeting_id: int,
    item_id: int,
    decision: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    meeting = load_meeting(session, staff, meeting_id, action="musyawarah.decide", at=now)
    item = _item(session, meeting, item_id)
    try:
        with work.attempt():
            record_decision(
                session, item, decision, note, staff=staff, at=now, workflows=board.workflows
            )
    except MeetingRefused as refused:
        message = _refusal_message(refused)
        if refused.reason in ("note_required", "unknown_decision"):
            message = str(refused)  # names the kind's own decisions
        return _meeting_page(request, board, session, staff, meeting, status=400, error=message)
    return RedirectResponse(
        f"/staff/musyawarah/{meeting_id}?done=decided#item-{item_id}", status_code=303
    )


def _minutes_bytes(upload: UploadFile | None) -> bytes | None:
    """The uploaded signed minutes, checked; None when no file was chosen."""
    return upload_bytes(upload, "berita acara")


@router.post("/musyawarah/{meeting_id}/close", dependencies=[CsrfChecked])
def close_meeting(
    request: Request,
    board: DashboardDep,
    work: WorkDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    meeting_id: int,
    ba_number: Annotated[str, Form(max_length=128)] = "",
    ba_date: Annotated[str, Form(max_length=16)] = "",
    attendance: Annotated[str, Form(max_length=20_000)] = "",
    p_name: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies
    p_role: Annotated[list[str], Form()] = [],  # noqa: B006
    minutes: Annotated[UploadFile | None, File()] = None,
) -> Response:
    meeting = load_meeting(session, staff, meeting_id, action="musyawarah.close", at=now)
    form: dict[str, str | list[str]] = {
        "ba_number": ba_number,
        "ba_date": ba_date,
        "attendance": attendance,
        "p_name": [n[:128] for n in p_name[:100]],
        "p_role": [r[:48] for r in p_role[:100]],
    }

    def refuse(message: str, status: int = 400) -> Response:
        return _meeting_page(
            request, board, session, staff, meeting, status=status, error=message, form=form
        )

    try:
        day = date.fromisoformat(ba_date.strip())
    except ValueError:
        return refuse("Isi tanggal berita acara.")
    if not ba_number.strip():
        return refuse("Isi nomor berita acara.")
    workflow = board.workflows.for_village(meeting.village_code)
    people = [
        Participant(name.strip()[:128], role or OTHER_ROLE)
        for name, role in zip(p_name[:100], p_role[:100], strict=False)
        if name.strip()
    ] + [Participant(line.strip()[:128]) for line in attendance.splitlines() if line.strip()]
    if not people:
        return refuse("Isi daftar hadir: nama dan peran setiap peserta.")
    absent = missing_roles(workflow, people)
    if absent:
        names = ", ".join(role_label(workflow, r) for r in absent)
        return refuse(f"Belum bisa ditutup: belum ada yang hadir sebagai {names}.")
    try:
        data = _minutes_bytes(minutes)
    except ValueError as problem:
        return refuse(str(problem))
    stored = board.minutes.put(data).ref if data is not None else None
    try:
        with work.attempt():
            close(
                session,
                meeting,
                berita_acara_number=ba_number,
                berita_acara_date=day,
                attendance=people,
                minutes_ref=stored,
                staff=staff,
                workflows=board.workflows,
                at=now,
            )
    except (MeetingRefused, TransitionRefused, AccessRefused) as refused:
        if stored is not None:
            board.minutes.delete(stored)
        if isinstance(refused, AccessRefused):
            return refuse("Sebagian permohonan di luar wilayah kerja Anda.", 403)
        message = _refusal_message(refused)
        if refused.reason == "decision_missing":
            undecided = [
                views.ticket_text(r.ticket) for i, r in agenda(session, meeting) if not i.decision
            ]
            message = "Belum ada keputusan untuk: " + ", ".join(undecided) + "."
        return refuse(message, 409)
    except BaseException:
        if stored is not None:
            board.minutes.delete(stored)
        raise
    return RedirectResponse(f"/staff/musyawarah/{meeting_id}?done=closed", status_code=303)


@router.post("/musyawarah/{meeting_id}/minutes", dependencies=[CsrfChecked])
def upload_minutes(
    request: Request,
    board: DashboardDep,
    work: WorkDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    meeting_id: int,
    minutes: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Attach (or replace) the signed minutes, also after closing."""
    meeting = load_meeting(session, staff, meeting_id, action="musyawarah.minutes", at=now)
    try:
        data = _minutes_bytes(minutes)
    except ValueError as problem:
        return _meeting_page(
            request, board, session, staff, meeting, status=400, error=str(problem)
        )
    if data is None:
        return _meeting_page(
            request,
            board,
            session,
            staff,
            meeting,
            status=400,
            error="Pilih berkas berita acara (PDF atau foto).",
        )
    stored = board.minutes.put(data).ref
    try:
        with work.attempt():
            attach_minutes(session, meeting, stored, staff=staff, at=now)
    except BaseException:
        board.minutes.delete(stored)
        raise
    return RedirectResponse(f"/staff/musyawarah/{meeting_id}?done=minutes", status_code=303)


@router.get("/musyawarah/{meeting_id}/minutes")
def minutes_file(
    board: DashboardDep, session: SessionDep, staff: StaffDep, now: NowDep, meeting_id: int
) -> Response:
    meeting = load_meeting(session, staff, meeting_id, action="musyawarah.minutes_view", at=now)
    if not meeting.minutes_ref:
        raise not_found()
    try:
        data = board.minutes.get(meeting.minutes_ref)
    except KeyError:
        raise not_found() from None
    kind = sniff_minutes_type(data) or "application/octet-stream"
    return Response(data, media_type=kind, headers=PRIVATE)


# -- the agenda on paper and in Excel ------------------------------------------------------------


@router.get("/musyawarah/{meeting_id}/agenda")
def agenda_print(
    request: Request,
    board: DashboardDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    meeting_id: int,
) -> Response:
    """A page to print: no NIK, no objector, only what the meeting needs."""
    meeting = load_meeting(session, staff, meeting_id, action="musyawarah.agenda_print", at=now)
    zone = zone_for_area(meeting.village_code)
    return render(
        request,
        "agenda_print.html",
        staff=staff,
        title="Agenda musyawarah",
        m=meeting,
        village=views.village_label(board.regions, meeting.village_code),
        held=views.local_time(meeting.held_on, zone),
        lines=views.agenda_lines(agenda(session, meeting), board.workflows),
    )


@router.get("/musyawarah/{meeting_id}/berita-acara")
def berita_acara_print(
    request: Request,
    board: DashboardDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    meeting_id: int,
) -> Response:
    """The Berita Acara to print and sign: who attended in which role, and each decision.
    No NIK, no objector."""
    meeting = load_meeting(session, staff, meeting_id, action="musyawarah.ba_print", at=now)
    zone = zone_for_area(meeting.village_code)
    workflow = board.workflows.for_village(meeting.village_code)
    return render(
        request,
        "berita_acara_print.html",
        staff=staff,
        title="Berita Acara musyawarah",
        m=meeting,
        village=views.village_label(board.regions, meeting.village_code),
        held=views.local_time(meeting.held_on, zone),
        ba_date=views.local_day(meeting.berita_acara_date, UTC),
        people=_people(workflow, meeting),
        required=[role_label(workflow, r) for r in workflow.meeting.required_roles],
        required_source=workflow.meeting.required_source,
        lines=views.agenda_lines(agenda(session, meeting), board.workflows),
        workflow_name=workflow.name,
    )


@router.get("/musyawarah/{meeting_id}/agenda.xlsx")
def agenda_xlsx(
    board: DashboardDep, session: SessionDep, staff: StaffDep, now: NowDep, meeting_id: int
) -> Response:
    meeting = load_meeting(session, staff, meeting_id, action="musyawarah.agenda_export", at=now)
    zone = zone_for_area(meeting.village_code)
    rows = [
        line.sheet_values()
        for line in views.agenda_lines(agenda(session, meeting), board.workflows)
    ]
    data = export_agenda(
        session,
        meeting,
        village=views.village_label(board.regions, meeting.village_code),
        held=views.local_time(meeting.held_on, zone),
        rows=rows,
        staff=staff,
        at=now,
    )
    day = meeting.held_on.astimezone(zone).strftime("%Y%m%d")
    filename = f"agenda-musyawarah-{meeting.village_code}-{day}.xlsx"
    return Response(
        data,
        media_type=XLSX_TYPE,
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _meeting_bnba(
    work: UnitOfWork,
    staff: StaffAccount,
    now: datetime,
    meeting_id: int,
    fmt: ExportFormat,
    every_decision: bool,
) -> Response:
    meeting = load_meeting(work.session, staff, meeting_id, action="export.bnba", at=now)
    zone = zone_for_area(meeting.village_code)
    day = meeting.held_on.astimezone(zone).strftime("%Y%m%d")
    selection = BnbaSelection(
        area=meeting.village_code, musyawarah_id=meeting.id, all_decisions=every_decision
    )
    return bnba_download(
        work,
        selection,
        fmt,
        staff=staff,
        now=now,
        filename=f"bnba-{meeting.village_code}-musyawarah-{day}.{fmt}",
    )


@router.get("/musyawarah/{meeting_id}/bnba.xlsx")
def meeting_bnba_xlsx(
    work: WorkDep,
    staff: StaffDep,
    now: NowDep,
    meeting_id: int,
    semua: str | None = None,
) -> Response:
    """Layak requests only, unless `semua` (every request on the agenda)."""
    return _meeting_bnba(work, staff, now, meeting_id, "xlsx", bool(semua))


@router.get("/musyawarah/{meeting_id}/bnba.csv")
def meeting_bnba_csv(
    work: WorkDep,
    staff: StaffDep,
    now: NowDep,
    meeting_id: int,
    semua: str | None = None,
) -> Response:
    return _meeting_bnba(work, staff, now, meeting_id, "csv", bool(semua))

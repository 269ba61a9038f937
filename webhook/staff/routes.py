"""The staff dashboard under /staff: sign-in, the queue, a request's detail and actions,
photos, the BNBA export. The musyawarah pages are in `webhook.staff.meetings`.

Server-rendered pages with plain forms. Every POST carries a CSRF token; every page needs
a signed-in staff member; a request, photo or area outside the staff member's area is
answered with the same 404 page as one that does not exist, and the attempt is logged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, cast

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from sqlmodel import Session, select
from starlette.responses import FileResponse, RedirectResponse, Response

from conversations.kinds import CAPACITY_LABELS, request_kind
from conversations.kinds import NAMES as KINDS
from conversations.validators import dotted_code
from models.attachments import attachments_of, get_attachment
from models.blobs import BlobNotFound
from models.requests import members_of, proposer_of, status_history
from models.staff import log_access, staff_areas
from models.tables import Request as Citizen
from models.tables import StaffAccount, StaffChat
from staff import kind_words
from staff.access import EVERYWHERE, covers
from staff.bnba import LISTS, BnbaSelection, ExportFormat
from staff.chat_link import link_code
from staff.documents import document_label
from staff.erasure import (
    ErasureNotAsked,
    check_eraser,
    erase_as_asked,
    may_erase,
    waiting_for,
)
from staff.review import (
    AccessRefused,
    QueueFilters,
    forward_many,
    log_refusal,
    move_request,
    queue_for,
    request_target,
)
from staff.sign_in import accept_login, begin_login, finish_login, send_login_link
from staff.workflow import Role, TransitionRefused
from webhook.staff import meetings, penetapan, trail, views
from webhook.staff.auth import SESSION_COOKIE
from webhook.staff.deps import (
    STATIC_DIR,
    CsrfChecked,
    Dashboard,
    DashboardDep,
    LoginCsrfChecked,
    NowDep,
    PageError,
    SessionDep,
    StaffDep,
    StaffRoute,
    WorkDep,
    clear_session_cookie,
    engine_of,
    login_cookie,
    not_found,
    render,
    safe_next,
    set_login_cookie,
    set_session_cookie,
)
from webhook.staff.documents import DocumentForm, DocumentFormProblem, needed, record_from_form
from webhook.staff.shared import (
    PRIVATE,
    bnba_download,
    check_in_area,
    load_request,
    meetings_in,
    requests_by_tickets,
)

router = APIRouter(prefix="/staff", route_class=StaffRoute)

WRONG_LOGIN: Final = "Nama pengguna atau kata sandi salah."
LOCKED_OUT: Final = (
    "Terlalu banyak percobaan masuk yang gagal untuk nama pengguna ini. "
    "Coba lagi 15 menit lagi, atau minta tautan masuk."
)
LINK_ANSWER: Final = (
    "Jika nama pengguna itu terdaftar dan terhubung ke Telegram atau WhatsApp, "
    "tautan masuk sudah dikirim ke sana. Tautan berlaku 15 menit dan hanya sekali pakai."
)
ERASE_REFUSED: Final = (
    "Peran Anda tidak menghapus data warga. Penghapusan dilakukan oleh operator desa, "
    "kepala desa, operator SIKS-NG desa, Dinas Sosial atau administrator."
)
_STATIC_TYPES: Final = {"staff.css": "text/css; charset=utf-8", "staff.js": "text/javascript"}


# -- static files ----------------------------------------------------------------------------


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    if name not in _STATIC_TYPES:
        raise PageError(404, "Tidak ditemukan", "Berkas ini tidak ada.")
    return FileResponse(STATIC_DIR / name, media_type=_STATIC_TYPES[name])


# -- signing in ------------------------------------------------------------------------------


def _login_page(
    request: Request,
    board: Dashboard,
    *,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
    username: str = "",
    next_path: str = "/staff",
) -> Response:
    value = login_cookie(request)
    response = render(
        request,
        "login.html",
        status=status,
        csrf=board.auth.csrf_token(value),
        error=error,
        notice=notice,
        username=username,
        next_path=safe_next(next_path),
        title="Masuk",
    )
    set_login_cookie(response, value, board)
    return response


@router.get("/login")
def login_form(
    request: Request,
    board: DashboardDep,
    next_path: Annotated[str | None, Query(alias="next")] = None,
) -> Response:
    return _login_page(request, board, next_path=next_path or "/staff")


@router.post("/login", dependencies=[LoginCsrfChecked])
async def login(
    request: Request,
    board: DashboardDep,
    now: NowDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=500)] = "/staff",
) -> Response:
    # async, with the database work in short threadpool calls and the password check on
    # its own small pool: a flood of logins never holds the threads the webhooks need.
    name = username.strip()
    address = request.client.host if request.client else "unknown"
    engine = engine_of(request)
    admission, account = await board.auth.one_at_a_time(
        lambda: begin_login(engine, name, address, now)
    )
    if admission is None:
        return _login_page(
            request, board, status=429, error=LOCKED_OUT, username=name, next_path=next_path
        )
    right = await board.auth.check_password(account, password)
    checked = account if right else None
    await board.auth.one_at_a_time(lambda: finish_login(engine, admission, checked))
    if not right:
        return _login_page(
            request, board, status=401, error=WRONG_LOGIN, username=name, next_path=next_path
        )
    assert account is not None
    response = RedirectResponse(safe_next(next_path), status_code=303)
    set_session_cookie(response, board.auth.issue_session(account), board)
    return response


@router.post("/login/link", dependencies=[LoginCsrfChecked])
def login_link(
    request: Request,
    board: DashboardDep,
    session: SessionDep,
    now: NowDep,
    username: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Send a one-time link to the staff member's linked chats; the same answer whatever
    the username (it does not tell whether an account exists)."""
    send_login_link(
        session,
        username.strip(),
        link_for=lambda account: f"{board.base_url}/staff/link/{board.auth.issue_link(account)}",
        at=now,
    )
    return _login_page(request, board, notice=LINK_ANSWER)


@router.get("/link/{token}")
def link_form(request: Request, board: DashboardDep, token: str) -> Response:
    """A button, not an immediate sign-in: chat apps open links to build previews, and
    that must not use up the one-time link."""
    value = login_cookie(request)
    response = render(
        request,
        "link.html",
        csrf=board.auth.csrf_token(value),
        token=token,
        title="Masuk dengan tautan",
    )
    set_login_cookie(response, value, board)
    return response


@router.post("/link/{token}", dependencies=[LoginCsrfChecked])
def link_login(
    request: Request, board: DashboardDep, session: SessionDep, now: NowDep, token: str
) -> Response:
    account = board.auth.redeem_link(session, token, at=now)
    if account is None:
        raise PageError(
            400,
            "Tautan tidak berlaku",
            "Tautan ini sudah dipakai atau sudah kedaluwarsa. Minta tautan baru di halaman masuk.",
        )
    accept_login(session, account, username=account.username, at=now, detail="one-time link")
    response = RedirectResponse("/staff", status_code=303)
    set_session_cookie(response, board.auth.issue_session(account), board)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(
    request: Request, board: DashboardDep, session: SessionDep, staff: StaffDep, now: NowDep
) -> Response:
    board.auth.end_session(session, request.cookies.get(SESSION_COOKIE), at=now)
    response = RedirectResponse("/staff/login", status_code=303)
    clear_session_cookie(response, board)
    return response


# -- the queue ---------------------------------------------------------------------------------


def _text(value: str | None, limit: int = 60) -> str | None:
    value = (value or "").strip()
    return value[:limit] or None


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or "1"), 10_000))
    except ValueError:
        return 1


@router.get("")
def queue(
    request: Request,
    board: DashboardDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    kind: str | None = None,
    status: str | None = None,
    dusun: str | None = None,
    rt: str | None = None,
    rw: str | None = None,
    flag: str | None = None,
    mine: str | None = None,
    closed: str | None = None,
    page: str | None = None,
) -> Response:
    assert staff.id is not None
    areas = staff_areas(session, staff.id)
    filters = QueueFilters(
        kind=kind if kind in KINDS else None,
        status=_text(status, 64),
        dusun=_text(dusun),
        rt=_text(rt, 5),
        rw=_text(rw, 5),
        flag=flag if flag in views.FLAG_LABELS else None,
        mine=bool(mine),
        closed=bool(closed),
    )
    number = _page_number(page)
    error = None
    try:
        found = queue_for(
            session,
            staff,
            filters,
            workflows=board.workflows,
            limit=views.PAGE_SIZE + 1,
            offset=(number - 1) * views.PAGE_SIZE,
            at=now,
        )
    except ValueError:
        error = "RT dan RW diisi dengan angka, misalnya 3 atau 003."
        found = []
    more = len(found) > views.PAGE_SIZE
    found = found[: views.PAGE_SIZE]
    today = now.astimezone(views.LOCAL_ZONE).date()
    rows = views.queue_rows(
        session, found, workflows=board.workflows, regions=board.regions, today=today
    )
    query = filters.query()
    return render(
        request,
        "queue.html",
        staff=staff,
        title="Antrean permohonan",
        rows=rows,
        filters=filters,
        query=query,
        page=number,
        more=more,
        error=error,
        kinds=views.KIND_LABELS,
        statuses=views.status_options(board.workflows, areas),
        flag_options=[(f, views.FLAG_LABELS[f]) for f in views.FILTER_FLAGS],
        actions=views.bulk_actions(board.workflows, found, cast(Role, staff.role)),
        meetings=meetings_in(session, areas, planned_only=True, regions=board.regions),
        areas=[views.area_label(board.regions, a) for a in areas],
        role=views.role_words(board.workflows, staff.role, areas),
        erasures=views.erasure_rows(waiting_for(session, staff), regions=board.regions, now=now),
    )


@router.post("/bulk", dependencies=[CsrfChecked])
def bulk(
    request: Request,
    board: DashboardDep,
    work: WorkDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    tickets: Annotated[list[str], Form(alias="ticket")] = [],  # noqa: B006 - FastAPI copies
    action: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    intent: Annotated[str, Form(max_length=16)] = "move",
    musyawarah_id: Annotated[str, Form(max_length=12)] = "",
    doc_number: Annotated[str, Form(max_length=128)] = "",
    doc_date: Annotated[str, Form(max_length=16)] = "",
    doc_note: Annotated[str, Form(max_length=500)] = "",
    doc_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """One workflow action for every selected request (or onto a meeting's agenda)."""
    if not tickets:
        raise PageError(400, "Belum ada yang dipilih", "Centang dulu permohonan di antrean.")
    if intent == "agenda":
        if not musyawarah_id.isdigit():
            raise PageError(400, "Pilih musyawarah", "Pilih musyawarah yang dituju.")
        return meetings.add_to_meeting(
            request, board, work, staff, now, int(musyawarah_id), tickets
        )
    if not action:
        raise PageError(400, "Pilih tindakan", "Pilih tindakan untuk permohonan yang dicentang.")
    found, missing = requests_by_tickets(session, staff, tickets, action=f"move:{action}", at=now)
    # A document the action needs (an SK, a Berita Acara) is recorded once for the batch.
    kinds: list[str] = []
    for row in found:
        for kind in needed(board.workflows.for_village(row.village_code), row.status, action):
            if kind not in kinds:
                kinds.append(kind)
    documents = []
    if kinds and found:
        try:
            documents = record_from_form(
                session,
                board,
                DocumentForm(doc_number, doc_date, doc_note, doc_file),
                workflow=board.workflows.for_village(found[0].village_code),
                kinds=kinds,
                area_code=found[0].village_code[:5],
                staff=staff,
                at=now,
            )
        except DocumentFormProblem as problem:
            raise PageError(400, "Dokumen belum lengkap", str(problem)) from None
    report = forward_many(
        session,
        found,
        action,
        staff=staff,
        workflows=board.workflows,
        note=note,
        documents=documents,
        at=now,
    )
    moved = []
    for ticket, change in report.moved:
        request_row = next(r for r in found if r.ticket == ticket)
        workflow = board.workflows.for_village(request_row.village_code)
        moved.append(
            (
                views.ticket_text(ticket),
                kind_words.stage_label(request_row.kind, workflow.stage(change.to_status)),
            )
        )
    refused = [
        (views.ticket_text(ticket), views.reason_text(reason))
        for ticket, reason, _message in report.refused
    ] + [(ticket, views.reason_text("not_found")) for ticket in missing]
    return render(
        request,
        "bulk_report.html",
        staff=staff,
        title="Hasil tindakan",
        moved=moved,
        refused=refused,
    )


# -- one request ----------------------------------------------------------------------------


def _detail(
    request: Request,
    board: Dashboard,
    session: Session,
    staff: StaffAccount,
    citizen: Citizen,
    now: datetime,
    *,
    reveal: bool = False,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    assert citizen.id is not None
    workflow = board.workflows.for_village(citizen.village_code)
    stage = views.stage_of(board.workflows, citizen)
    changes = status_history(session, citizen.id)
    entered = changes[-1].at if changes else citizen.updated_at
    today = now.astimezone(views.LOCAL_ZONE).date()
    actions = []
    if stage is not None and not stage.terminal and citizen.erased_at is None:
        withdrawn = "consent_withdrawn" in (citizen.flags or [])
        for transition in workflow.actions(citizen.status, cast(Role, staff.role)):
            target = workflow.stage(transition.target)
            if withdrawn and not target.terminal:
                continue
            actions.append(
                (
                    transition,
                    kind_words.action_label(citizen.kind, workflow, transition),
                    kind_words.stage_label(citizen.kind, target),
                )
            )
    photos = [
        (a.ref, views.PHOTO_LABELS.get(a.purpose or "", "Foto"))
        for a in attachments_of(session, citizen.id)
    ]
    members = [
        (m.position, m.name, m.nik or "-", views.relationship_label(m.relationship))
        for m in members_of(session, citizen.id)
    ]
    # Who proposed the household in their capacity (RT/RW...): apart from the household.
    proposer = proposer_of(session, citizen.id)
    return render(
        request,
        "request.html",
        status=status,
        staff=staff,
        title=f"Permohonan {views.ticket_text(citizen.ticket)}",
        r=citizen,
        ticket=views.ticket_text(citizen.ticket),
        kind=views.KIND_LABELS.get(citizen.kind, citizen.kind),
        about_someone_else=request_kind(citizen.kind).about_someone_else,
        village=views.village_label(board.regions, citizen.village_code),
        place=views.place_text(citizen),
        stage=views.stage_label(board.workflows, citizen),
        timing=views.timing(workflow, stage, entered, today),
        flags=[(f, views.flag_label(f), f in views.WARNING_FLAGS) for f in citizen.flags or ()],
        answers=views.answer_list(
            citizen, board.regions, reveal=reveal, skip=views.HEADLINE_ANSWERS
        ),
        card_fields=views.card_field_labels(citizen),
        members=members,
        proposer=proposer,
        capacity=CAPACITY_LABELS.get(proposer.capacity, proposer.capacity) if proposer else None,
        photos=photos,
        location=views.location_of(citizen),
        timeline=views.timeline(session, changes, workflow, citizen.kind),
        access=views.access_history(session, request_target(citizen)),
        actions=actions,
        document_labels={
            t.action: ", ".join(document_label(workflow, kind).get() for kind in t.documents)
            for t, _label, _destination in actions
        },
        reveal=reveal,
        objector_nik=citizen.nik if reveal else views.masked(citizen.nik),
        objector_name=citizen.name if reveal else "(dirahasiakan)",
        erasure=views.erasure_rows([citizen], regions=board.regions, now=now)[0]
        if citizen.erasure_requested_at and citizen.erased_at is None
        else None,
        erased=views.local_time(citizen.erased_at) if citizen.erased_at else None,
        may_erase=may_erase(staff),
        error=error,
        done=done,
    )


@router.get("/requests/{ticket}")
def request_detail(
    request: Request,
    board: DashboardDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    ticket: str,
    done: str | None = None,
) -> Response:
    citizen = load_request(session, staff, ticket, action="view", at=now)
    # The page shows NIK, KK, names and the address: logged like a reveal or an export.
    log_access(
        session,
        staff_id=staff.id,
        action="view",
        target=request_target(citizen),
        allowed=True,
        at=now,
    )
    message = {
        "moved": "Tahap permohonan sudah diubah; warga diberi tahu.",
        "erased": "Data pribadi permohonan ini sudah dihapus; warga diberi tahu.",
    }.get(done or "")
    return _detail(request, board, session, staff, citizen, now, done=message)


@router.post("/requests/{ticket}/move", dependencies=[CsrfChecked])
def move(
    request: Request,
    board: DashboardDep,
    work: WorkDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    ticket: str,
    action: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    doc_number: Annotated[str, Form(max_length=128)] = "",
    doc_date: Annotated[str, Form(max_length=16)] = "",
    doc_note: Annotated[str, Form(max_length=500)] = "",
    doc_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    citizen = load_request(session, staff, ticket, action=f"move:{action}", at=now)
    workflow = board.workflows.for_village(citizen.village_code)
    paper = DocumentForm(doc_number, doc_date, doc_note, doc_file)
    try:
        with work.attempt():
            documents = record_from_form(
                session,
                board,
                paper,
                workflow=workflow,
                kinds=needed(workflow, citizen.status, action),
                area_code=citizen.village_code,
                staff=staff,
                at=now,
            )
            move_request(
                session,
                citizen,
                action,
                staff=staff,
                workflows=board.workflows,
                note=note,
                documents=documents,
                at=now,
            )
    except AccessRefused:
        raise not_found() from None
    except DocumentFormProblem as problem:
        citizen = load_request(session, staff, ticket, action="view", at=now)
        return _detail(request, board, session, staff, citizen, now, error=str(problem), status=400)
    except TransitionRefused as refused:
        # Undone, but the refusal itself is kept (staff.review.log_refusal).
        citizen = load_request(session, staff, ticket, action="view", at=now)
        message = "Tidak bisa: " + views.reason_text(refused.reason) + "."
        return _detail(request, board, session, staff, citizen, now, error=message, status=400)
    return RedirectResponse(f"/staff/requests/{citizen.ticket}?done=moved", status_code=303)


@router.post("/requests/{ticket}/erase", dependencies=[CsrfChecked])
def erase_request(
    board: DashboardDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    ticket: str,
    sure: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """A citizen's "hapus data saya": anonymise the request, log it, tell the citizen."""
    citizen = load_request(session, staff, ticket, action="erase", at=now)
    try:
        check_eraser(session, staff, citizen, at=now)
        if sure != "ya":
            raise PageError(400, "Belum dikonfirmasi", "Centang dulu kotak konfirmasi penghapusan.")
        erase_as_asked(session, board.photos, citizen, staff=staff, at=now)
    except AccessRefused as refused:
        if refused.reason != "role":
            raise not_found() from None
        # The request is in their area (they see its page): saying why is no leak.
        raise PageError(403, "Tidak berwenang", ERASE_REFUSED) from None
    except ErasureNotAsked:
        raise PageError(
            400, "Tidak diminta", "Warga tidak meminta penghapusan ini, atau sudah dihapus."
        ) from None
    return RedirectResponse(f"/staff/requests/{citizen.ticket}?done=erased", status_code=303)


@router.post("/requests/{ticket}/reveal", dependencies=[CsrfChecked])
def reveal_objector(
    request: Request,
    board: DashboardDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    ticket: str,
) -> Response:
    """Show a sanggahan's objector (NIK, name) once, and log that it was shown."""
    citizen = load_request(session, staff, ticket, action="reveal_objector", at=now)
    if not request_kind(citizen.kind).about_someone_else:
        raise PageError(
            400, "Bukan sanggahan", "Hanya sanggahan yang identitas pelapornya dirahasiakan."
        )
    log_access(
        session,
        staff_id=staff.id,
        action="reveal_objector",
        target=request_target(citizen),
        allowed=True,
        at=now,
    )
    return _detail(request, board, session, staff, citizen, now, reveal=True)


@router.get("/attachments/{ref}")
def attachment(
    board: DashboardDep, session: SessionDep, staff: StaffDep, now: NowDep, ref: str
) -> Response:
    """A request's photo, for staff whose area covers the request (never cached)."""
    found = get_attachment(session, ref[:64])
    citizen = session.get(Citizen, found.request_id) if found and found.request_id else None
    check_in_area(
        session,
        staff,
        citizen.village_code if citizen else None,
        action="attachment",
        target=request_target(citizen) if citizen else f"attachment:{ref[:40]}",
        at=now,
    )
    assert found is not None
    try:
        data = board.photos.get(found.ref)
    except BlobNotFound:
        raise not_found() from None
    return Response(data, media_type=found.content_type, headers=PRIVATE)


# -- BNBA export -------------------------------------------------------------------------------


@router.get("/chat")
def chat_link_page(
    request: Request, board: DashboardDep, session: SessionDep, staff: StaffDep, now: NowDep
) -> Response:
    """The code a staff member sends to the bot to link their Telegram or WhatsApp chat."""
    assert staff.id is not None
    linked = session.exec(select(StaffChat).where(StaffChat.staff_id == staff.id)).all()
    return render(
        request,
        "chat_link.html",
        staff=staff,
        title="Hubungkan chat",
        message=f"HUBUNGKAN {staff.username} {link_code(board.secret, staff, now)}",
        linked=[(c.channel, c.recipient) for c in linked],
    )


@router.get("/export")
def export_form(
    request: Request, board: DashboardDep, session: SessionDep, staff: StaffDep
) -> Response:
    assert staff.id is not None
    areas = staff_areas(session, staff.id)
    return render(
        request,
        "export.html",
        staff=staff,
        title="Ekspor daftar",
        areas=[(a, views.area_label(board.regions, a)) for a in areas if a != EVERYWHERE],
        everywhere=EVERYWHERE in areas,
        statuses=views.status_options(board.workflows, areas),
        lists=[(kind, spec.label) for kind, spec in LISTS.items()],
    )


@router.get("/export/bnba")
def export_area(
    board: DashboardDep,
    work: WorkDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    area: str = "",
    other: str = "",
    fmt: str = "xlsx",
    status: str = "",
    daftar: str = "usulan",
    ditarik: str = "",
) -> Response:
    """A kind's list (the usulan's BNBA, the sanggahan's, the perbaikan's, the laporan
    perubahan's) of an area the staff member covers, or a part of it. Requests whose
    citizen withdrew consent only with `ditarik` (recorded in the export log)."""
    assert staff.id is not None
    wanted = dotted_code(other.strip() or area.strip())
    if wanted is None:
        raise PageError(400, "Kode wilayah salah", "Pilih wilayah, atau tulis kode wilayah.")
    if fmt not in ("xlsx", "csv"):
        raise PageError(400, "Format salah", "Pilih XLSX atau CSV.")
    if daftar not in LISTS:
        raise PageError(400, "Daftar tidak dikenal", "Pilih salah satu daftar.")
    areas = staff_areas(session, staff.id)
    if not covers(areas, wanted):
        log_refusal(
            session,
            staff_id=staff.id,
            action="export.bnba",
            target=f"area:{wanted}",
            at=now,
            detail=f"outside area: {wanted} not in {', '.join(areas) or '-'}",
        )
        raise PageError(403, "Di luar wilayah", "Wilayah ini di luar wilayah kerja Anda.")
    statuses = (status.strip()[:64],) if status.strip() else ()
    selection = BnbaSelection(
        area=wanted, statuses=statuses, kind=daftar, include_withdrawn=bool(ditarik)
    )
    day = now.astimezone(views.LOCAL_ZONE).strftime("%Y%m%d")
    return bnba_download(
        work,
        selection,
        cast(ExportFormat, fmt),
        staff=staff,
        now=now,
        filename=f"{selection.spec.name}-{wanted}-{day}.{fmt}",
        workflows=board.workflows,
    )


router.include_router(meetings.router)
router.include_router(penetapan.router)
router.include_router(trail.router)


@router.api_route("/{rest:path}", methods=["GET", "POST"])
def unknown_page(request: Request, rest: str) -> Response:
    """Any other address under /staff: the dashboard's own page, not the API's JSON."""
    if request.method == "GET" and (not rest or rest.endswith("/")):
        trimmed = rest.strip("/")  # "/staff/" and "/staff/export/" are meant without it
        return RedirectResponse(f"/staff/{trimmed}" if trimmed else "/staff", status_code=303)
    raise PageError(404, "Tidak ditemukan", "Halaman ini tidak ada di dasbor petugas.")

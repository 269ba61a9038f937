"""The penetapan page: Dinas Sosial records the Minister's monthly decision for the requests
waiting for it, from the uploaded list or request by request (`staff.penetapan`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import Response

from conversations.tickets import format_ticket
from staff.penetapan import (
    Decision,
    PenetapanProblem,
    decisions_from_form,
    parse_list,
    parse_month,
    record_penetapan,
    waiting_for_penetapan,
)
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
    render,
)
from webhook.staff.documents import upload_bytes

router = APIRouter(route_class=StaffRoute)

MAX_LIST_BYTES: Final = 2 * 1024 * 1024
MONTHS: Final = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
DECISION_LABELS: Final = {"ditetapkan": "Ditetapkan", "tidak_ditetapkan": "Tidak ditetapkan"}


def month_name(month: str) -> str:
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def _page(
    request: Request,
    board: Dashboard,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    waiting = waiting_for_penetapan(session, staff, board.workflows)
    rows = views.queue_rows(
        session,
        waiting,
        workflows=board.workflows,
        regions=board.regions,
        today=now.astimezone(views.LOCAL_ZONE).date(),
    )
    return render(
        request,
        "penetapan.html",
        status=status,
        staff=staff,
        title="Penetapan Menteri Sosial",
        rows=rows,
        month=now.astimezone(views.LOCAL_ZONE).strftime("%Y-%m"),
        today=now.astimezone(views.LOCAL_ZONE).date().isoformat(),
        error=error,
    )


@router.get("/penetapan")
def penetapan_page(
    request: Request, board: DashboardDep, session: SessionDep, staff: StaffDep, now: NowDep
) -> Response:
    return _page(request, board, session, staff, now)


@router.post("/penetapan", dependencies=[CsrfChecked])
async def record(
    request: Request,
    board: DashboardDep,
    work: WorkDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    month: Annotated[str, Form(max_length=7)] = "",
    number: Annotated[str, Form(max_length=128)] = "",
    issued_on: Annotated[str, Form(max_length=16)] = "",
    listing: Annotated[UploadFile | None, File()] = None,
    scan: Annotated[UploadFile | None, File()] = None,
) -> Response:
    form = await request.form()
    choices = {
        str(key)[len("d_") :]: str(value)
        for key, value in form.multi_items()
        if str(key).startswith("d_") and isinstance(value, str)
    }
    try:
        chosen = parse_month(month)
        try:
            day = date.fromisoformat(issued_on.strip())
        except ValueError:
            raise PenetapanProblem("Isi tanggal penetapan.") from None
        decisions: list[Decision] = decisions_from_form(choices)
        if listing is not None and listing.filename:
            data = await listing.read(MAX_LIST_BYTES + 1)
            if len(data) > MAX_LIST_BYTES:
                raise PenetapanProblem("Daftar penetapan lebih dari 2 MB.")
            text = data.decode("utf-8-sig", errors="replace")
            decisions = [*parse_list(text), *decisions]
        if not decisions:
            raise PenetapanProblem(
                "Pilih keputusan untuk setidaknya satu permohonan, atau unggah daftarnya."
            )
        try:
            stored_data = upload_bytes(scan, "penetapan")
        except ValueError as problem:
            raise PenetapanProblem(str(problem)) from None
    except PenetapanProblem as problem:
        return _page(request, board, session, staff, now, error=str(problem), status=400)
    stored = board.minutes.put(stored_data).ref if stored_data is not None else None
    try:
        with work.attempt():
            report = record_penetapan(
                session,
                decisions,
                month=chosen,
                number=number or f"Penetapan DTSEN {month_name(chosen)}",
                issued_on=day,
                file_ref=stored,
                staff=staff,
                workflows=board.workflows,
                at=now,
                month_name=month_name(chosen),
            )
    except BaseException:
        if stored is not None:
            board.minutes.delete(stored)
        raise
    return render(
        request,
        "bulk_report.html",
        staff=staff,
        title="Penetapan dicatat",
        moved=[(format_ticket(t), DECISION_LABELS[d]) for t, d in report.moved],
        refused=[(format_ticket(t), views.reason_text(r)) for t, r in report.refused],
    )

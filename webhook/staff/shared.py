"""Steps several dashboard routes take: finding a request in the staff member's area,
finding meetings in it, sending a BNBA file."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import func
from sqlmodel import Session, col, select
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

from conversations.timezones import zone_for_area
from conversations.validators import RegionIndex
from models.requests import get_request_by_ticket
from models.tables import Musyawarah, MusyawarahItem, Request, StaffAccount
from models.unit_of_work import UnitOfWork
from staff.bnba import BnbaError, BnbaSelection, ExportFormat, export_bnba
from staff.review import AccessRefused, area_condition, check_access, log_refusal, request_target
from staff.workflow import Workflows
from webhook.staff import views
from webhook.staff.deps import PageError, not_found

XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE: Final = "text/csv; charset=utf-8"
PRIVATE: Final = {"Cache-Control": "private, no-store"}


def check_in_area(
    session: Session,
    staff: StaffAccount,
    village_code: str | None,
    *,
    action: str,
    target: str,
    at: datetime,
) -> None:
    """Go on only if something was found (`village_code`) in the staff member's area.
    Otherwise the same 404 page either way, with the attempt logged: existence is not
    told, and guessing tickets or addresses shows in the access log."""
    if village_code is None:
        log_refusal(
            session, staff_id=staff.id, action=action, target=target, at=at, detail="not_found"
        )
        raise not_found()
    try:
        check_access(session, staff, village_code, action=action, target=target, at=at)
    except AccessRefused:
        raise not_found() from None


def load_request(
    session: Session, staff: StaffAccount, ticket: str, *, action: str, at: datetime
) -> Request:
    """The request, if the staff member's area covers it; otherwise the 404 page."""
    request = get_request_by_ticket(session, ticket)
    target = request_target(request) if request else f"request:{ticket[:40]}"
    village = request.village_code if request else None
    check_in_area(session, staff, village, action=action, target=target, at=at)
    assert request is not None
    return request


def requests_by_tickets(
    session: Session, staff: StaffAccount, tickets: Sequence[str], *, action: str, at: datetime
) -> tuple[list[Request], list[str]]:
    """The requests for these tickets in the staff member's area, and the tickets that
    match nothing there: one answer for "not in your area" and "does not exist" (the
    attempt is logged either way), so a batch cannot probe another area's tickets."""
    found, missing = [], []
    for ticket in dict.fromkeys(t.strip() for t in tickets if t.strip()):
        request = get_request_by_ticket(session, ticket)
        target = request_target(request) if request else f"request:{ticket[:40]}"
        village = request.village_code if request else None
        try:
            check_in_area(session, staff, village, action=action, target=target, at=at)
        except PageError:
            missing.append(ticket)
            continue
        assert request is not None
        found.append(request)
    return found, missing


def meetings_in(
    session: Session,
    areas: Sequence[str],
    *,
    regions: RegionIndex,
    planned_only: bool = False,
    limit: int = 100,
) -> list[views.MeetingView]:
    """Meetings in these areas: planned ones (soonest first), then closed ones (latest
    first), at most `limit` of each."""
    scope = area_condition(list(areas), col(Musyawarah.village_code))
    meetings: list[Musyawarah] = []
    kinds: list[tuple[str, Any]] = [("planned", col(Musyawarah.held_on))]
    if not planned_only:
        kinds.append(("closed", col(Musyawarah.held_on).desc()))
    for status, order in kinds:
        statement = select(Musyawarah).where(Musyawarah.status == status)
        if scope is not None:
            statement = statement.where(scope)
        statement = statement.order_by(order, col(Musyawarah.id)).limit(limit)
        meetings.extend(session.exec(statement))
    counts: dict[int, tuple[int, int]] = {}
    ids = [m.id for m in meetings if m.id is not None]
    if ids:
        rows = session.exec(
            select(
                MusyawarahItem.musyawarah_id,
                func.count(),
                func.count(col(MusyawarahItem.decision)),
            )
            .where(col(MusyawarahItem.musyawarah_id).in_(ids))
            .group_by(col(MusyawarahItem.musyawarah_id))
        )
        counts = {meeting_id: (size, decided) for meeting_id, size, decided in rows}
    return [
        views.MeetingView(
            meeting=m,
            village=views.village_label(regions, m.village_code),
            held=views.local_time(m.held_on, zone_for_area(m.village_code)),
            size=counts.get(m.id or 0, (0, 0))[0],
            decided=counts.get(m.id or 0, (0, 0))[1],
        )
        for m in meetings
    ]


def bnba_download(
    work: UnitOfWork,
    selection: BnbaSelection,
    fmt: ExportFormat,
    *,
    staff: StaffAccount,
    now: datetime,
    filename: str,
    workflows: Workflows | None = None,
) -> Response:
    """Write the list to a private temporary file (logged in ExportLog) and send it."""
    staff_id = staff.id
    # The export reads and logs on connections of its own: end this request's transaction
    # first (on SQLite it holds the one write lock), and touch no loaded row afterwards.
    work.release()
    folder = Path(tempfile.mkdtemp(prefix="dtsen-bnba-"))
    try:
        rows = export_bnba(
            work.engine,
            selection,
            folder / filename,
            fmt,
            staff_id=staff_id,
            now=now,
            workflows=workflows,
        )
    except BnbaError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise PageError(400, "Ekspor tidak bisa dibuat", f"{error}.") from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        folder / filename,
        media_type=XLSX_TYPE if fmt == "xlsx" else CSV_TYPE,
        filename=filename,
        headers={**PRIVATE, "X-Rows": str(rows)},
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )

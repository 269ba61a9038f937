"""The "Jejak akses" page: the access trail of `staff.audit` for the Kepala Dinas Sosial
and the administrator, filtered by kind, staff member and dates, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Final

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import Response

from conversations.tickets import format_ticket
from models.staff import get_staff, log_access, staff_areas
from staff.audit import (
    MAX_OFFSET,
    PAGE_SIZE,
    TRAIL_VIEWS,
    TrailEntry,
    TrailQuery,
    TrailView,
    audit_trail,
    may_audit,
)
from staff.bnba import LISTS
from staff.review import log_refusal
from webhook.staff import views
from webhook.staff.deps import (
    Dashboard,
    DashboardDep,
    NowDep,
    PageError,
    SessionDep,
    StaffDep,
    StaffRoute,
    render,
)

router = APIRouter(route_class=StaffRoute)

ACTION_LABELS: Final = {
    **views.ACCESS_LABELS,
    "export": "Mengunduh daftar",
    "export.bnba": "Mengunduh daftar",
    "musyawarah.view": "Membuka musyawarah",
    "musyawarah.plan": "Merencanakan musyawarah",
    "musyawarah.agenda_export": "Mengunduh agenda musyawarah",
    "musyawarah.agenda_print": "Mencetak agenda musyawarah",
    "musyawarah.ba_print": "Mencetak berita acara",
    "musyawarah.minutes": "Mengunggah notulen",
    "musyawarah.minutes_view": "Membuka notulen",
    "login": "Masuk dengan kata sandi",
    "login_link": "Masuk dengan tautan sekali pakai",
    "login_link_sent": "Meminta tautan masuk",
    "logout": "Keluar",
    "queue": "Membuka antrean",
    "audit": "Membuka jejak akses",
}
REFUSED_BECAUSE: Final = {
    **views.REFUSAL_REASONS,
    # Read by the auditor, about someone else: "their" area, not "yours".
    "outside_area": "di luar wilayah kerjanya",
    "not_found": "tidak ada, atau di luar wilayah kerjanya",
    "outside area": "di luar wilayah kerjanya",
    "role": "perannya tidak boleh",
    "blocked": "diblokir sementara (terlalu banyak percobaan)",
    "wrong username or password": "nama pengguna atau kata sandi salah",
    "checking": "sedang diperiksa",
}
LIST_LABELS: Final = {spec.name: spec.label for spec in LISTS.values()}


@dataclass(frozen=True)
class TrailRow:
    at: str
    who: str
    action: str
    target: str
    link: str | None
    result: str
    allowed: bool


@router.get("/jejak")
def trail_page(
    request: Request,
    board: DashboardDep,
    session: SessionDep,
    staff: StaffDep,
    now: NowDep,
    jenis: str = "data",
    petugas: str = "",
    dari: str = "",
    sampai: str = "",
    halaman: int = 1,
) -> Response:
    assert staff.id is not None
    if not may_audit(staff):
        log_refusal(
            session,
            staff_id=staff.id,
            action="audit",
            target="audit",
            at=now,
            detail=f"role: {staff.role} does not read the trail",
        )
        raise PageError(
            403,
            "Tidak berwenang",
            "Jejak akses hanya dibuka oleh Kepala Dinas Sosial dan administrator.",
        )
    view: TrailView = next((v for v in TRAIL_VIEWS if v == jenis), "data")
    page = max(1, min(halaman, 1_000))
    query = TrailQuery(view=view, offset=(page - 1) * PAGE_SIZE)
    error = None
    username = petugas.strip()[:64]
    if username:
        account = get_staff(session, username)
        if account is None or account.id is None:
            error = f'Tidak ada petugas dengan nama pengguna "{username}".'
        else:
            query = replace(query, staff_id=account.id, username=account.username)
    try:
        query = replace(query, since=_day_start(dari), until=_day_end(sampai))
    except ValueError:
        error = "Tanggal tidak bisa dibaca. Pilih tanggal dari kalender."
    if query.offset > MAX_OFFSET:
        error = "Halaman ini terlalu jauh. Pilih tanggal 'Dari' dan 'Sampai' untuk catatan lama."
    areas = staff_areas(session, staff.id)
    trail = audit_trail(session, areas, query) if error is None else None
    log_access(
        session,
        staff_id=staff.id,
        action="audit",
        target="audit",
        allowed=True,
        at=now,
        detail=f"{view} {username or '-'} {dari or '-'}..{sampai or '-'} p{page}"[:255],
    )
    return render(
        request,
        "trail.html",
        staff=staff,
        title="Jejak akses",
        views=TRAIL_VIEWS,
        view=view,
        petugas=username,
        dari=dari.strip()[:10],
        sampai=sampai.strip()[:10],
        rows=trail_rows(session, board, trail.entries) if trail else [],
        page=page,
        more=bool(trail and trail.more),
        error=error,
    )


def _day_start(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    return datetime.combine(date.fromisoformat(text[:10]), time(), views.LOCAL_ZONE)


def _day_end(text: str) -> datetime | None:
    start = _day_start(text)
    return None if start is None else start + timedelta(days=1)


def trail_rows(session: Session, board: Dashboard, entries: list[TrailEntry]) -> list[TrailRow]:
    names = views.actor_names(session, [f"staff:{e.staff_id}" for e in entries if e.staff_id])
    rows = []
    for entry in entries:
        target, link = _target(board, entry)
        rows.append(
            TrailRow(
                at=views.local_time(entry.at),
                who=_who(entry, names),
                action=_action(entry),
                target=target,
                link=link,
                result=_result(entry),
                allowed=entry.allowed,
            )
        )
    return rows


def _who(entry: TrailEntry, names: dict[str, str]) -> str:
    if entry.staff_id is not None:
        return names.get(f"staff:{entry.staff_id}", f"petugas #{entry.staff_id} (sudah dihapus)")
    if entry.action == "export":
        return "Baris perintah (dtsen-bot export)"
    return "Tidak dikenal"


def _action(entry: TrailEntry) -> str:
    if entry.action == "export" and entry.list_name:
        return f"Mengunduh {LIST_LABELS.get(entry.list_name, entry.list_name)}"
    return views.access_label(entry.action, ACTION_LABELS)


def _target(board: Dashboard, entry: TrailEntry) -> tuple[str, str | None]:
    kind, _, value = entry.target.partition(":")
    if kind == "request" and value:
        return format_ticket(value), f"/staff/requests/{value}"
    if kind == "musyawarah" and value.isdigit():
        return f"Musyawarah #{value}", f"/staff/musyawarah/{value}"
    if kind in ("area", "village") and value:
        return views.area_label(board.regions, value), None
    if entry.action in ("login", "login_link_sent"):
        return f"akun {entry.target}", None
    return "-", None


def _result(entry: TrailEntry) -> str:
    if entry.action == "export":
        text = f"{entry.rows} baris, {(entry.file_format or '').upper()}"
        if entry.withdrawn_included:
            text += ", termasuk yang menarik persetujuan"
        return text
    if entry.allowed:
        return "Diizinkan"
    reason = (entry.detail or "").split(":", 1)[0].strip()
    because = REFUSED_BECAUSE.get(reason)
    return f"Ditolak: {because}" if because else "Ditolak"

"""The access trail, for those who answer for the personal data: who opened, revealed,
downloaded or erased whose data, who was refused, who signed in, and when.

Every such act is already logged where it happens (`access_log`: a request page opened, an
objector revealed, a photo, an erasure, a refusal; `export_log`: every list with NIK and
names). This module reads both back as one trail, newest first, limited to the reader's
area: an entry belongs to an area when its request, musyawarah or exported area lies in
it, or when it was made by a staff member whose every area lies in it. Sign-in attempts of
an unknown username belong to no area; only an administrator (area "*") reads them.

Who reads it (`AUDIT_ROLES`) is the service's own choice, not a rule of the seeds: the
Kepala Dinas Sosial heads the office that receives and verifies the villages' proposals
for the bupati/wali kota (Permensos 3/2021 Pasal 6 ayat 1-2, seed 002), and the
administrator runs the service. Reading the trail is itself logged ("audit"), since it
tells who looked at which ticket.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import String, and_, cast, literal, or_
from sqlmodel import Session, col, select

from models.tables import AccessLog, ExportLog, Musyawarah, Request, StaffAccount, StaffArea
from staff.access import EVERYWHERE, covers

AUDIT_ROLES: Final = frozenset({"dinsos_head", "admin"})

TrailView = Literal["data", "ditolak", "masuk", "semua"]
TRAIL_VIEWS: Final[dict[TrailView, str]] = {
    "data": "Data pribadi dibuka, diunduh atau dihapus",
    "ditolak": "Percobaan yang ditolak",
    "masuk": "Masuk dan keluar dasbor",
    "semua": "Semua catatan",
}
# Acts that show or remove a citizen's personal data (exports come from export_log).
DATA_ACTIONS: Final = (
    "view",
    "reveal_objector",
    "attachment",
    "erase",
    "musyawarah.view",
    "musyawarah.agenda_export",
    "musyawarah.agenda_print",
    "musyawarah.ba_print",
    "musyawarah.minutes_view",
)
SIGN_IN_ACTIONS: Final = ("login", "login_link", "login_link_sent", "logout")
# One row per attempt is enough: "login_from" repeats each attempt to count its address.
HIDDEN_ACTIONS: Final = ("login_from",)
PAGE_SIZE: Final = 100
MAX_OFFSET: Final = 5_000  # deeper than this, narrow the dates instead


@dataclass(frozen=True)
class TrailEntry:
    """One line of the trail. `action` is the access log's, or "export" for a list."""

    at: datetime
    staff_id: int | None
    action: str
    target: str
    allowed: bool
    detail: str | None
    rows: int | None = None  # exports: how many rows the file held
    list_name: str | None = None
    file_format: str | None = None
    withdrawn_included: bool = False


@dataclass(frozen=True)
class TrailQuery:
    view: TrailView = "data"
    staff_id: int | None = None  # only this staff member's acts
    username: str | None = None  # ... and the sign-in attempts made with their username
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    offset: int = 0


@dataclass(frozen=True)
class TrailPage:
    entries: list[TrailEntry]
    more: bool  # there are older entries after this page


def may_audit(staff: StaffAccount) -> bool:
    return staff.role in AUDIT_ROLES and staff.disabled_at is None


def audit_trail(
    session: Session, areas: Sequence[str], query: TrailQuery, *, size: int = PAGE_SIZE
) -> TrailPage:
    """A page of the trail within these areas, newest first."""
    if not areas:
        return TrailPage([], more=False)
    start = min(max(query.offset, 0), MAX_OFFSET)
    wanted = start + size + 1  # each source's newest; the page lies within their merge
    # The reader's staff: whose acts are in the trail whatever they touched (None: all).
    staff = None if EVERYWHERE in areas else staff_within(session, areas)
    streams: list[Iterator[TrailEntry]] = [iter(_accesses(session, areas, staff, query, wanted))]
    if query.view in ("data", "semua"):
        streams.append(iter(_exports(session, areas, staff, query, wanted)))
    merged = list(heapq.merge(*streams, key=lambda entry: entry.at, reverse=True))
    return TrailPage(merged[start : start + size], more=len(merged) > start + size)


def _accesses(
    session: Session,
    areas: Sequence[str],
    staff: Sequence[int] | None,
    query: TrailQuery,
    limit: int,
) -> list[TrailEntry]:
    statement = select(AccessLog).where(col(AccessLog.action).not_in(HIDDEN_ACTIONS))
    if query.view == "data":
        statement = statement.where(col(AccessLog.action).in_(DATA_ACTIONS), AccessLog.allowed)
    elif query.view == "ditolak":
        statement = statement.where(col(AccessLog.allowed).is_(False))
        statement = statement.where(col(AccessLog.action).not_in(SIGN_IN_ACTIONS))
    elif query.view == "masuk":
        statement = statement.where(col(AccessLog.action).in_(SIGN_IN_ACTIONS))
    if query.staff_id is not None:
        mine: Any = col(AccessLog.staff_id) == query.staff_id
        if query.username:  # a failed attempt is logged under the username, not the account
            login = col(AccessLog.action) == "login"
            mine = or_(mine, and_(login, col(AccessLog.target) == query.username))
        statement = statement.where(mine)
    if query.since is not None:
        statement = statement.where(col(AccessLog.at) >= query.since)
    if query.until is not None:
        statement = statement.where(col(AccessLog.at) < query.until)
    if staff is not None:
        statement = statement.where(_access_scope(areas, staff))
    statement = statement.order_by(col(AccessLog.at).desc(), col(AccessLog.id).desc())
    return [
        TrailEntry(row.at, row.staff_id, row.action, row.target, row.allowed, row.detail)
        for row in session.exec(statement.limit(limit))
    ]


def _exports(
    session: Session,
    areas: Sequence[str],
    staff: Sequence[int] | None,
    query: TrailQuery,
    limit: int,
) -> list[TrailEntry]:
    statement = select(ExportLog)
    if query.staff_id is not None:
        statement = statement.where(ExportLog.staff_id == query.staff_id)
    if query.since is not None:
        statement = statement.where(col(ExportLog.at) >= query.since)
    if query.until is not None:
        statement = statement.where(col(ExportLog.at) < query.until)
    if staff is not None:
        conditions = [within(areas, col(ExportLog.area_code))]
        if staff:
            conditions.append(col(ExportLog.staff_id).in_(staff))
        statement = statement.where(or_(*conditions))
    statement = statement.order_by(col(ExportLog.at).desc(), col(ExportLog.id).desc())
    return [
        TrailEntry(
            at=row.at,
            staff_id=row.staff_id,
            action="export",
            target=f"area:{row.area_code}",
            allowed=True,
            detail=None,
            rows=row.rows,
            list_name=row.list_name,
            file_format=row.file_format,
            withdrawn_included=row.withdrawn_included,
        )
        for row in session.exec(statement.limit(limit))
    ]


def _access_scope(areas: Sequence[str], staff: Sequence[int]) -> Any:
    """SQL: the access log entry belongs to these areas, whose staff are `staff`."""
    requests = select(literal("request:") + col(Request.ticket)).where(
        within(areas, col(Request.village_code))
    )
    meetings = select(literal("musyawarah:") + cast(col(Musyawarah.id), String)).where(
        within(areas, col(Musyawarah.village_code))
    )
    target = col(AccessLog.target)
    conditions: list[Any] = [target.in_(requests), target.in_(meetings)]
    for prefix in ("area:", "village:"):
        conditions.append(within([prefix + area for area in areas], target))
    if staff:
        conditions.append(col(AccessLog.staff_id).in_(staff))
        usernames = select(StaffAccount.username).where(col(StaffAccount.id).in_(staff))
        conditions.append(and_(col(AccessLog.action) == "login", target.in_(usernames)))
    return or_(*conditions)


def within(areas: Sequence[str], column: Any) -> Any:
    """SQL: the area code in `column` is one of these areas or lies inside one."""
    return or_(*[column == area for area in areas], *[column.like(area + ".%") for area in areas])


def staff_within(session: Session, areas: Sequence[str]) -> list[int]:
    """The staff members whose every area lies in these areas (their acts are the
    reader's to answer for; a colleague covering a wider area is not)."""
    found: dict[int, list[str]] = {}
    for staff_id, area in session.exec(select(StaffArea.staff_id, StaffArea.area_code)):
        found.setdefault(staff_id, []).append(area)
    return sorted(
        staff_id
        for staff_id, own in found.items()
        if all(area != EVERYWHERE and covers(areas, area) for area in own)
    )

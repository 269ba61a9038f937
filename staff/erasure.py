"""Staff handle a citizen's "hapus data saya" (UU 27/2022): the requests of their area
whose citizen asked, oldest first with their deadline, and the erasure itself: the request
is anonymised (models/erasure.py, the retention anonymiser), the erasure is logged, and the
citizen is told in the chat the request came from.

Only some roles erase (`ERASER_ROLES`), each in its own area; the others may still see that
a citizen asked, but a refused erasure is logged like any other refused access."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlmodel import Session

from conversations.catalogue import catalogue
from conversations.effects import ERASURE_HOURS
from conversations.languages import as_language
from conversations.tickets import format_ticket
from models.blobs import BlobStore
from models.erasure import erase, waiting_erasures
from models.staff import log_access, staff_areas
from models.tables import Request, StaffAccount
from staff.outbox import enqueue
from staff.review import AccessRefused, area_condition, check_access, log_refusal, request_target

# The notification's kind (staff.outbox): the citizen's data was erased as they asked.
ERASED_NOTICE: Final = "data_erased"

# Who may erase a filed request, each in their own area. No seed or rule names who erases;
# this is the service's choice, made from who manages the register's data in the seeds:
# - the village: the village head manages the DTKS data and appoints a SIKS-NG operator to
#   help with it (Kapuas Hulu circular, points 6b and 6c); the head compiles the list
#   (Bungo SOP step 2) and the village operator prepares it and the BNBA file for Dinas
#   Sosial (DOMAIN.md, "the people who use it");
# - Dinas Sosial: validates and uploads the data (Bungo SOP steps 4-5, its operator), processes
#   it (Bima SOP: Kepala Dinas, operator/pengolah data);
# - the administrator, who runs the service.
# Not the TKSK or the PKH facilitator (they carry lists and take part in the musyawarah,
# Kapuas Hulu 6a-6b, Bungo "didampingi oleh PSKS"; they are not the data's keepers), nor the
# kecamatan (verifies and forwards, Bungo step 3, Bekasi): an erasure cannot be undone, so it
# stays with the few who keep the data.
ERASER_ROLES: Final = frozenset(
    {"village_operator", "village_head", "siks_operator", "dinsos_verifier", "dinsos_head", "admin"}
)


class ErasureNotAsked(ValueError):
    """The citizen did not ask for this request's erasure, or it is erased already."""


def may_erase(staff: StaffAccount) -> bool:
    """Does the staff member's role erase (in their own area)?"""
    return staff.role in ERASER_ROLES and staff.disabled_at is None


def due_at(request: Request) -> datetime | None:
    """By when staff erase it (the service's promise: ERASURE_HOURS after the asking)."""
    asked = request.erasure_requested_at
    return None if asked is None else asked + timedelta(hours=ERASURE_HOURS)


def waiting_for(session: Session, staff: StaffAccount) -> list[Request]:
    """The erasures waiting in the staff member's area, oldest asked first; none for a
    role that does not erase (the list is a to-do list)."""
    assert staff.id is not None
    if not may_erase(staff):
        return []
    areas = staff_areas(session, staff.id)
    if not areas:
        return []
    return waiting_erasures(session, area_condition(areas))


def check_eraser(session: Session, staff: StaffAccount, request: Request, *, at: datetime) -> None:
    """Go on only if this staff member may erase this request: active, in their area, and
    a role that erases. Otherwise `AccessRefused`, logged (the log survives the caller's
    rollback)."""
    target = request_target(request)
    check_access(session, staff, request.village_code, action="erase", target=target, at=at)
    if staff.role not in ERASER_ROLES:
        log_refusal(
            session,
            staff_id=staff.id,
            action="erase",
            target=target,
            at=at,
            detail=f"role: {staff.role} does not erase",
        )
        raise AccessRefused("role", f"{staff.username} ({staff.role}) may not erase {target}")


def erase_as_asked(
    session: Session, blobs: BlobStore, request: Request, *, staff: StaffAccount, at: datetime
) -> None:
    """Erase a request its citizen asked to erase, log it, and tell the citizen.

    Raises `AccessRefused` (see `check_eraser`) or `ErasureNotAsked`."""
    target = request_target(request)
    check_eraser(session, staff, request, at=at)
    if request.erasure_requested_at is None or request.erased_at is not None:
        raise ErasureNotAsked(request.ticket)
    told = erase(session, blobs, request, at=at)
    log_access(session, staff_id=staff.id, action="erase", target=target, allowed=True, at=at)
    ticket = format_ticket(told.ticket)
    enqueue(
        session,
        channel=told.channel,
        chat_id=told.chat_id,
        kind=ERASED_NOTICE,
        text=catalogue(as_language(told.language)).text("notify.erased", ticket=ticket),
        variables={"1": ticket},
        request_id=request.id,
        at=at,
    )

"""Staff handle a citizen's "hapus data saya" (UU 27/2022): the requests of their area
whose citizen asked, oldest first with their deadline, and the erasure itself: the request
is anonymised (models/erasure.py, the retention anonymiser), the erasure is logged, and the
citizen is told in the chat the request came from."""

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
from staff.review import area_condition, request_target

# The notification's kind (staff.outbox): the citizen's data was erased as they asked.
ERASED_NOTICE: Final = "data_erased"


class ErasureNotAsked(ValueError):
    """The citizen did not ask for this request's erasure, or it is erased already."""


def due_at(request: Request) -> datetime | None:
    """By when staff erase it (the service's promise: ERASURE_HOURS after the asking)."""
    asked = request.erasure_requested_at
    return None if asked is None else asked + timedelta(hours=ERASURE_HOURS)


def waiting_for(session: Session, staff: StaffAccount) -> list[Request]:
    """The erasures waiting in the staff member's area, oldest asked first."""
    assert staff.id is not None
    areas = staff_areas(session, staff.id)
    if not areas:
        return []
    return waiting_erasures(session, area_condition(areas))


def erase_as_asked(
    session: Session, blobs: BlobStore, request: Request, *, staff: StaffAccount, at: datetime
) -> None:
    """Erase a request its citizen asked to erase, log it, and tell the citizen. The caller
    has checked the staff member's area (the 404 page otherwise)."""
    if request.erasure_requested_at is None or request.erased_at is not None:
        raise ErasureNotAsked(request.ticket)
    target = request_target(request)
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

"""A citizen's "hapus data saya" (UU 27/2022: the right to have one's data deleted).

Two halves. What a chat has not filed is deleted at once, in the message's transaction
(`delete_unfiled`): its photos not linked to a request, and the recorded bodies of its
deliveries (replies and conversation states kept for de-duplication, which hold the draft's
answers); the draft itself goes with the conversation state the engine returns. What it
filed is flagged (`ask_erasure`): consent withdrawn so processing stops, and
`erasure_requested_at` puts it on the staff's list for its area, where `erase` anonymises
it like the retention anonymiser (models/retention.py) and closes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlmodel import Session, col, delete, select, update

from models.blobs import BlobStore
from models.consent import withdraw_consents
from models.requests import list_requests_for_chat
from models.retention import anonymise
from models.tables import Attachment, OutboxNotification, ProcessedMessage, Request

# The flag staff see on a request erased at its citizen's request (besides "anonymised").
ERASED: Final = "erased"
# staff.outbox states of a row that is out (or given up): its body is no longer needed.
_DONE_ROWS: Final = ("sent", "answered", "dead")


def delete_unfiled(session: Session, blobs: BlobStore, channel: str, chat_id: str) -> int:
    """Delete what this chat sent that is not part of a filed request; returns how many
    photos went. Deliveries stay recorded (a provider's retry is still recognised), only
    their bodies go."""
    photos = list(
        session.exec(
            select(Attachment).where(
                Attachment.channel == channel,
                Attachment.chat_id == chat_id,
                col(Attachment.request_id).is_(None),
            )
        )
    )
    for photo in photos:
        blobs.delete(photo.ref)
        session.delete(photo)
    session.exec(
        update(ProcessedMessage)
        .where(col(ProcessedMessage.channel) == channel, col(ProcessedMessage.chat_id) == chat_id)
        .values(replies=[], state=None)
    )
    session.exec(
        delete(OutboxNotification).where(
            col(OutboxNotification.channel) == channel,
            col(OutboxNotification.chat_id) == chat_id,
            col(OutboxNotification.request_id).is_(None),
            col(OutboxNotification.status).in_(_DONE_ROWS),
        )
    )
    session.flush()
    return len(photos)


@dataclass(frozen=True)
class Asked:
    request: Request
    asked_at: datetime
    before: bool  # asked in an earlier message: its time is kept


def ask_erasure(
    session: Session, channel: str, chat_id: str, *, at: datetime, withdrawn_flag: str
) -> list[Asked]:
    """Flag every request this chat filed for staff to erase (newest first); a request
    asked before keeps its first time. Consent is withdrawn: processing stops now."""
    withdraw_consents(session, channel, chat_id, at=at)
    asked = []
    for request in list_requests_for_chat(session, channel, chat_id):
        before = request.erasure_requested_at is not None
        if not before:
            request.erasure_requested_at = at
            if withdrawn_flag not in request.flags:
                request.flags = [*request.flags, withdrawn_flag]
            request.updated_at = at
            session.add(request)
        assert request.erasure_requested_at is not None
        asked.append(Asked(request, request.erasure_requested_at, before))
    session.flush()
    return asked


def waiting_erasures(session: Session, area: Any) -> list[Request]:
    """Requests whose citizen asked for erasure and staff have not erased, oldest asked
    first; `area` is an SQL condition on the request (None: everywhere)."""
    statement = select(Request).where(
        col(Request.erasure_requested_at).is_not(None), col(Request.erased_at).is_(None)
    )
    if area is not None:
        statement = statement.where(area)
    statement = statement.order_by(col(Request.erasure_requested_at), col(Request.id))
    return list(session.exec(statement))


@dataclass(frozen=True)
class Erased:
    """Whom to tell: the chat the request came from, before it was anonymised."""

    ticket: str
    channel: str
    chat_id: str
    language: str


def erase(session: Session, blobs: BlobStore, request: Request, *, at: datetime) -> Erased:
    """Anonymise the request now (the retention anonymiser: NIK, KK, names, answers,
    members, photos, notes and the chat go; kind, village, stages and dates stay) and
    close it if it was open."""
    told = Erased(request.ticket, request.channel, request.reply_to, request.language)
    anonymise(session, blobs, request)
    request.flags = sorted({*request.flags, ERASED})
    request.erased_at = at
    if request.erasure_requested_at is None:
        request.erasure_requested_at = at
    if request.closed_at is None:
        request.closed_at = at
    request.updated_at = at
    session.add(request)
    session.flush()
    return told

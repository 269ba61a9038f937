"""Anonymising closed requests once the region's retention period has passed (UU 27/2022:
personal data is kept no longer than its purpose needs).

What stays is what statistics need: kind, subtype, village, status and its history (dates
and stages), flags. What goes: NIK, KK, names, answers, household members, the proposer
(an RT head's NIK, name and phone), photos, the chat, staff notes, the chat id on the
consent record (the record itself, its text version and time, stay as proof that consent
was given).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlmodel import Session, col, delete, select, update

from models.blobs import BlobStore
from models.tables import (
    Attachment,
    ConsentRecord,
    HouseholdMember,
    OutboxNotification,
    Proposer,
    Request,
    StatusChange,
)

ANONYMISED: Final = "anonymised"
BATCH: Final = 500


def anonymise_closed_requests(
    session: Session, blobs: BlobStore, *, closed_before: datetime
) -> int:
    """Anonymise requests closed before `closed_before` (a batch at a time); returns how many."""
    done = 0
    while True:
        batch = list(
            session.exec(
                select(Request)
                .where(col(Request.closed_at) < closed_before, col(Request.name) != "")
                .order_by(col(Request.id))
                .limit(BATCH)
            )
        )
        if not batch:
            return done
        for request in batch:
            anonymise(session, blobs, request)
        session.flush()
        done += len(batch)


def anonymise(session: Session, blobs: BlobStore, request: Request) -> None:
    """Strip one request of everything personal (the module's list); what statistics need
    stays. Also used for a citizen's "hapus data saya" (models/erasure.py)."""
    assert request.id is not None
    for attachment in session.exec(select(Attachment).where(Attachment.request_id == request.id)):
        blobs.delete(attachment.ref)
        session.delete(attachment)
    session.exec(delete(HouseholdMember).where(col(HouseholdMember.request_id) == request.id))
    # Who proposed it in their capacity: the capacity stays as the request's subtype.
    session.exec(delete(Proposer).where(col(Proposer.request_id) == request.id))
    session.exec(
        update(StatusChange).where(col(StatusChange.request_id) == request.id).values(note=None)
    )
    session.exec(
        update(ConsentRecord).where(col(ConsentRecord.request_id) == request.id).values(chat_id="")
    )
    session.exec(delete(OutboxNotification).where(col(OutboxNotification.request_id) == request.id))
    request.nik, request.kk, request.name = "", None, ""
    request.subject_nik, request.subject_name = None, None
    request.answers, request.chat_id, request.reply_to = {}, "", ""
    request.flags = sorted({*request.flags, ANONYMISED})
    session.add(request)

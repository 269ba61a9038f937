"""Attachment rows: photos uploaded during a conversation, linked when the request is filed.

Storing the bytes is `blobs.py`; this module records and links them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from models.tables import ATTACHMENT_PURPOSES, Attachment, Request

if TYPE_CHECKING:  # blobs re-exports save_attachment, so no runtime import back
    from models.blobs import BlobStore, StoredBlob


class AttachmentNotAvailable(LookupError):
    """The ref is unknown, already linked to a request, or was uploaded in another chat."""

    def __init__(self, ref: str) -> None:
        super().__init__(ref)
        self.ref = ref


def save_attachment(
    session: Session, blob: StoredBlob, *, channel: str, chat_id: str, now: datetime
) -> Attachment:
    """Record a stored photo; it stays unlinked until `create_request` claims it by ref."""
    attachment = Attachment(
        ref=blob.ref,
        content_type=blob.content_type,
        size=blob.size,
        sha256=blob.sha256,
        channel=channel,
        chat_id=chat_id,
        created_at=now,
    )
    session.add(attachment)
    session.flush()
    return attachment


def get_attachment(session: Session, ref: str) -> Attachment | None:
    return session.exec(select(Attachment).where(Attachment.ref == ref)).first()


def link_attachments(
    session: Session, request: Request, attachments: Iterable[tuple[str, str]]
) -> list[Attachment]:
    """Attach uploaded photos `(ref, purpose)` to a filed request.

    Only photos uploaded in the same chat and not yet linked qualify: a ref is an internal
    token, but a request must never pick up someone else's KTP photo.
    """
    assert request.id is not None, "flush the request first"
    linked = []
    for ref, purpose in attachments:
        if purpose not in ATTACHMENT_PURPOSES:
            raise ValueError(f"unknown attachment purpose {purpose!r}")
        # The chat is matched in SQL: `chat_id` holds its keyed hash (hashed on bind), and
        # the request's id in clear is its sealed copy.
        attachment = session.exec(
            select(Attachment).where(
                Attachment.ref == ref,
                Attachment.channel == request.channel,
                Attachment.chat_id == request.reply_to,
                col(Attachment.request_id).is_(None),
            )
        ).first()
        if attachment is None:
            raise AttachmentNotAvailable(ref)
        attachment.request_id = request.id
        attachment.purpose = purpose
        session.add(attachment)
        linked.append(attachment)
    return linked


def attachments_of(session: Session, request_id: int) -> list[Attachment]:
    statement = (
        select(Attachment)
        .where(Attachment.request_id == request_id)
        .order_by(col(Attachment.created_at), col(Attachment.id))
    )
    return list(session.exec(statement))


def purge_unfiled_photos(session: Session, blobs: BlobStore, *, before: datetime) -> int:
    """Delete the photos of abandoned drafts: rows never linked to a request and uploaded
    before `before`, and files with no row at all (their message failed before its commit,
    so the row was rolled back but the file stayed). Returns how many files went."""
    old = list(
        session.exec(
            select(Attachment).where(
                col(Attachment.request_id).is_(None), col(Attachment.created_at) < before
            )
        )
    )
    for attachment in old:
        blobs.delete(attachment.ref)
        session.delete(attachment)
    session.flush()
    removed = len(old)
    for ref in list(blobs.refs_older_than(before)):
        if get_attachment(session, ref) is None:
            blobs.delete(ref)
            removed += 1
    return removed

"""Documents recorded with workflow moves, once for a batch of requests.

A workflow action can require documents (`documents = ["sk_walikota"]` in the region's
file): the Berita Acara of the village meeting, the SPTJM, an SK Bupati/Wali Kota, the
mayor's surat pengesahan, Bekasi's surat persetujuan updating. Staff record it once, with
its number, date and (optionally) the scanned file, and every request moved with it gets
a link, so each request's timeline shows it. The Minister's penetapan is recorded the same
way (kind `penetapan`, with its month).

Functions take the caller's session and never commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlmodel import Session, col, select

from conversations.labels import Label
from models.tables import RequestDocument, StaffAccount, TransitionDocument
from staff.workflow import Workflow

# Recorded by the penetapan page for every region, not declared per file.
PENETAPAN: Final = "penetapan"
PENETAPAN_LABEL: Final = Label({"id": "Penetapan Menteri Sosial", "en": "The Minister's penetapan"})
PENETAPAN_SOURCE: Final = "002 Pasal 12 ayat (1) dan (3)"


class DocumentProblem(ValueError):
    """A document that cannot be recorded (no number, no date); the message says which."""


def record_document(
    session: Session,
    *,
    kind: str,
    number: str,
    issued_on: date,
    area_code: str,
    staff: StaffAccount | None,
    at: datetime,
    file_ref: str | None = None,
    note: str | None = None,
    period: str | None = None,
    musyawarah_id: int | None = None,
) -> TransitionDocument:
    number = " ".join(number.split())
    if not number:
        raise DocumentProblem("nomor dokumen belum diisi")
    document = TransitionDocument(
        kind=kind,
        number=number[:128],
        issued_on=issued_on,
        file_ref=file_ref,
        note=(note or "").strip()[:500] or None,
        area_code=area_code,
        period=period,
        musyawarah_id=musyawarah_id,
        recorded_by=staff.id if staff else None,
        recorded_at=at,
    )
    session.add(document)
    session.flush()
    return document


def link(
    session: Session,
    documents: Iterable[TransitionDocument],
    *,
    request_id: int,
    status_change_id: int | None,
) -> None:
    for document in documents:
        assert document.id is not None
        session.add(
            RequestDocument(
                request_id=request_id,
                document_id=document.id,
                status_change_id=status_change_id,
            )
        )
    session.flush()


def missing_kinds(required: Sequence[str], given: Iterable[TransitionDocument]) -> list[str]:
    have = {document.kind for document in given}
    return [kind for kind in required if kind not in have]


def document_label(workflow: Workflow, kind: str) -> Label:
    if kind == PENETAPAN:
        return PENETAPAN_LABEL
    try:
        return workflow.document(kind).label
    except KeyError:
        return Label({"id": kind})


@dataclass(frozen=True)
class ShownDocument:
    """A document as a timeline shows it."""

    kind: str
    number: str
    issued_on: date
    file_ref: str | None
    note: str | None
    status_change_id: int | None


def documents_of(session: Session, request_id: int) -> list[ShownDocument]:
    """The documents recorded with a request's moves, oldest first."""
    rows = session.exec(
        select(TransitionDocument, RequestDocument.status_change_id)
        .join(RequestDocument, col(RequestDocument.document_id) == col(TransitionDocument.id))
        .where(RequestDocument.request_id == request_id)
        .order_by(col(TransitionDocument.recorded_at), col(TransitionDocument.id))
    )
    return [
        ShownDocument(d.kind, d.number, d.issued_on, d.file_ref, d.note, change_id)
        for d, change_id in rows
    ]


def by_change(documents: Iterable[ShownDocument]) -> dict[int | None, list[ShownDocument]]:
    grouped: dict[int | None, list[ShownDocument]] = defaultdict(list)
    for document in documents:
        grouped[document.status_change_id].append(document)
    return grouped

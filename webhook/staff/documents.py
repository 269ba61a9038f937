"""The document fields of a move (Berita Acara, SPTJM, SK Wali Kota, surat pengesahan...):
read from the form, checked, the file kept, and recorded once for the whole batch.

The rules (which move needs which document) are the region's workflow file's; this reads
what staff typed and says in Bahasa Indonesia what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from fastapi import UploadFile
from sqlmodel import Session

from models.tables import StaffAccount, TransitionDocument
from staff.documents import DocumentProblem, document_label, record_document
from staff.minutes import sniff_minutes_type
from staff.workflow import Workflow
from webhook.staff.deps import Dashboard

MAX_FILE_BYTES: Final = 10 * 1024 * 1024


def upload_bytes(upload: UploadFile | None, what: str) -> bytes | None:
    """An uploaded scan (PDF or photo), checked; None when no file was chosen."""
    if upload is None or not upload.filename:
        return None
    data = upload.file.read(MAX_FILE_BYTES + 1)
    if not data:
        raise ValueError(f"Berkas {what} kosong.")
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"Berkas {what} lebih dari 10 MB.")
    if sniff_minutes_type(data) is None:
        raise ValueError(f"Berkas {what} harus berupa PDF atau foto (JPEG, PNG, WebP).")
    return data


@dataclass(frozen=True)
class DocumentForm:
    number: str
    issued_on: str
    note: str
    upload: UploadFile | None

    def present(self) -> bool:
        return bool(self.number.strip() or self.issued_on.strip())


class DocumentFormProblem(ValueError):
    """What to tell staff about the document fields."""


def needed(workflow: Workflow, stage_id: str, action: str) -> tuple[str, ...]:
    transition = workflow.transition(stage_id, action)
    return transition.documents if transition else ()


def record_from_form(
    session: Session,
    board: Dashboard,
    form: DocumentForm,
    *,
    workflow: Workflow,
    kinds: Sequence[str],
    area_code: str,
    staff: StaffAccount,
    at: datetime,
) -> list[TransitionDocument]:
    """The documents for one move or a batch: one per kind the action needs (the form has
    one set of fields; the shipped workflows need at most one document per move)."""
    if not kinds:
        return []
    label = ", ".join(document_label(workflow, kind).get() for kind in kinds)
    if not form.number.strip():
        raise DocumentFormProblem(f"Isi nomor {label}.")
    try:
        issued = date.fromisoformat(form.issued_on.strip())
    except ValueError:
        raise DocumentFormProblem(f"Isi tanggal {label}.") from None
    try:
        data = upload_bytes(form.upload, label)
    except ValueError as problem:
        raise DocumentFormProblem(str(problem)) from None
    stored = board.minutes.put(data).ref if data is not None else None
    try:
        return [
            record_document(
                session,
                kind=kind,
                number=form.number,
                issued_on=issued,
                area_code=area_code,
                staff=staff,
                at=at,
                file_ref=stored,
                note=form.note,
            )
            for kind in kinds
        ]
    except DocumentProblem as problem:
        raise DocumentFormProblem(str(problem)) from None

"""The list of sanggahan for Dinas Sosial ("Data sanggahan DTKS", seed 004: Pencatatan dan
Pendataan), written like the BNBA (staff/bnba.py): XLSX or CSV, streamed, logged.

One row per objection: the request (ticket, kind, status, flags), where the person
objected to lives, who they are (name, NIK when the objector knew it), what the objection
is and why. The objector is not listed: their identity is confidential and shown only on
the dashboard, revealed one request at a time and logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import Select
from sqlmodel import col

from conversations.catalogue import catalogue
from models.tables import Request
from staff.list_rows import (
    HEAD_COLUMNS,
    HEAD_SIZE,
    HEAD_TEXT,
    HEAD_WIDTHS,
    choice,
    head_values,
    request_list_query,
    text,
)

SANGGAHAN_KIND: Final = "sanggahan"
SANGGAHAN_COLUMNS: Final = (
    *HEAD_COLUMNS,
    "Dusun",
    "RT",
    "RW",
    "Nama yang Disanggah",
    "NIK yang Disanggah",
    "Jenis Sanggahan",
    "Alasan",
    "Keterangan",
    # What staff check against the programmes' lists, and what came with the objection.
    "Bantuan yang Diterima",
    "Foto Bukti",
)
# The evidence a reason asks for (conversations/flows/sanggahan.py EVIDENCE_FOR_REASON).
_EVIDENCE: Final = {
    "meninggal": "Surat kematian",
    "pindah": "Surat pindah/KK baru",
    "sudah_mampu": "Foto rumah",
    "tidak_dikenal": "Foto rumah di alamat itu",
    "bukan_anggota": "Foto KK",
    "data_ganda": "Bukti data ganda",
}
SANGGAHAN_WIDTHS: Final = {
    **HEAD_WIDTHS,
    "Nama yang Disanggah": 30,
    "NIK yang Disanggah": 20,
    "Jenis Sanggahan": 34,
    "Alasan": 26,
    "Keterangan": 50,
    "Bantuan yang Diterima": 30,
    "Foto Bukti": 26,
}
SANGGAHAN_TEXT: Final = HEAD_TEXT | {"RT", "RW", "NIK yang Disanggah"}
_ANSWERS: Final = ("subject_dusun", "subject_rt", "subject_rw", "reason", "reason_detail")


def sanggahan_query(where: Callable[[Select[Any]], Select[Any]]) -> Select[Any]:
    """One row per sanggahan, in export order; `where` narrows it like the BNBA's."""
    return where(
        request_list_query(
            SANGGAHAN_KIND,
            col(Request.subtype),
            col(Request.subject_name),
            col(Request.subject_nik),
            # Sealed at rest (models.sealed): the whole object, opened when read.
            col(Request.answers),
        )
    )


def sanggahan_row(
    row: Any,
    *,
    region_names: Callable[[str], tuple[str, str, str, str]],
    request_columns: Callable[..., tuple[str, str, str, str]],
    **_: Any,  # what other lists use (`village_label`)
) -> tuple[str, ...]:
    subtype, name, nik, stored = row[HEAD_SIZE:]
    dusun, rt, rw, reason, detail = (text((stored or {}).get(key)) for key in _ANSWERS)
    texts = catalogue("id")
    objection = choice(texts, "objection", subtype)
    reasons = ("reason_recipient", "reason_family", "reason_excluded")
    why = next(
        (choice(texts, k, reason) for k in reasons if texts.has(f"choice.{k}.{reason}")), reason
    )
    answers = stored or {}
    programmes = ", ".join(
        choice(texts, "subject_programmes", value)
        for value in answers.get("subject_programmes") or ()
    )
    evidence = _EVIDENCE.get(str(reason), "Foto bukti")
    given = "ada" if answers.get("evidence_photo") else "tidak ada"
    return (
        *head_values(row, region_names=region_names, request_columns=request_columns),
        dusun,
        rt,
        rw,
        name or "",
        nik or "",
        objection,
        why,
        detail,
        programmes,
        f"{evidence}: {given}",
    )

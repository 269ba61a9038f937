"""The list of sanggahan for Dinas Sosial ("Data sanggahan DTKS", seed 004: Pencatatan dan
Pendataan), written like the BNBA (staff/bnba.py): XLSX or CSV, streamed, logged.

One row per objection: the request (ticket, kind, status, flags), where the person
objected to lives, who they are (name, NIK when the objector knew it), what the objection
is and why. The objector is not listed: their identity is confidential and shown only on
the dashboard, revealed one request at a time and logged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import Select, select
from sqlmodel import col

from conversations.catalogue import catalogue
from conversations.timezones import NATIONAL
from models.tables import Request

SANGGAHAN_KIND: Final = "sanggahan"
SANGGAHAN_COLUMNS: Final = (
    "Tiket",
    "Jenis Permohonan",
    "Status",
    "Tanda",
    "Tanggal Masuk",
    "Provinsi",
    "Kabupaten/Kota",
    "Kecamatan",
    "Desa/Kelurahan",
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
    "Tanggal Masuk": 14,
    "Nama yang Disanggah": 30,
    "NIK yang Disanggah": 20,
    "Jenis Sanggahan": 34,
    "Alasan": 26,
    "Keterangan": 50,
    "Bantuan yang Diterima": 30,
    "Foto Bukti": 26,
}
SANGGAHAN_TEXT: Final = frozenset({"RT", "RW", "NIK yang Disanggah", "Tanggal Masuk"})
_ANSWERS: Final = ("subject_dusun", "subject_rt", "subject_rw", "reason", "reason_detail")


def sanggahan_query(where: Callable[[Select[Any]], Select[Any]]) -> Select[Any]:
    """One row per sanggahan, in export order; `where` narrows it like the BNBA's."""
    answers = col(Request.answers)
    statement = (
        select(
            col(Request.village_code),
            col(Request.ticket),
            col(Request.kind),
            col(Request.status),
            col(Request.flags),
            col(Request.created_at),
            col(Request.subtype),
            col(Request.subject_name),
            col(Request.subject_nik),
            answers,  # sealed at rest (models.sealed): the whole object, opened when read
        )
        .where(col(Request.kind) == SANGGAHAN_KIND)
        .order_by(col(Request.village_code), col(Request.ticket))
    )
    return where(statement)


def sanggahan_row(
    row: Any,
    *,
    region_names: Callable[[str], tuple[str, str, str, str]],
    request_columns: Callable[..., tuple[str, str, str, str]],
    **_: Any,  # what other lists use (`village_label`)
) -> tuple[str, ...]:
    (village, ticket, kind, status, flags, created, subtype, name, nik, stored) = row
    dusun, rt, rw, reason, detail = (_text((stored or {}).get(key)) for key in _ANSWERS)
    texts = catalogue("id")
    objection = _choice(texts, "objection", subtype)
    reasons = ("reason_recipient", "reason_family", "reason_excluded")
    why = next(
        (_choice(texts, k, reason) for k in reasons if texts.has(f"choice.{k}.{reason}")), reason
    )
    answers = stored or {}
    programmes = ", ".join(
        _choice(texts, "subject_programmes", value)
        for value in answers.get("subject_programmes") or ()
    )
    evidence = _EVIDENCE.get(str(reason), "Foto bukti")
    given = "ada" if answers.get("evidence_photo") else "tidak ada"
    return (
        *request_columns(ticket, kind, status, list(flags or []), village=village),
        created.astimezone(NATIONAL).strftime("%d-%m-%Y") if created else "",
        *region_names(village),
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


def _text(value: object) -> str:
    # As SQL's JSON-to-text gave it: strings as they are, numbers as text, nothing as "".
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _choice(texts: Any, choice_set: str, value: str | None) -> str:
    key = f"choice.{choice_set}.{value}"
    return str(texts.text(key)) if value and texts.has(key) else (value or "")

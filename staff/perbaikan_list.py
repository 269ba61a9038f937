"""The list of data corrections (perbaikan data) for Dinas Sosial, written like the BNBA
(staff/bnba.py): XLSX or CSV, streamed, logged.

One row per correction: the request (ticket, kind, status, flags), where the household
lives, the person whose data is corrected (NIK, name, KK as their KTP/KK show them), which
fields DTSEN has wrong, the right value of each, what DTSEN says now when the citizen knew,
and whether a photo of the document came with it. Bungo's SOP (seed 000, IV) counts
"perbaikan" among the data proposals that go to Dinas Sosial and SIKS-NG.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from sqlalchemy import Select
from sqlmodel import col

from conversations.catalogue import catalogue
from conversations.flows.perbaikan import corrections
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

PERBAIKAN_KIND: Final = "perbaikan"
PERBAIKAN_COLUMNS: Final = (
    *HEAD_COLUMNS,
    "Alamat",
    "Dusun",
    "RT",
    "RW",
    "Nomor KK",
    "Nomor NIK",
    "Nama",
    "Data Siapa",
    "Data yang Salah",
    "Data yang Benar",
    "Tercatat Sekarang",
    "Foto Dokumen",
    "Diajukan Oleh",
)
PERBAIKAN_WIDTHS: Final = {
    **HEAD_WIDTHS,
    "Data Siapa": 22,
    "Data yang Salah": 34,
    "Data yang Benar": 60,
    "Tercatat Sekarang": 34,
    "Foto Dokumen": 12,
    "Diajukan Oleh": 26,
}
PERBAIKAN_TEXT: Final = HEAD_TEXT | {"RT", "RW", "Nomor KK", "Nomor NIK"}


def perbaikan_query(where: Callable[[Select[Any]], Select[Any]]) -> Select[Any]:
    """One row per perbaikan, in export order; `where` narrows it like the BNBA's."""
    return where(
        request_list_query(
            PERBAIKAN_KIND,
            col(Request.subtype),
            col(Request.name),
            col(Request.answers),  # sealed at rest (models.sealed): opened when read
        )
    )


def perbaikan_row(
    row: Any,
    *,
    region_names: Callable[[str], tuple[str, str, str, str]],
    request_columns: Callable[..., tuple[str, str, str, str]],
    **_: Any,  # what other lists use (`village_label`)
) -> tuple[str, ...]:
    subtype, filer, stored = row[HEAD_SIZE:]
    answers: Mapping[str, Any] = stored or {}
    texts = catalogue("id")
    wrong = corrections(answers)
    return (
        *head_values(row, region_names=region_names, request_columns=request_columns),
        text(answers.get("street") or answers.get("address")),
        text(answers.get("dusun")),
        text(answers.get("rt")),
        text(answers.get("rw")),
        text(answers.get("kk")),
        text(answers.get("nik")),
        text(answers.get("name")),
        choice(texts, "perbaikan_for", subtype),
        ", ".join(choice(texts, "perbaikan_fields", field) for field in wrong),
        "; ".join(
            f"{choice(texts, 'perbaikan_fields', field)}: {right_value(field, answers)}"
            for field in wrong
        ),
        text(answers.get("recorded_now")),
        "Ada" if answers.get("document_photo") else "Tidak ada",
        "Sendiri" if subtype == "self" else (filer or ""),
    )


def right_value(field: str, answers: Mapping[str, Any]) -> str:
    """The right value of one wrong field, as staff read it (Indonesian labels)."""
    texts = catalogue("id")
    if field == "alamat":
        return f"{text(answers.get('address'))}, RT/RW {text(answers.get('rt_rw'))}"
    if field == "jenis_kelamin":
        return choice(texts, "member_sex", answers.get("sex"))
    if field in ("perkawinan", "pekerjaan"):
        key = "marital" if field == "perkawinan" else "occupation"
        return choice(texts, key, answers.get(key))
    if field == "anggota_keluarga":
        members = answers.get("members_correct") or []
        listed = [f"{m.get('nik') or '(tanpa NIK)'} {m.get('name')}" for m in members]
        return ", ".join(listed) or "tidak ada anggota lain"
    if field == "kondisi_rumah":
        parts = answers.get("house_parts") or []
        return ", ".join(
            f"{choice(texts, 'house_parts', part)} {choice(texts, part, answers.get(part))}"
            for part in parts
        )
    keys = {
        "nama": "name",
        "lahir": "birth",
        "ibu_kandung": "mother_name",
        "lainnya": "other_detail",
    }
    return text(answers.get(keys.get(field, field)))

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

from sqlalchemy import Select, select
from sqlmodel import col

from conversations.catalogue import catalogue
from conversations.flows.perbaikan import corrections
from conversations.timezones import NATIONAL
from models.tables import Request

PERBAIKAN_KIND: Final = "perbaikan"
PERBAIKAN_COLUMNS: Final = (
    "Tiket",
    "Jenis Permohonan",
    "Status",
    "Tanda",
    "Tanggal Masuk",
    "Provinsi",
    "Kabupaten/Kota",
    "Kecamatan",
    "Desa/Kelurahan",
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
    "Tanggal Masuk": 14,
    "Data Siapa": 22,
    "Data yang Salah": 34,
    "Data yang Benar": 60,
    "Tercatat Sekarang": 34,
    "Foto Dokumen": 12,
    "Diajukan Oleh": 26,
}
PERBAIKAN_TEXT: Final = frozenset({"RT", "RW", "Nomor KK", "Nomor NIK", "Tanggal Masuk"})


def perbaikan_query(where: Callable[[Select[Any]], Select[Any]]) -> Select[Any]:
    """One row per perbaikan, in export order; `where` narrows it like the BNBA's."""
    statement = (
        select(
            col(Request.village_code),
            col(Request.ticket),
            col(Request.kind),
            col(Request.status),
            col(Request.flags),
            col(Request.created_at),
            col(Request.subtype),
            col(Request.name),
            col(Request.answers),  # sealed at rest (models.sealed): opened when read
        )
        .where(col(Request.kind) == PERBAIKAN_KIND)
        .order_by(col(Request.village_code), col(Request.ticket))
    )
    return where(statement)


def perbaikan_row(
    row: Any,
    *,
    region_names: Callable[[str], tuple[str, str, str, str]],
    request_columns: Callable[..., tuple[str, str, str, str]],
    **_: Any,  # what other lists use (`village_label`)
) -> tuple[str, ...]:
    (village, ticket, kind, status, flags, created, subtype, filer, stored) = row
    answers: Mapping[str, Any] = stored or {}
    texts = catalogue("id")
    wrong = corrections(answers)
    return (
        *request_columns(ticket, kind, status, list(flags or []), village=village),
        created.astimezone(NATIONAL).strftime("%d-%m-%Y") if created else "",
        *region_names(village),
        _text(answers.get("street") or answers.get("address")),
        _text(answers.get("dusun")),
        _text(answers.get("rt")),
        _text(answers.get("rw")),
        _text(answers.get("kk")),
        _text(answers.get("nik")),
        _text(answers.get("name")),
        _choice(texts, "perbaikan_for", subtype),
        ", ".join(_choice(texts, "perbaikan_fields", field) for field in wrong),
        "; ".join(
            f"{_choice(texts, 'perbaikan_fields', field)}: {right_value(field, answers)}"
            for field in wrong
        ),
        _text(answers.get("recorded_now")),
        "Ada" if answers.get("document_photo") else "Tidak ada",
        "Sendiri" if subtype == "self" else (filer or ""),
    )


def right_value(field: str, answers: Mapping[str, Any]) -> str:
    """The right value of one wrong field, as staff read it (Indonesian labels)."""
    texts = catalogue("id")
    if field == "alamat":
        return f"{_text(answers.get('address'))}, RT/RW {_text(answers.get('rt_rw'))}"
    if field == "jenis_kelamin":
        return _choice(texts, "member_sex", answers.get("sex"))
    if field in ("perkawinan", "pekerjaan"):
        key = "marital" if field == "perkawinan" else "occupation"
        return _choice(texts, key, answers.get(key))
    if field == "anggota_keluarga":
        members = answers.get("members_correct") or []
        listed = [f"{m.get('nik') or '(tanpa NIK)'} {m.get('name')}" for m in members]
        return ", ".join(listed) or "tidak ada anggota lain"
    if field == "kondisi_rumah":
        parts = answers.get("house_parts") or []
        return ", ".join(
            f"{_choice(texts, 'house_parts', part)} {_choice(texts, part, answers.get(part))}"
            for part in parts
        )
    keys = {
        "nama": "name",
        "lahir": "birth",
        "ibu_kandung": "mother_name",
        "lainnya": "other_detail",
    }
    return _text(answers.get(keys.get(field, field)))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _choice(texts: Any, choice_set: str, value: object) -> str:
    key = f"choice.{choice_set}.{value}"
    return str(texts.text(key)) if value and texts.has(key) else _text(value)

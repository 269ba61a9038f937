"""The list of laporan perubahan for Dinas Sosial, written like the BNBA (staff/bnba.py):
XLSX or CSV, streamed, logged.

One row per report: the request (ticket, kind, status, flags), the household as DTSEN
knows it (KK, where it lives), the change (death, move, KK split, leaving) with the
member concerned and the change's own details (date, surat kematian or witness, where to,
the new KK and who is on it, the reason for leaving), and the reporter. Dinas Sosial
needs all of it to verify the change before it goes on through SIKS-NG (Permensos 3/2021
Pasal 6, seed 002): nothing here is confidential the way a sanggahan's objector is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import Select, select
from sqlmodel import col

from conversations.catalogue import catalogue
from conversations.validators import local_phone
from models.tables import Attachment, Request
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

PERUBAHAN_KIND: Final = "perubahan"
PERUBAHAN_COLUMNS: Final = (
    *HEAD_COLUMNS,
    "Dusun",
    "RT",
    "RW",
    "Nomor KK",
    "Jenis Perubahan",
    "Nama Anggota",
    "NIK Anggota",
    "Tanggal Kejadian",
    "Surat Kematian",
    "Saksi",
    "HP Saksi",
    "Pindah ke",
    "Nomor KK Baru",
    "Anggota KK Baru",
    "Alasan Keluar",
    "Keterangan",
    "NIK Pelapor",
    "Nama Pelapor",
)
PERUBAHAN_WIDTHS: Final = {
    **HEAD_WIDTHS,
    "Nomor KK": 20,
    "Jenis Perubahan": 30,
    "Nama Anggota": 28,
    "NIK Anggota": 20,
    "Tanggal Kejadian": 16,
    "Surat Kematian": 16,
    "Saksi": 24,
    "HP Saksi": 16,
    "Pindah ke": 40,
    "Nomor KK Baru": 20,
    "Anggota KK Baru": 50,
    "Alasan Keluar": 30,
    "Keterangan": 40,
    "NIK Pelapor": 20,
    "Nama Pelapor": 28,
}
PERUBAHAN_TEXT: Final = HEAD_TEXT | frozenset(
    {
        "RT",
        "RW",
        "Nomor KK",
        "NIK Anggota",
        "Tanggal Kejadian",
        "HP Saksi",
        "Nomor KK Baru",
        "NIK Pelapor",
    }
)
_ANSWERS: Final = (
    "dusun",
    "rt",
    "rw",
    "death_date",
    "move_date",
    "witness_name",
    "witness_phone",
    "destination",
    "new_kk",
    "leave_reason",
    "leave_detail",
)


def perubahan_query(where: Callable[[Select[Any]], Select[Any]]) -> Select[Any]:
    """One row per laporan perubahan, in export order; `where` narrows it like the BNBA's."""
    letter = (
        select(col(Attachment.id))
        .where(col(Attachment.request_id) == col(Request.id))
        .where(col(Attachment.purpose) == "evidence")
        .exists()
    )
    statement = request_list_query(
        PERUBAHAN_KIND,
        col(Request.subtype),
        col(Request.kk),
        col(Request.subject_name),
        col(Request.subject_nik),
        col(Request.nik),
        col(Request.name),
        letter,
        # Sealed at rest (models.sealed): the whole object, opened when read.
        col(Request.answers),
    )
    return where(statement)


def perubahan_row(
    row: Any,
    *,
    region_names: Callable[[str], tuple[str, str, str, str]],
    request_columns: Callable[..., tuple[str, str, str, str]],
    village_label: Callable[[str], str],
) -> tuple[str, ...]:
    (subtype, kk, member, member_nik, reporter_nik, reporter, has_letter, stored) = row[HEAD_SIZE:]
    answers = stored or {}
    dusun, rt, rw, died, moved, witness, phone, destination, new_kk, leave, detail = (
        text(answers.get(key)) for key in _ANSWERS
    )
    texts = catalogue("id")
    death = subtype == "death"
    return (
        *head_values(row, region_names=region_names, request_columns=request_columns),
        dusun,
        rt,
        rw,
        kk or "",
        choice(texts, "change", subtype),
        member or "",
        member_nik or "",
        _dmy(died or moved),
        ("Ada (foto)" if has_letter else "Tidak ada") if death else "",
        witness,
        local_phone(phone),
        village_label(destination) if destination else "",
        new_kk,
        "; ".join(str(line) for line in answers.get("split_members") or ()),
        choice(texts, "leave_reason", leave or None),
        detail,
        reporter_nik or "",
        reporter or "",
    )


def _dmy(iso: str) -> str:
    # "2026-11-20" -> "20-11-2026", like every date in the BNBA.
    parts = iso.split("-")
    return "-".join(reversed(parts)) if len(parts) == 3 else iso

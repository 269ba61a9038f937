"""What the lists of one row per request share (sanggahan, perbaikan, perubahan; the BNBA
has one row per person, staff/bnba.py): the leading columns that name the request and where
it was filed, the query's head and order, and how answers read in a cell."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import Select, select
from sqlmodel import col

from conversations.timezones import NATIONAL
from models.tables import Request

# Ticket, kind, status and flags come from staff/bnba.py's `request_columns`; the region's
# names from its `region_names`.
HEAD_COLUMNS: Final = (
    "Tiket",
    "Jenis Permohonan",
    "Status",
    "Tanda",
    "Tanggal Masuk",
    "Provinsi",
    "Kabupaten/Kota",
    "Kecamatan",
    "Desa/Kelurahan",
)
HEAD_WIDTHS: Final = {"Tanggal Masuk": 14}
HEAD_TEXT: Final = frozenset({"Tanggal Masuk"})
HEAD_SIZE: Final = 6  # the query's leading columns that `head_values` reads


def request_list_query(kind: str, *columns: Any) -> Select[Any]:
    """One row per request of this kind, in export order (village, then ticket): the
    head's columns, then `columns`."""
    return (
        select(
            col(Request.village_code),
            col(Request.ticket),
            col(Request.kind),
            col(Request.status),
            col(Request.flags),
            col(Request.created_at),
            *columns,
        )
        .where(col(Request.kind) == kind)
        .order_by(col(Request.village_code), col(Request.ticket))
    )


def head_values(
    row: Any,
    *,
    region_names: Callable[[str], tuple[str, str, str, str]],
    request_columns: Callable[..., tuple[str, str, str, str]],
) -> tuple[str, ...]:
    """The cells of `HEAD_COLUMNS` from a row of `request_list_query`."""
    village, ticket, kind, status, flags, created = row[:HEAD_SIZE]
    return (
        *request_columns(ticket, kind, status, list(flags or []), village=village),
        day(created),
        *region_names(village),
    )


def day(moment: Any) -> str:
    """A date as every date in the lists reads: "20-11-2026"."""
    return moment.astimezone(NATIONAL).strftime("%d-%m-%Y") if moment else ""


def text(value: object) -> str:
    """An answer in a cell, as SQL's JSON-to-text gave it: strings as they are, numbers
    as text, nothing as ""."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def choice(texts: Any, choice_set: str, value: object) -> str:
    """A choice's words as the citizen read them (`choice.<set>.<value>`), or the value."""
    key = f"choice.{choice_set}.{value}"
    return str(texts.text(key)) if value and texts.has(key) else text(value)

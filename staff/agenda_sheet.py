"""A musyawarah's agenda as an XLSX for the meeting's table: what the printed agenda shows
(no NIK, no objector), one row per request, and the export logged."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

from sqlmodel import Session

from models.staff import log_access
from models.tables import Musyawarah, StaffAccount

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

AGENDA_COLUMNS: Final = (
    ("No", 5),
    ("Tiket", 11),
    ("Jenis", 12),
    ("Nama", 30),
    ("Dusun", 16),
    ("RT", 6),
    ("RW", 6),
    ("Tanda", 36),
    ("Keputusan", 14),
    ("Catatan", 40),
)


def _cell(sheet: WriteOnlyWorksheet, value: str, *, bold: bool = False) -> Cell:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # text, never a formula
    if bold:
        cell.font = Font(bold=True)
    return cell


def agenda_workbook(
    meeting: Musyawarah, village: str, held: str, rows: Sequence[Sequence[str]]
) -> bytes:
    """The agenda as an XLSX (openpyxl write-only mode); each row holds the values of
    AGENDA_COLUMNS, in that order."""
    # openpyxl only when an agenda is exported, not on every web worker's start-up.
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Agenda")
    for index, (_title, width) in enumerate(AGENDA_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([_cell(sheet, "Agenda Musyawarah Desa/Kelurahan", bold=True)])
    sheet.append([_cell(sheet, "Desa/Kelurahan"), _cell(sheet, village)])
    sheet.append([_cell(sheet, "Waktu"), _cell(sheet, held)])
    sheet.append([_cell(sheet, "Tempat"), _cell(sheet, meeting.place)])
    sheet.append([])
    sheet.append([_cell(sheet, title, bold=True) for title, _width in AGENDA_COLUMNS])
    for row in rows:
        sheet.append([_cell(sheet, value) if value else None for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_agenda(
    session: Session,
    meeting: Musyawarah,
    *,
    village: str,
    held: str,
    rows: Sequence[Sequence[str]],
    staff: StaffAccount,
    at: datetime,
) -> bytes:
    """The workbook, with the export in the access log (it lists citizens by name)."""
    data = agenda_workbook(meeting, village, held, rows)
    log_access(
        session,
        staff_id=staff.id,
        action="musyawarah.agenda_export",
        target=f"musyawarah:{meeting.id}",
        allowed=True,
        at=at,
        detail=f"{len(rows)} item(s)",
    )
    return data

"""The by-name-by-address list (BNBA) of proposals, for Dinas Sosial: XLSX or CSV.

One row per person: the proposed person of each usulan, then each household member (same
KK and address), in the column order of the Dinsos import (`BNBA_COLUMNS`, see DOMAIN.md).
Only usulan are listed: a sanggahan disputes an existing entry and a perbaikan corrects
one, so they have no place in a BNBA of proposals; each has its own list of one row per
request (`LISTS`). "ID DTKS" stays empty: these are new proposals.

Rows are streamed from the database (one query, server-side cursor on PostgreSQL) in a
stable order (village, ticket, person) and written as they come, so memory stays flat
however many people an area holds: openpyxl's write-only mode for XLSX (inline strings, no
shared-string table), `csv` for CSV. The file holds personal data (NIK, KK, names): write it
where only the staff member can read it, and record every export with `log_export`.

Cell choices a user would notice:
- NIK, KK, RT, RW and dates are text (number format "@"): Excel would show a 16-digit
  number as 3.20405E+15 and drop the last digit, and "003" would lose its zeros.
- Every value is written as a string cell, so an address typed as "=HYPERLINK(...)" stays
  text in the XLSX instead of becoming a formula. In the CSV such a value (one starting with
  = + - @, tab or CR) gets a leading apostrophe, as OWASP advises against CSV injection.
- CSV: comma-separated (RFC 4180), every field quoted, CRLF line ends, UTF-8 with a BOM so
  Excel reads the names right. Excel set to an Indonesian locale expects ";" when a CSV is
  double-clicked; the XLSX is the file for people, the CSV for import tools.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, Literal

from sqlalchemy import Select, Text, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from conversations.catalogue import catalogue
from conversations.kinds import CAPACITY_LABELS, KINDS, NAMES, request_kind
from conversations.tickets import shown as ticket_shown
from conversations.timezones import NATIONAL
from conversations.validators import (
    RegionIndex,
    check_nik,
    default_regions,
    dotted_code,
    local_phone,
)
from models.database import DEFERRED_BEGIN
from models.tables import (
    ExportLog,
    HouseholdMember,
    Musyawarah,
    MusyawarahItem,
    Proposer,
    Request,
)
from staff.kind_words import stage_label
from staff.perbaikan_list import (
    PERBAIKAN_COLUMNS,
    PERBAIKAN_KIND,
    PERBAIKAN_TEXT,
    PERBAIKAN_WIDTHS,
    perbaikan_query,
    perbaikan_row,
)
from staff.perubahan_list import (
    PERUBAHAN_COLUMNS,
    PERUBAHAN_KIND,
    PERUBAHAN_TEXT,
    PERUBAHAN_WIDTHS,
    perubahan_query,
    perubahan_row,
)
from staff.sanggahan_list import (
    SANGGAHAN_COLUMNS,
    SANGGAHAN_KIND,
    SANGGAHAN_TEXT,
    SANGGAHAN_WIDTHS,
    sanggahan_query,
    sanggahan_row,
)
from staff.workflow import TransitionRefused, Workflows

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

BNBA_COLUMNS: Final = (
    "ID DTKS",
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
    "Tanggal Lahir",
    "Tempat Lahir",
    "Jenis Kelamin",
    "Nama Ibu Kandung",
    "Hubungan Keluarga",
    # Not in the Dinsos import: what the citizen told beyond it (empty when not given)...
    "Pekerjaan",
    "Disabilitas",
    # ...and what staff need to follow each row up (every list has them).
    "Tiket",
    "Jenis Permohonan",
    "Status",
    "Tanda",
    # Who proposed the household in their capacity (Permensos 3/2021 Pasal 5: RT/RW,
    # kepala dusun, kepala desa/lurah, PSKS), apart from the household; empty when the
    # household or a relative filed it.
    "Diusulkan Oleh",
    "Nama Pengusul",
    "NIK Pengusul",
    "HP Pengusul",
)
# Kept as text in the XLSX (number format "@"), whatever a spreadsheet would guess.
TEXT_COLUMNS: Final = frozenset(
    {"RT", "RW", "Nomor KK", "Nomor NIK", "Tanggal Lahir", "NIK Pengusul", "HP Pengusul"}
)
_WIDTHS: Final = {
    "ID DTKS": 12,
    "Provinsi": 18,
    "Kabupaten/Kota": 24,
    "Kecamatan": 20,
    "Desa/Kelurahan": 22,
    "Alamat": 40,
    "Dusun": 16,
    "RT": 6,
    "RW": 6,
    "Nomor KK": 20,
    "Nomor NIK": 20,
    "Nama": 30,
    "Tanggal Lahir": 15,
    "Tempat Lahir": 18,
    "Jenis Kelamin": 15,
    "Nama Ibu Kandung": 28,
    "Hubungan Keluarga": 20,
    "Pekerjaan": 20,
    "Disabilitas": 12,
    "Tiket": 12,
    "Jenis Permohonan": 16,
    "Status": 30,
    "Tanda": 30,
    "Diusulkan Oleh": 24,
    "Nama Pengusul": 28,
    "NIK Pengusul": 20,
    "HP Pengusul": 16,
}
# The meeting's decision that puts a request in the BNBA by default.
LAYAK: Final = "layak"
# The request kinds whose households are listed (usulan: the households proposed).
BNBA_KINDS: Final = tuple(kind.name for kind in KINDS if kind.bnba)
# Rows fetched per round trip: large enough to be quick, small enough to stay flat.
FETCH_ROWS: Final = 500
# Values a spreadsheet would run as a formula when the CSV is opened (OWASP).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")

# A request whose citizen withdrew consent: in no list unless asked for (and logged).
WITHDRAWN: Final = "consent_withdrawn"

ExportFormat = Literal["xlsx", "csv"]
FORMATS: Final[tuple[ExportFormat, ...]] = ("xlsx", "csv")
BnbaRow = tuple[str, ...]


class BnbaError(ValueError):
    """A selection or file name that cannot be exported; the message is for staff, in
    Bahasa Indonesia (the dashboard and the CLI show it as it is)."""


# A list of one row per request: its query, narrowed by the selection (`narrowed`)...
RequestQuery = Callable[[Callable[[Select[Any]], Select[Any]]], Select[Any]]
# ...and the row it writes from each result, given (keywords) `region_names`,
# `request_columns` (Tiket, Jenis Permohonan, Status, Tanda) and `village_label`.
RequestRow = Callable[..., tuple[str, ...]]


@dataclass(frozen=True)
class ListSpec:
    """One kind's list: its name (file names, the export log), its columns, and for a list
    of one row per request (sanggahan, perbaikan) the query and row that write it; the
    BNBA (one row per person) has neither."""

    name: str
    columns: tuple[str, ...]
    widths: Mapping[str, int]
    text_columns: frozenset[str]
    query: RequestQuery | None = None
    row: RequestRow | None = None
    # The dashboard's name for it (the export page's choice).
    label: str = ""


BNBA_LIST: Final = ListSpec("bnba", BNBA_COLUMNS, _WIDTHS, TEXT_COLUMNS, label="BNBA usulan")
SANGGAHAN_LIST: Final = ListSpec(
    "sanggahan",
    SANGGAHAN_COLUMNS,
    {**_WIDTHS, **SANGGAHAN_WIDTHS},
    SANGGAHAN_TEXT,
    sanggahan_query,
    sanggahan_row,
    "Sanggahan",
)
PERBAIKAN_LIST: Final = ListSpec(
    "perbaikan",
    PERBAIKAN_COLUMNS,
    {**_WIDTHS, **PERBAIKAN_WIDTHS},
    PERBAIKAN_TEXT,
    perbaikan_query,
    perbaikan_row,
    "Perbaikan data",
)
PERUBAHAN_LIST: Final = ListSpec(
    "perubahan",
    PERUBAHAN_COLUMNS,
    {**_WIDTHS, **PERUBAHAN_WIDTHS},
    PERUBAHAN_TEXT,
    perubahan_query,
    perubahan_row,
    "Laporan perubahan",
)
# Each kind's list: the usulan's BNBA, and one row per request for the sanggahan, the
# perbaikan and the laporan perubahan.
LISTS: Final = {
    **{kind: BNBA_LIST for kind in BNBA_KINDS},
    SANGGAHAN_KIND: SANGGAHAN_LIST,
    PERBAIKAN_KIND: PERBAIKAN_LIST,
    PERUBAHAN_KIND: PERUBAHAN_LIST,
}


@dataclass(frozen=True)
class BnbaSelection:
    """Which requests go into the list.

    `area`: a kabupaten/kota ("32.04"), kecamatan ("32.04.05") or desa ("32.04.05.2004")
    code; every request whose village lies in it. `musyawarah_id`: only the requests on that
    meeting's agenda, and only those it found "layak" unless `all_decisions`. `statuses`:
    only requests in one of these statuses (empty: any status, open or closed). `kind`: whose
    list (`LISTS`): the usulan's BNBA, the sanggahan's or the perbaikan's list.
    `include_withdrawn`: also requests whose citizen withdrew consent, left out unless asked
    for (the export log records the asking).
    """

    area: str
    musyawarah_id: int | None = None
    all_decisions: bool = False
    statuses: tuple[str, ...] = ()
    kind: str = "usulan"
    include_withdrawn: bool = False

    @property
    def spec(self) -> ListSpec:
        return LISTS[self.kind]


def format_for(path: Path) -> ExportFormat:
    """The export format a file name asks for: `.xlsx` or `.csv` (any case)."""
    suffix = path.suffix.lower().lstrip(".")
    for fmt in FORMATS:
        if suffix == fmt:
            return fmt
    raise BnbaError(f"{path.name!r}: nama berkas harus berakhiran .xlsx atau .csv")


def check_selection(
    connection: Connection, selection: BnbaSelection, regions: RegionIndex
) -> BnbaSelection:
    """The selection with its area code normalised, or BnbaError saying what is wrong."""
    if selection.kind not in LISTS:
        raise BnbaError(f"tidak ada daftar untuk jenis {selection.kind!r}")
    area = dotted_code(selection.area)
    region = regions.get(area) if area else None
    if area is None or region is None:
        raise BnbaError(f"{selection.area!r} bukan kode wilayah Kemendagri")
    if region.level == "provinsi":
        raise BnbaError(
            f"{area} adalah provinsi: ekspor per kabupaten/kota, kecamatan atau desa/kelurahan"
        )
    if selection.musyawarah_id is not None:
        village = connection.scalar(
            select(col(Musyawarah.village_code)).where(
                col(Musyawarah.id) == selection.musyawarah_id
            )
        )
        if village is None:
            raise BnbaError(f"musyawarah {selection.musyawarah_id} tidak ada")
        if not _in_area(village, area):
            raise BnbaError(
                f"musyawarah {selection.musyawarah_id} diadakan di {village}, di luar {area}"
            )
    return replace(selection, area=area)


def _in_area(village_code: str, area: str) -> bool:
    return village_code == area or village_code.startswith(area + ".")


def bnba_query(selection: BnbaSelection) -> Select[Any]:
    """One row per request and member (a request without members gives one row), in export
    order. `selection.area` must be normalised (see `check_selection`)."""
    answers = col(Request.answers)
    village = col(Request.village_code)
    statement = (
        select(
            col(Request.id),
            village,
            col(Request.nik),
            col(Request.kk),
            col(Request.name),
            # Sealed at rest (models.sealed): the whole object, opened as it is read.
            answers,
            col(HouseholdMember.position),
            col(HouseholdMember.nik),
            col(HouseholdMember.name),
            col(HouseholdMember.relationship),
            col(HouseholdMember.sex),
            col(HouseholdMember.birth_date),
            col(HouseholdMember.occupation),
            col(HouseholdMember.disability),
            col(HouseholdMember.birth_place),
            col(HouseholdMember.mother_name),
            col(Request.ticket),
            col(Request.kind),
            col(Request.status),
            col(Request.flags),
            col(Proposer.capacity),
            col(Proposer.name),
            col(Proposer.nik),
            col(Proposer.phone),
        )
        .select_from(Request)
        .outerjoin(HouseholdMember, col(HouseholdMember.request_id) == col(Request.id))
        .outerjoin(Proposer, col(Proposer.request_id) == col(Request.id))
        .where(col(Request.kind).in_(BNBA_KINDS))
        .order_by(village, col(Request.ticket), col(HouseholdMember.position))
    )
    return narrowed(statement, selection)


def narrowed(statement: Select[Any], selection: BnbaSelection) -> Select[Any]:
    """A list's query narrowed to the selection: area, statuses, agenda, consent."""
    village = col(Request.village_code)
    area = selection.area
    # Codes are digits and dots (checked), so LIKE needs no escaping; a desa is exact.
    statement = statement.where(
        village == area if area.count(".") == 3 else village.like(area + ".%")
    )
    if not selection.include_withdrawn:
        # Flags are a JSON list of identifiers stored as written (staff/review.py).
        statement = statement.where(~sql_cast(col(Request.flags), Text).like(f'%"{WITHDRAWN}"%'))
    if selection.statuses:
        statement = statement.where(col(Request.status).in_(selection.statuses))
    if selection.musyawarah_id is not None:
        agenda = select(col(MusyawarahItem.request_id)).where(
            col(MusyawarahItem.musyawarah_id) == selection.musyawarah_id
        )
        if not selection.all_decisions:
            agenda = agenda.where(col(MusyawarahItem.decision) == LAYAK)
        statement = statement.where(col(Request.id).in_(agenda))
    return statement


_ANSWER_KEYS: Final = (
    "birth_place",
    "birth_date",
    "mother_name",
    "relationship",
    "dusun",
    "rt",
    "rw",
    "street",
)


def _text(value: object) -> str | None:
    # As SQL's JSON-to-text gave it: strings as they are, numbers as text, nothing as None.
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def bnba_rows(
    connection: Connection,
    selection: BnbaSelection,
    *,
    regions: RegionIndex,
    today: date,
    fetch_rows: int = FETCH_ROWS,
    workflows: Workflows | None = None,
) -> Iterator[BnbaRow]:
    """The selection's list rows, streamed (`fetch_rows` at a time) in export order.

    With `workflows`, the Status column holds the stage's name for the request's kind;
    without, its code."""
    person = _PersonRows(regions, today, workflows)
    spec = selection.spec
    if spec.query is not None and spec.row is not None:
        query = spec.query(lambda statement: narrowed(statement, selection))
        for listed in connection.execute(query.execution_options(yield_per=fetch_rows)):
            yield spec.row(
                listed,
                region_names=person.region_names,
                request_columns=person.request_columns,
                village_label=person.village_label,
            )
        return
    statement = bnba_query(selection).execution_options(yield_per=fetch_rows)
    previous: int | None = None
    place: tuple[str, ...] = ()
    kk_text = ""
    about: tuple[str, ...] = ()
    for found in connection.execute(statement):
        cells, proposer = tuple(found[:-4]), tuple(found[-4:])
        (request_id, village, nik, kk, name, stored, position, m_nik, m_name, m_rel) = cells[:-10]
        m_sex, m_born, m_job, m_disabled, m_place, m_mother = cells[-10:-4]
        if request_id != previous:  # the request's first row: its proposed person
            answers = [_text(stored.get(key)) for key in _ANSWER_KEYS]
            job = _text(stored.get("occupation"))
            previous = request_id
            place = person.address(village, *answers[4:])
            kk_text = kk or ""
            ticket, kind, status, flags = cells[-4:]
            about = person.request_columns(ticket, kind, status, list(flags or []), village=village)
            about += _proposer_columns(*proposer)
            head = person.head(place, kk_text, nik, name, *answers[:4])
            yield (*head, person.label("occupation", job), "", *about)
        if position is not None:
            member = person.member(
                place, kk_text, m_nik, m_name, m_rel, m_sex, m_born, m_place, m_mother
            )
            yield (*member, person.label("occupation", m_job), _disabled(m_disabled), *about)


class _PersonRows:
    """Builds the rows of one export, memoising the look-ups that repeat."""

    def __init__(self, regions: RegionIndex, today: date, workflows: Workflows | None) -> None:
        self._regions = regions
        self._today = today
        self._workflows = workflows
        self._region_names: dict[str, tuple[str, str, str, str]] = {}
        self._labels: dict[tuple[str, str | None], str] = {}
        self._statuses: dict[tuple[str, str, str], str] = {}

    def request_columns(
        self, ticket: str, kind: str, status: str, flags: list[str], *, village: str = ""
    ) -> tuple[str, str, str, str]:
        """(Tiket, Jenis Permohonan, Status, Tanda) of a request."""
        shown = self._status(kind, status, village)
        label = request_kind(kind).staff_label if kind in NAMES else kind
        return ticket_shown(ticket), label, shown, ", ".join(flags)

    def _status(self, kind: str, status: str, village: str) -> str:
        key = (kind, status, village[:5])
        if key not in self._statuses:
            shown = status
            if self._workflows is not None and village:
                try:
                    stage = self._workflows.for_village(village).stage(status)
                    shown = stage_label(kind, stage)
                except TransitionRefused:
                    pass  # a status from an older workflow version: shown by its code
            self._statuses[key] = shown
        return self._statuses[key]

    def region_names(self, village: str) -> tuple[str, str, str, str]:
        names = self._region_names.get(village)
        if names is None:
            names = self._region_names[village] = self._names(village)
        return names

    def address(
        self, village: str, dusun: str | None, rt: str | None, rw: str | None, street: str | None
    ) -> tuple[str, ...]:
        """(provinsi, kabupaten/kota, kecamatan, desa/kelurahan, alamat, dusun, rt, rw)."""
        # A handful of villages per export: their names are looked up once.
        return (*self.region_names(village), street or "", dusun or "", rt or "", rw or "")

    def _names(self, village: str) -> tuple[str, str, str, str]:
        # The current list wins; a retired code resolves from the retired list.
        found = [self._regions.get(code) for code in (village[:2], village[:5], village[:8])]
        desa = self._regions.get(village)
        provinsi, kabupaten, kecamatan = (region.name if region else "" for region in found)
        return provinsi, kabupaten, kecamatan, desa.name if desa else ""

    def village_label(self, village: str) -> str:
        """ "Cinunuk, Kec. Cileunyi, Kabupaten Bandung" (a code no list knows: the code)."""
        found = self._regions.village(village)
        return found.label() if found else village

    def relationship(self, value: str | None) -> str:
        """The Indonesian label of a relationship choice ("Kepala keluarga"), else as stored."""
        return self.label("relationship", value)

    def label(self, choices: str, value: str | None) -> str:
        """The Indonesian label of a chat choice ("Petani atau pekebun"), else as stored."""
        label = self._labels.get((choices, value))
        if label is None:
            texts, key = catalogue("id"), f"choice.{choices}.{value}"
            label = texts.text(key) if value and texts.has(key) else (value or "")
            self._labels[(choices, value)] = label
        return label

    def head(
        self,
        place: tuple[str, ...],
        kk: str,
        nik: str,
        name: str,
        birth_place: str | None,
        birth_date: str | None,
        mother_name: str | None,
        relationship: str | None,
    ) -> BnbaRow:
        born, sex = self.nik_birth_and_sex(nik)
        if birth_date:  # asked, and checked against the NIK when it was given
            born = _dmy(birth_date)
        return (
            "",
            *place,
            kk,
            nik,
            name,
            born,
            birth_place or "",
            sex,
            mother_name or "",
            self.relationship(relationship),
        )

    def member(
        self,
        place: tuple[str, ...],
        kk: str,
        nik: str | None,
        name: str,
        relationship: str,
        sex: str | None = None,
        birth_date: date | None = None,
        birth_place: str | None = None,
        mother_name: str | None = None,
    ) -> BnbaRow:
        # Birth date and sex: what the NIK says, else what the citizen said for a member
        # without one (members filed before that was asked have neither).
        born, nik_sex = self.nik_birth_and_sex(nik) if nik else ("", "")
        if not born and birth_date:
            born = birth_date.strftime("%d-%m-%Y")
        return (
            "",
            *place,
            kk,
            nik or "",
            name,
            born,
            birth_place or "",
            nik_sex or sex or "",
            mother_name or "",
            self.relationship(relationship),
        )

    def nik_birth_and_sex(self, nik: str) -> tuple[str, str]:
        """("DD-MM-YYYY", "L"|"P") from the NIK, or ("", "") when check_nik refuses it."""
        info = check_nik(nik, today=self._today, regions=self._regions).value
        return (info.birth_date.strftime("%d-%m-%Y"), info.sex) if info else ("", "")


def _proposer_columns(
    capacity: str | None, name: str | None, nik: str | None, phone: str | None
) -> tuple[str, str, str, str]:
    """(Diusulkan Oleh, Nama Pengusul, NIK Pengusul, HP Pengusul); empty without one."""
    if capacity is None:
        return ("", "", "", "")
    return (
        CAPACITY_LABELS.get(capacity, capacity),
        name or "",
        nik or "",
        local_phone(phone or ""),
    )


def _disabled(value: bool | None) -> str:
    return "" if value is None else ("Ya" if value else "Tidak")


def _dmy(iso: str) -> str:
    try:
        return date.fromisoformat(iso).strftime("%d-%m-%Y")
    except ValueError:
        return iso  # not ours to fix: show it as stored


# --- writers ---------------------------------------------------------------------------------


def write_xlsx(rows: Iterable[BnbaRow], out: BinaryIO | Path, spec: ListSpec = BNBA_LIST) -> int:
    """Write the rows as a one-sheet workbook in write-only mode; returns the row count."""
    # openpyxl (and numpy, which it imports when present) only for an XLSX export: not
    # on every web worker's and CLI command's start-up.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = spec.columns
    workbook = Workbook(write_only=True)
    # A WriteOnlyWorksheet; its stubs lack column_dimensions and auto_filter, so it stays Any.
    sheet = workbook.create_sheet(spec.name.upper())
    # Widths, frozen header: before the first row (write-only writes the top first).
    for index, title in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = spec.widths.get(title, 14)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in columns:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    # Text columns get a styled cell ("@"), and so does any value openpyxl would take for a
    # formula; the rest go in as plain strings (the fast path). One reusable cell per
    # column: append writes the row out before it returns.
    cells = [WriteOnlyCell(sheet) for _ in columns]
    styled = [title in spec.text_columns for title in columns]
    for cell, text in zip(cells, styled, strict=True):
        if text:
            cell.number_format = "@"
    count = 0
    line: list[Cell | str | None] = [None] * len(columns)
    for row in rows:
        if ILLEGAL_CHARACTERS_RE.search("".join(row)):  # control characters XML cannot hold
            row = tuple(ILLEGAL_CHARACTERS_RE.sub("", value) for value in row)
        for i, value in enumerate(row):
            if not value:
                line[i] = None
            elif styled[i] or value[0] == "=":
                cell = cells[i]
                cell.value = value
                cell.data_type = "s"  # never a formula
                line[i] = cell
            else:
                line[i] = value
        sheet.append(line)
        count += 1
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"  # written at the end of the sheet
    workbook.save(out)
    return count


def write_csv(rows: Iterable[BnbaRow], out: BinaryIO, spec: ListSpec = BNBA_LIST) -> int:
    """Write the rows as CSV (UTF-8 with BOM, comma, all quoted); returns the row count."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(spec.columns)
        count = 0
        for row in rows:
            writer.writerow(["'" + v if v.startswith(_FORMULA_START) else v for v in row])
            count += 1
        text.flush()
    finally:
        text.detach()  # leave the caller's stream open
    return count


def write_rows(
    rows: Iterable[BnbaRow], out: BinaryIO, fmt: ExportFormat, spec: ListSpec = BNBA_LIST
) -> int:
    return write_xlsx(rows, out, spec) if fmt == "xlsx" else write_csv(rows, out, spec)


# --- the library entry points ------------------------------------------------------------------


def write_bnba(
    source: Engine | Session,
    selection: BnbaSelection,
    out: BinaryIO | Path,
    fmt: ExportFormat,
    *,
    regions: RegionIndex | None = None,
    today: date | None = None,
    fetch_rows: int = FETCH_ROWS,
    workflows: Workflows | None = None,
) -> int:
    """Write the list of `selection` to `out`; returns how many rows it holds (people in
    the BNBA, requests in the sanggahan and perbaikan lists).

    Raises BnbaError before anything is written when the selection is wrong. A Path is
    written to a private temporary file (mode 0600) next to it and renamed into place once
    complete: a failed export leaves no partial file of personal data behind.
    Memory holds one batch of `fetch_rows` database rows, however many people there are.
    Access control (may this staff member export this area?) is the caller's.
    """
    index = regions if regions is not None else default_regions()
    day = today if today is not None else datetime.now(NATIONAL).date()
    with _reading(source) as connection:
        checked = check_selection(connection, selection, index)
        rows = bnba_rows(
            connection,
            checked,
            regions=index,
            today=day,
            fetch_rows=fetch_rows,
            workflows=workflows,
        )
        if isinstance(out, Path):
            return _write_file(rows, out, fmt, checked.spec)
        return write_rows(rows, out, fmt, checked.spec)


@contextmanager
def _reading(source: Engine | Session) -> Iterator[Connection]:
    if isinstance(source, Session):
        yield source.connection()
        return
    # DEFERRED on SQLite: a long read must not hold the write lock (no-op on PostgreSQL).
    with source.connect().execution_options(**{DEFERRED_BEGIN: True}) as connection:
        yield connection


def _write_file(rows: Iterable[BnbaRow], path: Path, fmt: ExportFormat, spec: ListSpec) -> int:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            count = write_rows(rows, handle, fmt, spec)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count


def log_export(
    engine: Engine,
    selection: BnbaSelection,
    fmt: ExportFormat,
    rows: int,
    *,
    staff_id: int | None,
    at: datetime | None = None,
) -> int:
    """Record an export in its own transaction (call it once the file is complete);
    returns the log row's id. `staff_id` None: from the command line."""
    area = dotted_code(selection.area) or selection.area
    entry = ExportLog(
        staff_id=staff_id,
        at=at or datetime.now(UTC),
        area_code=area,
        musyawarah_id=selection.musyawarah_id,
        file_format=fmt,
        rows=rows,
        list_name=selection.spec.name if selection.kind in LISTS else selection.kind,
        withdrawn_included=selection.include_withdrawn,
    )
    with Session(engine) as session, session.begin():
        session.add(entry)
        session.flush()
        assert entry.id is not None
        return entry.id


def export_bnba(
    engine: Engine,
    selection: BnbaSelection,
    out: BinaryIO | Path,
    fmt: ExportFormat,
    *,
    staff_id: int | None,
    regions: RegionIndex | None = None,
    now: datetime | None = None,
    workflows: Workflows | None = None,
) -> int:
    """`write_bnba`, then `log_export` once the file is complete; returns the row count."""
    moment = now or datetime.now(UTC)
    count = write_bnba(
        engine,
        selection,
        out,
        fmt,
        regions=regions,
        today=moment.astimezone(NATIONAL).date(),
        workflows=workflows,
    )
    log_export(engine, selection, fmt, count, staff_id=staff_id, at=moment)
    return count

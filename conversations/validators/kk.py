"""KK (Kartu Keluarga) number: 16 digits = region (6) + registration date DDMMYY (no +40)
+ serial (4, never 0000).

An impossible or future date is only a warning: it turns up in genuine old cards, so the
citizen is asked to check, and the answer is accepted and flagged for staff if confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from conversations.validators._dates import dmy, two_digit_year_date
from conversations.validators.idnumber import check_region, structural_problem
from conversations.validators.problems import Checked, Problem, problem
from conversations.validators.regions import Region, RegionIndex, default_regions


@dataclass(frozen=True)
class KkInfo:
    normalized: str
    province: Region
    regency: Region
    kecamatan: Region | None
    issued_on: date | None
    serial: str


def check_kk(raw: str, *, today: date, regions: RegionIndex | None = None) -> Checked[KkInfo]:
    number, shape_problem = structural_problem(raw, "kk")
    if shape_problem is not None:
        return Checked.bad(shape_problem)
    index = regions if regions is not None else default_regions()
    parts, region_error, region_warning = check_region(number, "kk", index)
    issued_on, date_warning = _issued(number, today)
    warnings = tuple(p for p in (region_warning, date_warning) if p)
    serial = number[12:]
    errors = [p for p in (region_error,) if p]
    if serial == "0000":
        errors.append(problem("kk_serial_zero"))
    if errors or parts is None:
        return Checked.bad(*errors, warnings=warnings)
    info = KkInfo(number, parts.province, parts.regency, parts.kecamatan, issued_on, serial)
    return Checked.good(info, *warnings)


def _issued(number: str, today: date) -> tuple[date | None, Problem | None]:
    digits = number[6:12]
    day, month, yy = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    issued = two_digit_year_date(yy, month, day, today=today)
    if issued is None:
        shown = f"{digits[:2]}-{digits[2:4]}-{digits[4:]}"
        return None, problem("kk_issue_date_invalid", digits=shown)
    if issued > today:
        return issued, problem("kk_issue_date_future", date=dmy(issued))
    return issued, None

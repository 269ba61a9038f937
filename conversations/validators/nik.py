"""NIK (Nomor Induk Kependudukan): 16 digits = region (6) + birth date DDMMYY, day + 40 for
women (6) + serial (4, never 0000).

A number that passes may still not exist; only Dukcapil can confirm it. These checks cover
structure, region codes and consistency with what the citizen says, and nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from conversations.validators._dates import dmy, real_date, two_digit_year_date
from conversations.validators.idnumber import check_region, structural_problem
from conversations.validators.problems import Checked, Problem, Term, problem
from conversations.validators.regions import Region, RegionIndex, default_regions

Sex = Literal["L", "P"]
_WOMEN_DAY_OFFSET = 40


@dataclass(frozen=True)
class NikInfo:
    normalized: str
    province: Region
    regency: Region
    kecamatan: Region | None
    birth_date: date
    sex: Sex
    serial: str


def check_nik(raw: str, *, today: date, regions: RegionIndex | None = None) -> Checked[NikInfo]:
    number, shape_problem = structural_problem(raw, "nik")
    if shape_problem is not None:
        return Checked.bad(shape_problem)
    index = regions if regions is not None else default_regions()
    parts, region_error, region_warning = check_region(number, "nik", index)
    errors = [p for p in (region_error,) if p]
    warnings = tuple(p for p in (region_warning,) if p)
    birth = _birth(number, today)
    if isinstance(birth, Problem):
        errors.append(birth)
    serial = number[12:]
    if serial == "0000":
        errors.append(problem("nik_serial_zero"))
    if errors or parts is None or isinstance(birth, Problem):
        return Checked.bad(*errors, warnings=warnings)
    birth_date, sex = birth
    info = NikInfo(number, parts.province, parts.regency, parts.kecamatan, birth_date, sex, serial)
    return Checked.good(info, *warnings)


class NikScreen:
    """Whether `check_nik` would find nothing to report (valid, no warning) for a cell of
    exactly 16 ASCII digits, from caches of the three parts it checks independently: the
    region (first 6), the birth date (next 6) and the serial. A spreadsheet of a village
    repeats a few regions and dates thousands of times; the screen answers those at dict
    speed, and anything it does not call clean goes through `check_nik` itself."""

    def __init__(self, *, today: date, regions: RegionIndex) -> None:
        self._today = today
        self._regions = regions
        self._region_clean: dict[str, bool] = {}
        self._birth_ok: dict[str, bool] = {}

    def clean(self, raw: str) -> bool:
        if len(raw) != 16 or not raw.isdigit() or not raw.isascii():
            return False  # other shapes are normalised (or refused) by check_nik
        region = self._region_clean.get(raw[:6])
        if region is None:
            _, error, warning = check_region(raw, "nik", self._regions)
            region = self._region_clean[raw[:6]] = error is None and warning is None
        if not region:
            return False
        birth = self._birth_ok.get(raw[6:12])
        if birth is None:
            birth = self._birth_ok[raw[6:12]] = not isinstance(_birth(raw, self._today), Problem)
        return birth and raw[12:] != "0000"


def _birth(number: str, today: date) -> tuple[date, Sex] | Problem:
    digits = number[6:12]
    day, month, yy = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    sex: Sex = "P" if day > _WOMEN_DAY_OFFSET else "L"
    if sex == "P":
        day -= _WOMEN_DAY_OFFSET
    shown = f"{digits[:2]}-{digits[2:4]}-{digits[4:]}"
    # Day 32-40 and 72+ fall in neither range; a real date check rejects them with day 0.
    if not (1 <= day <= 31):
        return problem("nik_birth_date_invalid", digits=shown)
    born = two_digit_year_date(yy, month, day, today=today)
    if born is None:
        return problem("nik_birth_date_invalid", digits=shown)
    if born > today:
        return problem("nik_birth_date_future", date=dmy(born))
    return born, sex


def nik_birth_date_mismatch(nik: NikInfo, birth_date: date) -> Problem | None:
    """The NIK's birth date against the one the citizen typed; says which parts differ.

    The NIK holds only two year digits, so 1925 and 2025 agree with a NIK year of 25.
    """
    ours = nik.birth_date
    day = ours.day != birth_date.day
    month = ours.month != birth_date.month
    year = ours.year % 100 != birth_date.year % 100
    if not (day or month or year):
        return None
    if not year:
        # Show the NIK's date in the century the citizen typed, so only real differences show.
        ours = real_date(birth_date.year, ours.month, ours.day) or ours
    swapped = (
        day
        and month
        and not year
        and (ours.day, ours.month)
        == (
            birth_date.month,
            birth_date.day,
        )
    )
    which = "swapped" if swapped else "_".join(n for n, d in _parts(day, month, year) if d)
    return problem(
        "birth_date_mismatch",
        nik_date=dmy(ours),
        typed_date=dmy(birth_date),
        day=day,
        month=month,
        year=year,
        parts=Term("problem_part." + which),
    )


def _parts(day: bool, month: bool, year: bool) -> tuple[tuple[str, bool], ...]:
    return (("day", day), ("month", month), ("year", year))


def nik_sex_mismatch(nik: NikInfo, sex: Sex) -> Problem | None:
    """The sex coded in the NIK (day + 40 for women) against the one the citizen gave."""
    if nik.sex == sex:
        return None
    return problem(
        "sex_mismatch",
        nik_sex=Term("problem_sex." + nik.sex),
        typed_sex=Term("problem_sex." + sex),
    )

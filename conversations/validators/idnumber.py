"""What NIK and KK numbers share: normalising what people type, the 6-digit region prefix,
masking, and the structural checks in the order a citizen should fix them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from conversations.validators.problems import Problem, Term, problem
from conversations.validators.regions import Region, RegionIndex

Kind = Literal["nik", "kk"]
LENGTH = 16

# Separators people type or phones insert: whitespace, dots, hyphens and dash look-alikes
# (autocorrect turns "-" into an en dash), underscores, slashes.
_SEPARATORS = re.compile(r"[\s.\-_/\u2010-\u2015\u2212]+")
# "NIK: 3204...", "No. KK 3204...": a label copied along with the number.
_LABEL = re.compile(
    r"^\s*(?:no(?:mor)?\.?\s*)?(?:nik|kk|kartu\s+keluarga)\s*[:=.]?\s*(?=\S)", re.IGNORECASE
)
# Excel turns a 16-digit number into "3,20405E+15"; the digits after the 15th are gone.
_SPREADSHEET_NUMBER = re.compile(r"\s*\d[.,]\d*\s*[eE]\s*\+?\s*\d+\s*")
# Letters people type for the digits they look like: O for 0, I and l for 1.
_LOOKALIKES = frozenset("OoIl")


def normalize_number(raw: str) -> str:
    """Drop separators and invisible characters; everything else is kept for the checks.

    Only ASCII digits make a valid number: full-width or Arabic-Indic digits are left in
    place so that the check can point at them rather than silently accept a look-alike.
    """
    visible = "".join(ch for ch in raw if unicodedata.category(ch) != "Cf")
    return _SEPARATORS.sub("", visible)


def mask_nik(number: str) -> str:
    """Mask a NIK or KK number to its first 4 and last 4 digits: "3204********0001".

    Anything of 8 characters or fewer is masked whole, so a fragment is never shown in full.
    """
    digits = normalize_number(number)
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def structural_problem(raw: str, kind: Kind) -> tuple[str, Problem | None]:
    """The normalised number and the first thing wrong with its shape, if any.

    Only one problem is returned: "it has a letter" and "it is 15 digits" at once would be
    more than a citizen can act on in one message.
    """
    if _SPREADSHEET_NUMBER.fullmatch(raw):
        return raw.strip(), problem(f"{kind}_spreadsheet_format")
    number = normalize_number(_LABEL.sub("", raw))
    if not number:
        return number, problem(f"{kind}_empty")
    bad = [ch for ch in dict.fromkeys(number) if not ("0" <= ch <= "9")]
    if bad:
        return number, problem(f"{kind}_not_digits", chars=" ".join(bad), hint=_hint(bad))
    if len(number) != LENGTH:
        return number, problem(f"{kind}_length", got=len(number))
    return number, None


def _hint(bad: list[str]) -> Term:
    if any(ch in _LOOKALIKES for ch in bad):
        return Term("problem_hint.lookalike_letter")
    if any(ch.isdigit() for ch in bad):
        return Term("problem_hint.plain_digits")
    return Term("problem_hint.none")


@dataclass(frozen=True)
class RegionParts:
    province: Region
    regency: Region
    kecamatan: Region | None


def check_region(
    number: str, kind: Kind, regions: RegionIndex
) -> tuple[RegionParts | None, Problem | None, Problem | None]:
    """(regions, error, warning) for the first six digits.

    An unknown province or regency is an error. An unknown kecamatan is only a warning:
    old cards carry codes our lists may miss, so the citizen confirms and staff check.
    A retired code is known, because a NIK keeps the code it was issued under for life.
    """
    province = _at_level(regions, number[:2], "provinsi")
    if province is None:
        return None, problem(f"{kind}_province_unknown", code=number[:2]), None
    regency = _at_level(regions, number[:4], "kabupaten")
    if regency is None:
        code = f"{number[:2]}.{number[2:4]}"
        return None, problem(f"{kind}_regency_unknown", code=code, province=province.name), None
    kecamatan = _at_level(regions, number[:6], "kecamatan")
    warning = None
    if kecamatan is None:
        code = f"{number[:2]}.{number[2:4]}.{number[4:6]}"
        warning = problem(f"{kind}_kecamatan_unknown", code=code, regency=regency.name)
    return RegionParts(province, regency, kecamatan), None, warning


def _at_level(regions: RegionIndex, code: str, level: str) -> Region | None:
    region = regions.get(code)
    return region if region is not None and region.level == level else None

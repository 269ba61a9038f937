"""Validators for what citizens type: NIK and KK numbers, region codes and village names,
names, RT/RW, phone numbers, dates, yes/no answers, counts and ticket codes.

Each check returns a `Checked` value with hard `errors` (the answer is refused) and soft
`warnings` (accepted once the citizen confirms; staff see a flag). Problems carry a code and
parameters; `Problem.message(language)` renders them from the catalogue (`problem.<code>`).
Everything here is pure: dates like `today` are passed in.
"""

from conversations.validators.fields import (
    local_phone,
    parse_date,
    parse_int,
    parse_name,
    parse_phone,
    parse_rt_rw,
    parse_yes_no,
)
from conversations.validators.idnumber import mask_nik, normalize_number
from conversations.validators.kk import KkInfo, check_kk
from conversations.validators.nik import (
    NikInfo,
    NikScreen,
    Sex,
    check_nik,
    nik_birth_date_mismatch,
    nik_sex_mismatch,
)
from conversations.validators.problems import Checked, Problem, Severity, Term
from conversations.validators.regions import (
    Level,
    Region,
    RegionIndex,
    Village,
    default_regions,
    district_regions,
    dotted_code,
)

__all__ = [
    "Checked",
    "KkInfo",
    "Level",
    "NikInfo",
    "NikScreen",
    "Problem",
    "Region",
    "RegionIndex",
    "Severity",
    "Sex",
    "Term",
    "Village",
    "check_kk",
    "check_nik",
    "default_regions",
    "district_regions",
    "dotted_code",
    "local_phone",
    "mask_nik",
    "nik_birth_date_mismatch",
    "nik_sex_mismatch",
    "normalize_number",
    "parse_date",
    "parse_int",
    "parse_name",
    "parse_phone",
    "parse_rt_rw",
    "parse_yes_no",
]

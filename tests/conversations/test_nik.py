"""NIK checks on real-shaped numbers built from the shipped Kemendagri region lists."""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import date
from importlib import resources

import pytest

from conversations.validators import (
    Checked,
    NikInfo,
    check_nik,
    mask_nik,
    nik_birth_date_mismatch,
    nik_sex_mismatch,
    normalize_number,
)

TODAY = date(2026, 11, 23)


def _codes(filename: str, level: str) -> list[str]:
    text = resources.files("conversations").joinpath("data", filename).read_text("utf-8")
    return [row["code"] for row in csv.DictReader(io.StringIO(text)) if row["level"] == level]


CURRENT_KECAMATAN = set(_codes("wilayah.csv", "kecamatan"))
CURRENT_REGENCIES = set(_codes("wilayah.csv", "kabupaten"))
RETIRED_KECAMATAN = set(_codes("wilayah_retired.csv", "kecamatan"))

CILEUNYI = "32.04.05"  # Kab. Bandung, Jawa Barat
KOTA_BANDUNG_KEC = min(c for c in CURRENT_KECAMATAN if c.startswith("32.73."))
JAKARTA_KEC = min(c for c in CURRENT_KECAMATAN if c.startswith("31.71."))
# Merauke before Papua Selatan was split off (now 93.01.01): retired, still on old NIKs.
MERAUKE_OLD = "91.01.01"
UNKNOWN_KEC = next(
    f"32.04.{n:02d}"
    for n in range(99, 0, -1)
    if f"32.04.{n:02d}" not in CURRENT_KECAMATAN | RETIRED_KECAMATAN
)
UNKNOWN_REGENCY = next(
    f"32.{n:02d}" for n in range(99, 0, -1) if f"32.{n:02d}" not in CURRENT_REGENCIES
)


def test_region_codes_used_here_are_what_the_data_says() -> None:
    assert CILEUNYI in CURRENT_KECAMATAN
    assert MERAUKE_OLD in RETIRED_KECAMATAN and MERAUKE_OLD not in CURRENT_KECAMATAN
    assert UNKNOWN_KEC.startswith("32.04.")


def nik(kecamatan: str, day: int, month: int, yy: int, serial: str = "0001") -> str:
    """A NIK from a dotted kecamatan code and DD MM YY (pass day + 40 for a woman)."""
    return f"{kecamatan.replace('.', '')}{day:02d}{month:02d}{yy:02d}{serial}"


def _messages_render(checked: Checked[NikInfo]) -> None:
    for problem in checked.errors + checked.warnings:
        assert problem.message("id") and problem.message("en")


VALID = [
    pytest.param(nik(CILEUNYI, 17, 8, 85), "L", date(1985, 8, 17), id="man-kab-bandung"),
    pytest.param(nik(CILEUNYI, 57, 8, 85), "P", date(1985, 8, 17), id="woman-day-plus-40"),
    pytest.param(nik(CILEUNYI, 41, 1, 90), "P", date(1990, 1, 1), id="woman-first-of-month-41"),
    pytest.param(nik(CILEUNYI, 71, 12, 90), "P", date(1990, 12, 31), id="woman-day-71"),
    pytest.param(nik(CILEUNYI, 31, 1, 70), "L", date(1970, 1, 31), id="man-day-31"),
    pytest.param(nik(CILEUNYI, 29, 2, 0), "L", date(2000, 2, 29), id="leap-day-2000"),
    pytest.param(nik(CILEUNYI, 69, 2, 0), "P", date(2000, 2, 29), id="woman-leap-day-69"),
    pytest.param(nik(CILEUNYI, 29, 2, 96), "L", date(1996, 2, 29), id="leap-day-1996"),
    pytest.param(nik(CILEUNYI, 1, 1, 10), "L", date(2010, 1, 1), id="yy-10-is-2010"),
    pytest.param(nik(CILEUNYI, 1, 1, 99), "L", date(1999, 1, 1), id="yy-99-is-1999"),
    pytest.param(nik(CILEUNYI, 23, 11, 26), "L", date(2026, 11, 23), id="born-today"),
    pytest.param(nik(CILEUNYI, 24, 11, 26), "L", date(1926, 11, 24), id="tomorrow-in-20yy-is-19yy"),
    pytest.param(nik(KOTA_BANDUNG_KEC, 5, 5, 55), "L", date(1955, 5, 5), id="kota-bandung"),
    pytest.param(nik(JAKARTA_KEC, 45, 6, 1), "P", date(2001, 6, 5), id="jakarta-woman"),
    pytest.param(nik(CILEUNYI, 17, 8, 85, "9999"), "L", date(1985, 8, 17), id="serial-9999"),
]


@pytest.mark.parametrize(("number", "sex", "born"), VALID)
def test_valid_nik(number: str, sex: str, born: date) -> None:
    checked = check_nik(number, today=TODAY)
    assert checked.ok and not checked.warnings
    assert checked.value is not None
    assert checked.value.normalized == number
    assert checked.value.sex == sex
    assert checked.value.birth_date == born
    assert checked.value.serial == number[12:]


def test_valid_nik_names_its_regions() -> None:
    info = check_nik(nik(CILEUNYI, 17, 8, 85), today=TODAY).value
    assert info is not None
    assert (info.province.name, info.regency.name) == ("Jawa Barat", "Kabupaten Bandung")
    assert info.kecamatan is not None and info.kecamatan.name == "Cileunyi"


@pytest.mark.parametrize(
    ("today", "number", "born"),
    [
        pytest.param(
            date(2025, 6, 1),
            nik(CILEUNYI, 15, 8, 25),
            date(1925, 8, 15),
            id="later-this-year-is-1925",
        ),
        pytest.param(
            date(2025, 6, 1), nik(CILEUNYI, 1, 6, 25), date(2025, 6, 1), id="today-is-2025"
        ),
        pytest.param(
            date(2025, 6, 1), nik(CILEUNYI, 31, 5, 25), date(2025, 5, 31), id="yesterday-is-2025"
        ),
        pytest.param(
            date(2025, 6, 1), nik(CILEUNYI, 1, 1, 26), date(1926, 1, 1), id="next-year-is-1926"
        ),
        pytest.param(
            date(2030, 1, 1), nik(CILEUNYI, 1, 1, 26), date(2026, 1, 1), id="same-nik-later-is-2026"
        ),
    ],
)
def test_two_digit_year_is_20yy_unless_future(today: date, number: str, born: date) -> None:
    checked = check_nik(number, today=today)
    assert checked.value is not None and checked.value.birth_date == born


RAW = nik(CILEUNYI, 17, 8, 85)  # 3204051708850001


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("3204 0517 0885 0001", id="spaces"),
        pytest.param("3204.0517.0885.0001", id="dots"),
        pytest.param("3204-0517-0885-0001", id="hyphens"),
        pytest.param("3204\u20130517\u20130885\u20130001", id="en-dashes-from-autocorrect"),
        pytest.param("3204_0517/0885 0001", id="underscore-slash"),
        pytest.param("  32 04 05 17 08 85 00 01\n", id="pairs-and-newline"),
        pytest.param("3204\u00a00517\u00a00885\u00a00001", id="no-break-spaces"),
        pytest.param("\u200e3204051708850001\u200f", id="invisible-direction-marks"),
        pytest.param("NIK: 3204 0517 0885 0001", id="label-nik"),
        pytest.param("nik 3204051708850001", id="label-lowercase"),
    ],
)
def test_separators_and_labels_are_normalised(typed: str) -> None:
    checked = check_nik(typed, today=TODAY)
    assert checked.ok
    assert checked.value is not None and checked.value.normalized == RAW


INVALID = [
    pytest.param("", "nik_empty", id="empty"),
    pytest.param("   ", "nik_empty", id="only-spaces"),
    pytest.param(nik(CILEUNYI, 17, 8, 85)[:15], "nik_length", id="15-digits"),
    pytest.param(nik(CILEUNYI, 17, 8, 85) + "7", "nik_length", id="17-digits"),
    pytest.param("32O4051708850001", "nik_not_digits", id="letter-O-for-zero"),
    pytest.param("3204O5I7O8850001", "nik_not_digits", id="letters-O-and-I"),
    pytest.param("3204051708850001+", "nik_not_digits", id="plus-sign"),
    pytest.param(
        "\u0663\u0662\u0660\u0664051708850001", "nik_not_digits", id="arabic-indic-digits"
    ),
    pytest.param("\uff13\uff12\uff10\uff14051708850001", "nik_not_digits", id="full-width-digits"),
    pytest.param("3,20405E+15", "nik_spreadsheet_format", id="excel-scientific"),
    pytest.param(nik(CILEUNYI, 32, 8, 85), "nik_birth_date_invalid", id="day-32"),
    pytest.param(nik(CILEUNYI, 72, 8, 85), "nik_birth_date_invalid", id="woman-day-72"),
    pytest.param(nik(CILEUNYI, 0, 8, 85), "nik_birth_date_invalid", id="day-00"),
    pytest.param(nik(CILEUNYI, 40, 8, 85), "nik_birth_date_invalid", id="day-40"),
    pytest.param(nik(CILEUNYI, 17, 0, 85), "nik_birth_date_invalid", id="month-00"),
    pytest.param(nik(CILEUNYI, 17, 13, 85), "nik_birth_date_invalid", id="month-13"),
    pytest.param(nik(CILEUNYI, 29, 2, 1), "nik_birth_date_invalid", id="29-feb-2001"),
    pytest.param(nik(CILEUNYI, 69, 2, 1), "nik_birth_date_invalid", id="woman-29-feb-2001"),
    pytest.param(nik(CILEUNYI, 31, 4, 90), "nik_birth_date_invalid", id="31-april"),
    pytest.param(nik(CILEUNYI, 30, 2, 0), "nik_birth_date_invalid", id="30-feb"),
    pytest.param(nik(CILEUNYI, 17, 8, 85, "0000"), "nik_serial_zero", id="serial-0000"),
    pytest.param("0004051708850001", "nik_province_unknown", id="province-00"),
    pytest.param("9904051708850001", "nik_province_unknown", id="province-99"),
    pytest.param("1004051708850001", "nik_province_unknown", id="province-10"),
    pytest.param(
        nik(UNKNOWN_REGENCY + ".01", 17, 8, 85), "nik_regency_unknown", id="regency-unknown"
    ),
]


@pytest.mark.parametrize(("typed", "code"), INVALID)
def test_invalid_nik(typed: str, code: str) -> None:
    checked = check_nik(typed, today=TODAY)
    assert not checked.ok
    assert checked.value is None
    assert [p.code for p in checked.errors] == [code]
    _messages_render(checked)


def test_length_problem_says_how_many_digits_were_typed() -> None:
    (problem,) = check_nik("3204 0517 0885 000", today=TODAY).errors
    assert problem.params["got"] == 15
    assert "15 angka" in problem.message("id")
    assert "16" in problem.message("id")


def test_letter_o_is_named_and_the_digit_suggested() -> None:
    (problem,) = check_nik("32O4051708850001", today=TODAY).errors
    assert problem.params["chars"] == "O"
    assert "angka 0" in problem.message("id")


def test_non_ascii_digits_are_refused_not_converted() -> None:
    assert normalize_number("\u0663\u0662 04") == "\u0663\u066204"
    (problem,) = check_nik("\uff13\uff12\uff10\uff14051708850001", today=TODAY).errors
    assert "0 sampai 9" in problem.message("id")


def test_several_independent_errors_are_all_reported() -> None:
    checked = check_nik(nik(CILEUNYI, 32, 8, 85, "0000"), today=TODAY)
    assert {p.code for p in checked.errors} == {"nik_birth_date_invalid", "nik_serial_zero"}


def test_unknown_province_does_not_also_report_the_regency() -> None:
    checked = check_nik("9999051708850001", today=TODAY)
    assert [p.code for p in checked.errors] == ["nik_province_unknown"]


def test_unknown_kecamatan_is_only_a_warning() -> None:
    checked = check_nik(nik(UNKNOWN_KEC, 17, 8, 85), today=TODAY)
    assert checked.ok
    assert [p.code for p in checked.warnings] == ["nik_kecamatan_unknown"]
    assert checked.value is not None and checked.value.kecamatan is None
    assert checked.value.regency.name == "Kabupaten Bandung"
    assert UNKNOWN_KEC in checked.warnings[0].message("id")


def test_retired_kecamatan_is_known_and_marked_retired() -> None:
    checked = check_nik(nik(MERAUKE_OLD, 57, 8, 85), today=TODAY)
    assert checked.ok and not checked.warnings
    info = checked.value
    assert info is not None and info.kecamatan is not None
    assert info.kecamatan.retired and info.kecamatan.name == "Merauke"
    # The old list spells it "KAB. MERAUKE"; it is shown like a current name.
    assert info.regency.retired and info.regency.name == "Kabupaten Merauke"
    assert info.province.name == "Papua" and not info.province.retired


def test_birth_date_in_the_future_is_refused() -> None:
    # Only possible with a `today` before 19YY; the check must still hold.
    checked = check_nik(nik(CILEUNYI, 17, 8, 85), today=date(1950, 1, 1))
    assert [p.code for p in checked.errors] == ["nik_birth_date_future"]


# --- consistency with what the citizen says ------------------------------------------------

MAN_1985 = nik(CILEUNYI, 17, 8, 85)


def _info(number: str = MAN_1985) -> NikInfo:
    info = check_nik(number, today=TODAY).value
    assert info is not None
    return info


@pytest.mark.parametrize(
    ("typed", "parts", "day", "month", "year"),
    [
        pytest.param(date(1985, 8, 18), "tanggalnya berbeda", True, False, False, id="day"),
        pytest.param(date(1985, 9, 17), "bulannya berbeda", False, True, False, id="month"),
        pytest.param(date(1986, 8, 17), "tahunnya berbeda", False, False, True, id="year"),
        pytest.param(
            date(1985, 9, 18), "tanggal dan bulannya berbeda", True, True, False, id="day-month"
        ),
        pytest.param(
            date(1986, 9, 18), "tanggal, bulan, dan tahunnya berbeda", True, True, True, id="all"
        ),
    ],
)
def test_birth_date_mismatch_says_which_part_differs(
    typed: date, parts: str, day: bool, month: bool, year: bool
) -> None:
    problem = nik_birth_date_mismatch(_info(), typed)
    assert problem is not None and problem.code == "birth_date_mismatch"
    assert (problem.params["day"], problem.params["month"], problem.params["year"]) == (
        day,
        month,
        year,
    )
    message = problem.message("id")
    assert "17-08-1985" in message and typed.strftime("%d-%m-%Y") in message
    assert f"({parts})" in message


def test_birth_date_mismatch_message_example_from_the_brief() -> None:
    problem = nik_birth_date_mismatch(_info(), date(1985, 8, 18))
    assert problem is not None
    assert problem.message("id") == (
        "Tanggal lahir di NIK adalah 17-08-1985, tetapi Anda mengetik 18-08-1985 "
        "(tanggalnya berbeda). Periksa NIK atau tanggal lahir Anda."
    )
    assert "the day differs" in problem.message("en")


def test_swapped_day_and_month_is_named() -> None:
    problem = nik_birth_date_mismatch(_info(nik(CILEUNYI, 5, 8, 85)), date(1985, 5, 8))
    assert problem is not None
    assert "tertukar" in problem.message("id")


def test_same_birth_date_is_no_mismatch() -> None:
    assert nik_birth_date_mismatch(_info(), date(1985, 8, 17)) is None
    # A woman's NIK carries day + 40; the date she types is the real one.
    assert nik_birth_date_mismatch(_info(nik(CILEUNYI, 57, 8, 85)), date(1985, 8, 17)) is None


def test_century_is_not_a_mismatch_because_the_nik_holds_two_digits() -> None:
    assert nik_birth_date_mismatch(_info(nik(CILEUNYI, 1, 1, 10)), date(1910, 1, 1)) is None


def test_sex_mismatch() -> None:
    woman = _info(nik(CILEUNYI, 57, 8, 85))
    assert nik_sex_mismatch(woman, "P") is None
    problem = nik_sex_mismatch(woman, "L")
    assert problem is not None
    assert "perempuan" in problem.message("id") and "laki-laki" in problem.message("id")


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        pytest.param("3204051708850001", "3204********0001", id="plain"),
        pytest.param("3204 0517 0885 0001", "3204********0001", id="with-spaces"),
        pytest.param("12345678", "********", id="short-is-fully-masked"),
    ],
)
def test_mask_nik(number: str, masked: str) -> None:
    assert mask_nik(number) == masked


# --- the messages themselves ----------------------------------------------------------------


def _problem_table(language: str) -> dict[str, str]:
    path = resources.files("conversations").joinpath("catalogue", language, "problems.toml")
    table: dict[str, str] = tomllib.loads(path.read_text("utf-8"))["problem"]
    return table


def test_every_problem_has_both_languages_with_the_same_placeholders() -> None:
    import string

    ids, ens = _problem_table("id"), _problem_table("en")
    assert ids.keys() == ens.keys()
    for code in ids:
        fields = [{f for _, f, _, _ in string.Formatter().parse(t[code]) if f} for t in (ids, ens)]
        assert fields[0] == fields[1], code


def test_all_nik_and_kk_codes_of_the_brief_exist() -> None:
    table = _problem_table("id")
    for kind in ("nik", "kk"):
        for suffix in (
            "empty",
            "not_digits",
            "length",
            "province_unknown",
            "regency_unknown",
            "kecamatan_unknown",
            "serial_zero",
        ):
            assert f"{kind}_{suffix}" in table
    for code in ("nik_birth_date_invalid", "nik_birth_date_future", "kk_issue_date_invalid"):
        assert code in table
    assert "kk_issue_date_future" in table and "birth_date_mismatch" in table

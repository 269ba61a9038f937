"""KK (family card) number checks, on numbers built from real kecamatan codes."""

from __future__ import annotations

from datetime import date

import pytest

from conversations.validators import check_kk

TODAY = date(2026, 11, 23)
CILEUNYI = "320405"  # 32.04.05, Kab. Bandung
MERAUKE_OLD = "910101"  # retired in 2022 (now 93.01.01)
UNKNOWN_KEC = "320499"


def kk(region: str, day: int, month: int, yy: int, serial: str = "0001") -> str:
    return f"{region}{day:02d}{month:02d}{yy:02d}{serial}"


@pytest.mark.parametrize(
    ("number", "issued"),
    [
        pytest.param(kk(CILEUNYI, 12, 3, 15), date(2015, 3, 12), id="issued-2015"),
        pytest.param(kk(CILEUNYI, 29, 2, 8), date(2008, 2, 29), id="leap-day-2008"),
        pytest.param(kk(CILEUNYI, 1, 1, 99), date(1999, 1, 1), id="old-card-1999"),
        pytest.param(kk(CILEUNYI, 23, 11, 26), date(2026, 11, 23), id="issued-today"),
        pytest.param("3204 0512 0315 0001", date(2015, 3, 12), id="with-spaces"),
        pytest.param("No. KK: 3204-0512-0315-0001", date(2015, 3, 12), id="label-and-hyphens"),
    ],
)
def test_valid_kk(number: str, issued: date) -> None:
    checked = check_kk(number, today=TODAY)
    assert checked.ok and not checked.warnings
    assert checked.value is not None
    assert checked.value.issued_on == issued
    assert checked.value.normalized == kk(CILEUNYI, issued.day, issued.month, issued.year % 100)
    assert checked.value.regency.name == "Kabupaten Bandung"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        pytest.param(kk(CILEUNYI, 31, 2, 20), "kk_issue_date_invalid", id="31-february"),
        pytest.param(kk(CILEUNYI, 29, 2, 19), "kk_issue_date_invalid", id="29-feb-2019"),
        pytest.param(kk(CILEUNYI, 0, 5, 10), "kk_issue_date_invalid", id="day-00"),
        pytest.param(kk(CILEUNYI, 15, 13, 10), "kk_issue_date_invalid", id="month-13"),
        # A KK date has no +40: a woman's NIK typed as a KK shows up here.
        pytest.param(kk(CILEUNYI, 57, 8, 85), "kk_issue_date_invalid", id="day-plus-40"),
        pytest.param(kk(UNKNOWN_KEC, 12, 3, 15), "kk_kecamatan_unknown", id="unknown-kecamatan"),
    ],
)
def test_genuine_old_card_oddities_are_warnings(number: str, code: str) -> None:
    checked = check_kk(number, today=TODAY)
    assert checked.ok, "a warning must not refuse the number"
    assert [p.code for p in checked.warnings] == [code]
    assert checked.value is not None
    for problem in checked.warnings:
        assert problem.message("id") and problem.message("en")


def test_impossible_date_leaves_issued_on_empty() -> None:
    checked = check_kk(kk(CILEUNYI, 31, 2, 20), today=TODAY)
    assert checked.value is not None and checked.value.issued_on is None
    assert "31-02-20" in checked.warnings[0].message("id")


def test_future_issue_date_is_a_warning() -> None:
    # With the 20YY/19YY rule only a `today` before 19YY can make it future.
    checked = check_kk(kk(CILEUNYI, 12, 3, 95), today=date(1990, 1, 1))
    assert checked.ok
    assert [p.code for p in checked.warnings] == ["kk_issue_date_future"]


def test_retired_kecamatan_is_accepted() -> None:
    checked = check_kk(kk(MERAUKE_OLD, 12, 3, 15), today=TODAY)
    assert checked.ok and not checked.warnings
    assert checked.value is not None and checked.value.kecamatan is not None
    assert checked.value.kecamatan.retired


@pytest.mark.parametrize(
    ("number", "code"),
    [
        pytest.param("", "kk_empty", id="empty"),
        pytest.param(kk(CILEUNYI, 12, 3, 15)[:-1], "kk_length", id="15-digits"),
        pytest.param(kk(CILEUNYI, 12, 3, 15) + "1", "kk_length", id="17-digits"),
        pytest.param("32040512O3150001", "kk_not_digits", id="letter-O"),
        pytest.param(kk(CILEUNYI, 12, 3, 15, "0000"), "kk_serial_zero", id="serial-0000"),
        pytest.param(kk("000405", 12, 3, 15), "kk_province_unknown", id="province-00"),
        pytest.param(kk("329905", 12, 3, 15), "kk_regency_unknown", id="regency-99"),
        pytest.param("3.20405E+15", "kk_spreadsheet_format", id="excel-scientific"),
    ],
)
def test_invalid_kk(number: str, code: str) -> None:
    checked = check_kk(number, today=TODAY)
    assert not checked.ok and checked.value is None
    assert [p.code for p in checked.errors] == [code]
    assert checked.errors[0].message("id").startswith(("Nomor KK", "Anda", "Dua", "Angka", "Empat"))


def test_kk_messages_speak_of_the_family_card() -> None:
    (problem,) = check_kk("3204", today=TODAY).errors
    assert "Nomor KK harus 16 angka" in problem.message("id")
    assert "family card" in check_kk("", today=TODAY).errors[0].message("en")

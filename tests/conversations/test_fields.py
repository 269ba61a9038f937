"""The other answers citizens type: names, RT/RW, phone numbers, dates, yes/no, counts, tickets."""

from __future__ import annotations

from datetime import date

import pytest

from conversations.validators import (
    Checked,
    local_phone,
    parse_date,
    parse_int,
    parse_name,
    parse_phone,
    parse_rt_rw,
    parse_yes_no,
)

TODAY = date(2026, 11, 23)


def refused(checked: Checked[object]) -> str:
    """The single error code, after checking its message renders in both languages."""
    assert not checked.ok and checked.value is None
    (problem,) = checked.errors
    assert problem.message("id") and problem.message("en")
    return problem.code


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        pytest.param("Siti Nur'aini", "Siti Nur'aini", id="apostrophe"),
        pytest.param("Siti Nur\u2019aini", "Siti Nur'aini", id="curly-apostrophe"),
        pytest.param("Ahmad Al-Fatih", "Ahmad Al-Fatih", id="hyphen"),
        pytest.param("I Gede Made", "I Gede Made", id="one-letter-word"),
        pytest.param("siti nurhaliza", "Siti Nurhaliza", id="all-lower-title-cased"),
        pytest.param("SITI NURHALIZA", "Siti Nurhaliza", id="all-upper-title-cased"),
        pytest.param("SITI NUR'AINI", "Siti Nur'aini", id="upper-with-apostrophe"),
        pytest.param("ahmad al-fatih", "Ahmad Al-Fatih", id="lower-with-hyphen"),
        pytest.param("Muh. Rizky", "Muh. Rizky", id="dot"),
        pytest.param("  Siti   Nurhaliza  ", "Siti Nurhaliza", id="spaces-collapsed"),
        pytest.param("Ni Luh de Vries", "Ni Luh de Vries", id="mixed-case-kept"),
        pytest.param("Jos\u00e9 Ram\u00edrez", "Jos\u00e9 Ram\u00edrez", id="accented"),
        pytest.param("Jose\u0301", "Jos\u00e9", id="combining-accent"),
        pytest.param("- Budi", "Budi", id="list-dash"),
        pytest.param("Bo", "Bo", id="two-letters"),
        pytest.param("Ab" * 50, "Ab" * 50, id="100-chars"),
    ],
)
def test_names_accepted(typed: str, kept: str) -> None:
    checked = parse_name(typed)
    assert checked.ok
    assert checked.value == kept


def test_all_upper_100_letters_is_title_cased() -> None:
    assert parse_name("A" * 100).value == "A" + "a" * 99


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        pytest.param("", "name_empty", id="empty"),
        pytest.param("   ", "name_empty", id="spaces"),
        pytest.param("A", "name_too_short", id="one-letter"),
        pytest.param("A.", "name_too_short", id="initial"),
        pytest.param("Budi 2", "name_has_digits", id="digit"),
        pytest.param("3204051708850001", "name_has_digits", id="nik-typed-as-name"),
        pytest.param("Budi \U0001f600", "name_invalid_chars", id="emoji"),
        pytest.param("Budi, Siti", "name_invalid_chars", id="comma"),
        pytest.param("budi@mail.com", "name_invalid_chars", id="email"),
        pytest.param("A" * 101, "name_too_long", id="101-chars"),
    ],
)
def test_names_refused(typed: str, code: str) -> None:
    assert refused(parse_name(typed)) == code


def test_refused_name_says_which_sign() -> None:
    (problem,) = parse_name("Budi \U0001f600").errors
    assert "\U0001f600" in problem.message("id")


# --- RT / RW ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("3", "003"),
        ("03", "003"),
        ("003", "003"),
        ("rt 3", "003"),
        ("RT 03", "003"),
        ("RW.05", "005"),
        ("rw:12", "012"),
        ("Rt. 001", "001"),
        ("999", "999"),
        ("0003", "003"),
    ],
)
def test_rt_rw_accepted(typed: str, value: str) -> None:
    assert parse_rt_rw(typed).value == value


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "rt_rw_empty"),
        ("0", "rt_rw_zero"),
        ("000", "rt_rw_zero"),
        ("rt 0", "rt_rw_zero"),
        ("1000", "rt_rw_too_long"),
        ("tiga", "rt_rw_invalid"),
        ("rt", "rt_rw_invalid"),
        ("003/005", "rt_rw_two_numbers"),
        ("rt 3 rw 5", "rt_rw_two_numbers"),
    ],
)
def test_rt_rw_refused(typed: str, code: str) -> None:
    assert refused(parse_rt_rw(typed)) == code


# --- phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        pytest.param("0812-3456-7890", "+6281234567890", id="local-hyphens"),
        pytest.param("0812 3456 7890", "+6281234567890", id="local-spaces"),
        pytest.param("+62 812 3456 7890", "+6281234567890", id="international"),
        pytest.param("+62-812-3456-7890", "+6281234567890", id="international-hyphens"),
        pytest.param("6281234567890", "+6281234567890", id="62-without-plus"),
        pytest.param("81234567890", "+6281234567890", id="without-leading-0"),
        pytest.param("+62 (0)812 3456 7890", "+6281234567890", id="plus62-and-trunk-0"),
        pytest.param("0062 812 3456 7890", "+6281234567890", id="00-international"),
        pytest.param("0811-123-456", "+62811123456", id="short-old-mobile"),
        pytest.param("0812-3456-78901", "+62812345678901", id="13-digit-mobile"),
        pytest.param("(021) 1234 5678", "+622112345678", id="jakarta-landline"),
        pytest.param("0361 123456", "+62361123456", id="bali-landline"),
    ],
)
def test_phone_accepted(typed: str, e164: str) -> None:
    assert parse_phone(typed).value == e164


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        pytest.param("", "phone_empty", id="empty"),
        pytest.param("0812-3456-789O", "phone_invalid_chars", id="letter-O"),
        pytest.param("+1 202 555 0100", "phone_not_indonesian", id="usa"),
        pytest.param("+60 12 345 6789", "phone_not_indonesian", id="malaysia"),
        pytest.param("0060 12 345 6789", "phone_not_indonesian", id="00-malaysia"),
        pytest.param("0123 4567 890", "phone_invalid_prefix", id="starts-01"),
        pytest.param("1234567890", "phone_invalid_prefix", id="no-prefix-not-mobile"),
        pytest.param("21 1234 5678", "phone_invalid_prefix", id="landline-without-0"),
        pytest.param("0812 345", "phone_too_short", id="too-short"),
        pytest.param("0812-345-67", "phone_too_short", id="mobile-only-8-after-the-0"),
        pytest.param("0812 3456 7890 12", "phone_too_long", id="too-long"),
    ],
)
def test_phone_refused(typed: str, code: str) -> None:
    assert refused(parse_phone(typed)) == code


def test_phone_length_counts_digits_as_typed_locally() -> None:
    (problem,) = parse_phone("+62 812 345").errors
    assert problem.params["got"] == 7  # 0812345


@pytest.mark.parametrize("typed", ["0812-3456-7890", "+62 812 3456 7890", "8123 4567 890"])
def test_a_stored_phone_reads_back_as_staff_dial_it(typed: str) -> None:
    assert local_phone(parse_phone(typed).value or "") == "081234567890"


# --- dates -----------------------------------------------------------------------------------

AUG_17_1985 = date(1985, 8, 17)


@pytest.mark.parametrize(
    "typed",
    [
        "17-08-1985",
        "17/8/1985",
        "17.08.1985",
        "17 Agustus 1985",
        "17 agustus 1985",
        "17 agt 1985",
        "17 Agu 1985",
        "17 AGS 1985",
        "17 August 1985",
        "17 Aug 1985",
        "August 17, 1985",
        "1985-08-17",
        "17-08-85",
        "17 agustus 85",
        "17081985",
        "170885",
        "Sabtu, 17 Agustus 1985",
        "tgl 17 bulan 8 tahun 1985",
        "17 agus 1985",
    ],
)
def test_date_forms(typed: str) -> None:
    assert parse_date(typed, today=TODAY).value == AUG_17_1985


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        pytest.param("1 Januari 2000", date(2000, 1, 1), id="januari"),
        pytest.param("2 Feb 1990", date(1990, 2, 2), id="feb"),
        pytest.param("3 Pebruari 1990", date(1990, 2, 3), id="pebruari"),
        pytest.param("4 maret 1990", date(1990, 3, 4), id="maret"),
        pytest.param("5 Mei 1990", date(1990, 5, 5), id="mei"),
        pytest.param("6 Juni 1990", date(1990, 6, 6), id="juni"),
        pytest.param("7 Juli 1990", date(1990, 7, 7), id="juli"),
        pytest.param("8 Okt 1990", date(1990, 10, 8), id="okt"),
        pytest.param("9 Nopember 1990", date(1990, 11, 9), id="nopember"),
        pytest.param("10 Des 1990", date(1990, 12, 10), id="des"),
        pytest.param("29-02-2000", date(2000, 2, 29), id="leap-day"),
        pytest.param("01-01-26", date(2026, 1, 1), id="yy-past-is-20yy"),
        pytest.param("01-12-26", date(1926, 12, 1), id="yy-future-is-19yy"),
        pytest.param("23-11-2026", TODAY, id="today"),
        pytest.param("1-1-1900", date(1900, 1, 1), id="earliest"),
    ],
)
def test_date_values(typed: str, value: date) -> None:
    assert parse_date(typed, today=TODAY).value == value


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        pytest.param("", "date_empty", id="empty"),
        pytest.param("kemarin", "date_unreadable", id="word"),
        pytest.param("Agustus 1985", "date_unreadable", id="no-day"),
        pytest.param("17 Agustus", "date_unreadable", id="no-year"),
        pytest.param("17 Augustusss 1985", "date_unreadable", id="unknown-month"),
        pytest.param("17-08-985", "date_unreadable", id="three-digit-year"),
        pytest.param("31-02-1990", "date_not_in_month", id="31-february"),
        pytest.param("29-02-2001", "date_not_in_month", id="29-feb-not-leap"),
        pytest.param("31-04-1990", "date_not_in_month", id="31-april"),
        pytest.param("32-01-1990", "date_invalid", id="day-32"),
        pytest.param("00-01-1990", "date_invalid", id="day-0"),
        pytest.param("17-13-1990", "date_invalid", id="month-13"),
        pytest.param("08-17-1985", "date_invalid", id="us-order-is-not-guessed"),
        pytest.param("24-11-2026", "date_future", id="tomorrow"),
        pytest.param("17-08-2030", "date_future", id="future-year"),
        pytest.param("31-12-1899", "date_too_old", id="before-1900"),
        pytest.param("17-08-0000", "date_too_old", id="year-0"),
        pytest.param("29-02-0001", "date_too_old", id="year-1-not-leap"),
    ],
)
def test_dates_refused(typed: str, code: str) -> None:
    assert refused(parse_date(typed, today=TODAY)) == code


def test_impossible_date_names_the_month_and_its_last_day() -> None:
    (problem,) = parse_date("31-02-1990", today=TODAY).errors
    assert "Februari" in problem.message("id") and "28" in problem.message("id")
    assert "February" in problem.message("en")
    (leap,) = parse_date("30-02-2000", today=TODAY).errors
    assert "29" in leap.message("id")


# --- yes / no --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "ya",
        "Ya!",
        "YA",
        "iya",
        "iya kak",
        "Iyaa",
        "y",
        "yes",
        "ok",
        "Oke",
        "okee",
        "betul",
        "benar",
        "setuju",
        "lanjut",
        "siap",
        "siap, lanjut",
        "\U0001f44d",
    ],
)
def test_yes(typed: str) -> None:
    assert parse_yes_no(typed) is True


@pytest.mark.parametrize(
    "typed",
    [
        "tidak",
        "Tidak.",
        "tdk",
        "gak",
        "ga",
        "nggak",
        "enggak",
        "no",
        "n",
        "bukan",
        "jangan",
        "tidak mau",
    ],
)
def test_no(typed: str) -> None:
    assert parse_yes_no(typed) is False


@pytest.mark.parametrize("typed", ["", "   ", "hmm", "mungkin", "gak tau", "tidak tahu", "1", "?"])
def test_unclear_is_none(typed: str) -> None:
    assert parse_yes_no(typed) is None


# --- integers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("5", 5),
        (" 5 ", 5),
        ("5 orang", 5),
        ("ada 5", 5),
        ("lima", 5),
        ("Lima orang", 5),
        ("satu", 1),
        ("sepuluh", 10),
        ("sebelas", 11),
        ("dua belas", 12),
        ("sembilan belas", 19),
        ("dua puluh", 20),
        ("nol", 0),
        ("tidak ada", 0),
        ("0", 0),
        ("20", 20),
    ],
)
def test_int_accepted(typed: str, value: int) -> None:
    assert parse_int(typed, minimum=0, maximum=20).value == value


def test_int_thousands_and_multipliers() -> None:
    big = {"minimum": 0, "maximum": 100_000_000}
    assert parse_int("1.500.000", **big).value == 1_500_000
    assert parse_int("Rp 1.500.000,-", **big).value == 1_500_000
    assert parse_int("2 juta", **big).value == 2_000_000
    assert parse_int("1,5 juta", **big).value == 1_500_000
    assert parse_int("500 ribu", **big).value == 500_000


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "int_empty"),
        ("banyak", "int_not_number"),
        ("2,5", "int_not_whole"),
        ("3 atau 4", "int_several"),
        ("-1", "int_too_small"),
        ("21", "int_too_large"),
        ("dua puluh satu", "int_too_large"),
    ],
)
def test_int_refused(typed: str, code: str) -> None:
    assert refused(parse_int(typed, minimum=0, maximum=20)) == code


def test_int_range_in_message() -> None:
    (problem,) = parse_int("0", minimum=1, maximum=20).errors
    assert problem.code == "int_too_small"
    assert "1 sampai 20" in problem.message("id")

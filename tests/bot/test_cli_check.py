"""`dtsen-bot check nik|kk` as an operator uses it: numbers on the command line or a CSV export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bot.cli import main

VALID_NIK = "3204051708850001"  # man, 17-08-1985, Kec. Cileunyi, Kab. Bandung
WOMAN_NIK = "3204 0557 0885 0002"  # woman (day + 40), same date, typed with spaces
BAD_NIK = "3204051708850000"  # serial 0000
WARN_NIK = "3204991708850001"  # kecamatan 32.04.99 is unknown: a warning only
VALID_KK = "3204051203150001"  # issued 12-03-2015
ODD_KK = "3204053102200001"  # 31-02-20: not a real date, a warning


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", *args])


def lines(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_valid_nik_exits_0_with_its_details() -> None:
    result = run("nik", VALID_NIK)
    assert result.exit_code == 0, result.output
    (report,) = lines(result)
    assert report == {
        "input": VALID_NIK,
        "valid": True,
        "normalized": VALID_NIK,
        "problems": [],
        "sex": "L",
        "birth_date": "1985-08-17",
        "region": {
            "province": "Jawa Barat",
            "regency": "Kabupaten Bandung",
            "kecamatan": "Cileunyi",
            "code": "32.04.05",
            "retired": False,
        },
    }


def test_one_line_per_number_and_exit_1_if_any_invalid() -> None:
    result = run("nik", VALID_NIK, WOMAN_NIK, BAD_NIK)
    assert result.exit_code == 1
    valid, woman, bad = lines(result)
    assert valid["valid"] and woman["valid"] and not bad["valid"]
    assert woman["input"] == WOMAN_NIK and woman["normalized"] == "3204055708850002"
    assert woman["sex"] == "P" and woman["birth_date"] == "1985-08-17"
    assert bad["normalized"] is None and bad["region"] is None and bad["sex"] is None
    assert bad["problems"] == [
        {
            "code": "nik_serial_zero",
            "severity": "error",
            "message": "Empat angka terakhir NIK tidak mungkin 0000. "
            "Periksa lagi NIK di KTP, lalu ketik ulang.",
        }
    ]


def test_warning_alone_does_not_fail() -> None:
    result = run("nik", WARN_NIK)
    assert result.exit_code == 0
    (report,) = lines(result)
    assert report["valid"] is True
    assert [(p["code"], p["severity"]) for p in report["problems"]] == [
        ("nik_kecamatan_unknown", "warning")
    ]
    assert report["region"]["kecamatan"] is None and report["region"]["code"] == "32.04.99"


def test_retired_region_is_flagged() -> None:
    (report,) = lines(run("nik", "9101011708850001"))
    assert report["valid"] and report["region"]["retired"] is True
    assert report["region"]["regency"] == "Kabupaten Merauke"


def test_lang_en() -> None:
    result = run("nik", "--lang", "en", "320405170885000")
    assert result.exit_code == 1
    (report,) = lines(result)
    assert report["problems"][0]["code"] == "nik_length"
    assert report["problems"][0]["message"].startswith("A NIK has 16 digits. You typed 15.")


def test_kk() -> None:
    result = run("kk", VALID_KK, ODD_KK)
    assert result.exit_code == 0
    valid, odd = lines(result)
    assert valid["issued_on"] == "2015-03-12" and "sex" not in valid
    assert valid["region"]["kecamatan"] == "Cileunyi"
    assert odd["valid"] and odd["issued_on"] is None
    assert odd["problems"][0]["code"] == "kk_issue_date_invalid"
    assert run("kk", "3204").exit_code == 1


def _write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


SEMICOLON_EXPORT = (
    "No;Nama;NIK KTP;Alamat\n"
    f"1;Siti;{WOMAN_NIK};Jl. Mawar, RT 3\n"
    "2;Budi;32O4051708850001;Jl. Melati\n"
    "\n"
    f"3;Ani;{WARN_NIK};\n"
    f"4;Dewi;{VALID_NIK};\n"
    "5;Eko;;\n"
)


def test_csv_with_semicolons_and_bom_prints_problem_rows_only(tmp_path: Path) -> None:
    export = _write(tmp_path / "bnba.csv", SEMICOLON_EXPORT, bom=True)
    result = run("nik", "--csv", str(export), "--column", "NIK KTP")
    assert result.exit_code == 1
    reports = lines(result)
    assert [(r["row"], r["valid"]) for r in reports] == [(2, False), (4, True), (6, False)]
    letter, warned, empty = reports
    assert letter["input"] == "32O4051708850001"  # printed as given, not masked
    assert letter["problems"][0]["code"] == "nik_not_digits"
    assert warned["problems"][0]["severity"] == "warning"
    assert empty["problems"][0]["code"] == "nik_empty"
    assert result.stderr.strip() == "5 baris diperiksa, 2 bermasalah, 1 perlu dicek ulang"


def test_csv_with_commas_all_valid_exits_0(tmp_path: Path) -> None:
    export = _write(
        tmp_path / "kk.csv", f'Nama,"Nomor KK"\n"Siti, S.Pd",{VALID_KK}\nBudi,{VALID_KK}\n'
    )
    result = run("kk", "--csv", str(export), "--column", "Nomor KK", "--lang", "en")
    assert result.exit_code == 0
    assert lines(result) == []
    assert result.stderr.strip() == "2 rows checked, 0 with problems"


def test_csv_column_match_forgives_case_and_spaces(tmp_path: Path) -> None:
    export = _write(tmp_path / "x.csv", f"NIK ;nama\n{VALID_NIK};Siti\n")
    assert run("nik", "--csv", str(export), "--column", "nik").exit_code == 0


def test_csv_summary_uses_thousands_separator(tmp_path: Path) -> None:
    rows = "".join(f"{VALID_NIK}\n" for _ in range(1234))
    export = _write(tmp_path / "big.csv", "NIK\n" + rows)
    result = run("nik", "--csv", str(export), "--column", "NIK")
    assert result.stderr.strip() == "1.234 baris diperiksa, 0 bermasalah"


def test_csv_missing_column_lists_the_columns_present(tmp_path: Path) -> None:
    export = _write(tmp_path / "bnba.csv", SEMICOLON_EXPORT, bom=True)
    result = run("nik", "--csv", str(export), "--column", "NIK")
    assert result.exit_code == 2
    assert "'NIK'" in result.stderr
    assert "'No', 'Nama', 'NIK KTP', 'Alamat'" in result.stderr
    assert result.stdout == ""


def test_csv_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    export = tmp_path / "latin1.csv"
    export.write_bytes("Nama;NIK\nJos\xe9;3204051708850001\n".encode("latin-1"))
    result = run("nik", "--csv", str(export), "--column", "NIK")
    assert result.exit_code == 2
    assert "UTF-8" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["nik"], id="nothing-to-check"),
        pytest.param(["nik", "--column", "NIK", VALID_NIK], id="column-without-csv"),
        pytest.param(["nik", "--csv", "/no/such/file.csv", "--column", "NIK"], id="missing-file"),
        pytest.param(["nik", "--lang", "fr", VALID_NIK], id="unknown-language"),
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert run(*args).exit_code == 2


def test_csv_and_numbers_together_is_a_usage_error(tmp_path: Path) -> None:
    export = _write(tmp_path / "x.csv", f"NIK\n{VALID_NIK}\n")
    assert run("nik", VALID_NIK, "--csv", str(export), "--column", "NIK").exit_code == 2
    assert run("nik", "--csv", str(export)).exit_code == 2  # --column is required with --csv

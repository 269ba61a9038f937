"""`dtsen-bot check nik|kk`: the chat's NIK and KK checks, for village and Dinsos operators.

Prints one JSON object per line: per number given, or per problem row of a spreadsheet
export (`--csv FILE --column NAME`). NIK and KK numbers are personal data (UU 24/2013):
they are printed back because the operator typed or supplied them, and nothing is logged.

Exit codes: 0 all valid (warnings alone do not fail), 1 some invalid, 2 usage or file error.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeAlias

import click

from conversations.catalogue import DEFAULT_LANGUAGE, LANGUAGES, Language
from conversations.validators import (
    Checked,
    KkInfo,
    NikInfo,
    NikScreen,
    Region,
    RegionIndex,
    check_kk,
    check_nik,
    district_regions,
)

Kind = Literal["nik", "kk"]
Info: TypeAlias = NikInfo | KkInfo
Checker = Callable[[str], Checked[Any]]

EXIT_INVALID = 1
EXIT_USAGE = 2

_TEXTS: dict[Language, dict[str, str]] = {
    "id": {
        "summary": "{rows} baris diperiksa, {bad} bermasalah",
        "summary_warnings": ", {warned} perlu dicek ulang",
        "missing_column": "Kolom {column!r} tidak ada di {file}. Kolom yang ada: {present}.",
        "not_utf8": "{file} bukan teks UTF-8. Di Excel, simpan sebagai 'CSV UTF-8'.",
        "empty_file": "{file} kosong: tidak ada baris judul kolom.",
        "need_input": "Berikan NOMOR... atau --csv FILE --column NAMA.",
        "both_inputs": "Pakai NOMOR... atau --csv, jangan keduanya.",
        "need_column": "--csv perlu --column NAMA (judul kolom NIK/KK).",
        "column_without_csv": "--column hanya dipakai bersama --csv FILE.",
    },
    "en": {
        "summary": "{rows} rows checked, {bad} with problems",
        "summary_warnings": ", {warned} to double-check",
        "missing_column": "Column {column!r} is not in {file}. Columns present: {present}.",
        "not_utf8": "{file} is not UTF-8 text. In Excel, save it as 'CSV UTF-8'.",
        "empty_file": "{file} is empty: there is no header row.",
        "need_input": "Give NUMBER... or --csv FILE --column NAME.",
        "both_inputs": "Use NUMBER... or --csv, not both.",
        "need_column": "--csv needs --column NAME (the header of the NIK/KK column).",
        "column_without_csv": "--column is only used with --csv FILE.",
    },
}


def _texts(lang: Language) -> dict[str, str]:
    # A language without its own CLI texts reads the Indonesian ones.
    return _TEXTS.get(lang, _TEXTS[DEFAULT_LANGUAGE])


class FileProblem(click.ClickException):
    """A spreadsheet that cannot be checked at all (exit 2, like a usage error)."""

    exit_code = EXIT_USAGE


@click.group()
def check() -> None:
    """Check NIK or KK numbers, one by one or a whole spreadsheet column."""


def _options(command: Callable[..., None]) -> Callable[..., None]:
    """The arguments `nik` and `kk` share."""
    for decorator in reversed(
        (
            click.argument("numbers", nargs=-1),
            click.option(
                "--lang",
                type=click.Choice(LANGUAGES),
                default="id",
                show_default=True,
                help="Language of the problem messages.",
            ),
            click.option(
                "--csv",
                "csv_file",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="A CSV export (UTF-8, comma or semicolon) to check row by row.",
            ),
            click.option("--column", help="Header of the column holding the numbers."),
        )
    ):
        command = decorator(command)
    return command


@check.command("nik")
@_options
def nik_command(
    numbers: tuple[str, ...], lang: Language, csv_file: Path | None, column: str | None
) -> None:
    """Check NIK numbers (16 digits: region, birth date, serial)."""
    _run("nik", numbers, lang, csv_file, column)


@check.command("kk")
@_options
def kk_command(
    numbers: tuple[str, ...], lang: Language, csv_file: Path | None, column: str | None
) -> None:
    """Check KK (family card) numbers (16 digits: region, date, serial)."""
    _run("kk", numbers, lang, csv_file, column)


def _run(
    kind: Kind,
    numbers: tuple[str, ...],
    lang: Language,
    csv_file: Path | None,
    column: str | None,
) -> None:
    texts = _texts(lang)
    if csv_file is None and column is not None:
        raise click.UsageError(texts["column_without_csv"])
    if csv_file is not None and numbers:
        raise click.UsageError(texts["both_inputs"])
    if csv_file is None and not numbers:
        raise click.UsageError(texts["need_input"])
    checker = _checker(kind, district_regions(), date.today())
    if csv_file is None:
        invalid = False
        for raw in numbers:
            checked = checker(raw)
            invalid |= not checked.ok
            _print(_report(kind, raw, checked, lang))
    else:
        if column is None:
            raise click.UsageError(texts["need_column"])
        invalid = _check_csv(kind, checker, csv_file, column, lang)
    click.get_current_context().exit(EXIT_INVALID if invalid else 0)


def _checker(kind: Kind, regions: RegionIndex, today: date) -> Checker:
    if kind == "nik":
        return lambda raw: check_nik(raw, today=today, regions=regions)
    return lambda raw: check_kk(raw, today=today, regions=regions)


@dataclass
class _Tally:
    rows: int = 0
    bad: int = 0
    warned: int = 0


def _check_csv(kind: Kind, checker: Checker, path: Path, column: str, lang: Language) -> bool:
    """Print one object per row with a problem and a summary on stderr; True if any invalid."""
    tally = _Tally()
    # Most rows of an export are clean NIKs: screened at dict speed, checked in full only
    # when the screen cannot tell (the output is the same either way).
    clean = (
        NikScreen(today=date.today(), regions=district_regions()).clean if kind == "nik" else _never
    )
    for row_number, raw in _column_values(path, column, lang):
        tally.rows += 1
        if clean(raw):
            continue
        checked = checker(raw)
        if checked.ok and not checked.warnings:
            continue
        if checked.ok:
            tally.warned += 1
        else:
            tally.bad += 1
        _print({"row": row_number, **_report(kind, raw, checked, lang)})
    texts = _texts(lang)
    summary = texts["summary"].format(rows=_count(tally.rows, lang), bad=_count(tally.bad, lang))
    if tally.warned:
        summary += texts["summary_warnings"].format(warned=_count(tally.warned, lang))
    click.echo(summary, err=True)
    return tally.bad > 0


def _never(_raw: str) -> bool:
    return False


def _column_values(path: Path, column: str, lang: Language) -> Iterator[tuple[int, str]]:
    """(1-based data row number, cell) for each non-blank row of the file."""
    texts = _texts(lang)
    try:
        # utf-8-sig also reads plain UTF-8; Excel's "CSV UTF-8" starts with a BOM.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(texts["not_utf8"].format(file=path.name)) from None
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = next(rows, None)
    if not header:
        raise FileProblem(texts["empty_file"].format(file=path.name))
    index = _column_index(header, column)
    if index is None:
        present = ", ".join(repr(name) for name in header)
        message = texts["missing_column"].format(column=column, file=path.name, present=present)
        raise FileProblem(message)
    for row_number, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue  # blank line, often left at the end of an export
        yield row_number, row[index] if index < len(row) else ""


def _delimiter(text: str) -> str:
    """Excel in an Indonesian locale writes ";" (the comma is the decimal sign); others ","."""
    header = text.split("\n", 1)[0]
    return max((";", ",", "\t"), key=header.count)


def _column_index(header: Sequence[str], column: str) -> int | None:
    if column in header:
        return header.index(column)
    # Headers typed by hand often differ only in case or stray spaces ("NIK " vs "nik").
    wanted = column.strip().casefold()
    folded = [name.strip().casefold() for name in header]
    return folded.index(wanted) if wanted in folded else None


def _report(kind: Kind, raw: str, checked: Checked[Any], lang: Language) -> dict[str, Any]:
    info: Info | None = checked.value
    report: dict[str, Any] = {
        "input": raw,
        "valid": checked.ok,
        "normalized": info.normalized if info else None,
        "problems": [
            {"code": p.code, "severity": severity, "message": p.message(lang)}
            for severity, p in checked.problems
        ],
    }
    if kind == "nik":
        nik = info if isinstance(info, NikInfo) else None
        report["sex"] = nik.sex if nik else None
        report["birth_date"] = nik.birth_date.isoformat() if nik else None
    else:
        kk = info if isinstance(info, KkInfo) else None
        report["issued_on"] = kk.issued_on.isoformat() if kk and kk.issued_on else None
    report["region"] = _region(info) if info else None
    return report


def _region(info: Info) -> dict[str, Any]:
    parts: list[Region] = [info.province, info.regency]
    if info.kecamatan:
        parts.append(info.kecamatan)
    n = info.normalized
    return {
        "province": info.province.name,
        "regency": info.regency.name,
        "kecamatan": info.kecamatan.name if info.kecamatan else None,
        "code": f"{n[:2]}.{n[2:4]}.{n[4:6]}",
        # A code from before a split or renumbering (e.g. Papua 91.01 → 93.01).
        "retired": any(part.retired for part in parts),
    }


def _print(report: dict[str, Any]) -> None:
    click.echo(json.dumps(report, ensure_ascii=False))


def _count(n: int, lang: Language) -> str:
    """1234 → "1.234" in Indonesian, "1,234" in English."""
    grouped = f"{n:,}"
    return grouped.replace(",", ".") if lang == "id" else grouped

"""`dtsen-bot export bnba|sanggahan|perbaikan|perubahan`: each kind's list for Dinas Sosial
(XLSX/CSV)."""

from __future__ import annotations

from pathlib import Path

import click

from bot.container import build
from staff.bnba import BnbaError, BnbaSelection, export_bnba, format_for


@click.group()
def export() -> None:
    """Exports for Dinas Sosial (they hold personal data: keep the files private)."""


AREA = click.option(
    "--area",
    required=True,
    help="Kabupaten/kota (32.04), kecamatan (32.04.05) or desa/kelurahan (32.04.05.2004) code.",
)
MUSYAWARAH = click.option(
    "--musyawarah", "musyawarah_id", type=int, help="Only this meeting's agenda."
)
STATUS = click.option(
    "--status",
    "statuses",
    multiple=True,
    help="Only requests in this status (repeatable). Default: any status.",
)
WITHDRAWN = click.option(
    "--include-withdrawn",
    is_flag=True,
    help="Also requests whose citizen withdrew consent (left out by default; the export "
    "log records that they were asked for).",
)
OUT = click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write: FILE.xlsx or FILE.csv (UTF-8 with BOM, comma-separated).",
)


@export.command("bnba")
@AREA
@MUSYAWARAH
@click.option(
    "--all-decisions",
    is_flag=True,
    help='With --musyawarah: every request on the agenda, not only those found "layak".',
)
@STATUS
@WITHDRAWN
@OUT
def bnba(
    area: str,
    musyawarah_id: int | None,
    all_decisions: bool,
    statuses: tuple[str, ...],
    include_withdrawn: bool,
    out: Path,
) -> None:
    """Write the BNBA of the usulan in an area: one row per person (proposed person and
    household members), in the Dinsos column order, then each row's ticket, kind, status
    and flags. Sanggahan have their own list (`export sanggahan`).

    Prints the file's path and how many rows it holds, never the rows. Every export is
    recorded in the export log.
    """
    if all_decisions and musyawarah_id is None:
        raise click.UsageError("--all-decisions needs --musyawarah")
    selection = BnbaSelection(
        area=area,
        musyawarah_id=musyawarah_id,
        all_decisions=all_decisions,
        statuses=statuses,
        include_withdrawn=include_withdrawn,
    )
    rows = _write(selection, out)
    click.echo(f"Wrote {out}: {rows} {'row' if rows == 1 else 'rows'}, one per person.")
    if rows == 0 and musyawarah_id is not None and not all_decisions:
        click.echo('No request on that agenda is "layak" yet; --all-decisions lists them all.')


@export.command("sanggahan")
@AREA
@MUSYAWARAH
@STATUS
@WITHDRAWN
@OUT
def sanggahan(
    area: str,
    musyawarah_id: int | None,
    statuses: tuple[str, ...],
    include_withdrawn: bool,
    out: Path,
) -> None:
    """Write the list of sanggahan in an area ("Data sanggahan DTKS"): one row per
    objection with its ticket, status, flags, the person objected to and the reason. The
    objector is not listed (their identity is confidential).
    """
    _write_list("sanggahan", "sanggahan", area, musyawarah_id, statuses, include_withdrawn, out)


@export.command("perbaikan")
@AREA
@MUSYAWARAH
@STATUS
@WITHDRAWN
@OUT
def perbaikan(
    area: str,
    musyawarah_id: int | None,
    statuses: tuple[str, ...],
    include_withdrawn: bool,
    out: Path,
) -> None:
    """Write the list of data corrections (perbaikan data) in an area: one row per request
    with its ticket, status, flags, the household's address, the person whose data is
    corrected, the wrong fields and their right values, and whether a document photo came.
    """
    _write_list("perbaikan", "perbaikan", area, musyawarah_id, statuses, include_withdrawn, out)


@export.command("perubahan")
@AREA
@MUSYAWARAH
@STATUS
@WITHDRAWN
@OUT
def perubahan(
    area: str,
    musyawarah_id: int | None,
    statuses: tuple[str, ...],
    include_withdrawn: bool,
    out: Path,
) -> None:
    """Write the list of laporan perubahan in an area: one row per report with its ticket,
    status, flags, the household (KK, address), the change (death, move, KK split, leaving)
    with its member, date, letter or witness, destination or new KK, and the reporter.
    """
    _write_list(
        "perubahan", "laporan perubahan", area, musyawarah_id, statuses, include_withdrawn, out
    )


def _write_list(
    kind: str,
    words: str,
    area: str,
    musyawarah_id: int | None,
    statuses: tuple[str, ...],
    include_withdrawn: bool,
    out: Path,
) -> None:
    """One kind's list: every decision, one request per row."""
    selection = BnbaSelection(
        area=area,
        musyawarah_id=musyawarah_id,
        all_decisions=True,
        statuses=statuses,
        kind=kind,
        include_withdrawn=include_withdrawn,
    )
    rows = _write(selection, out)
    click.echo(f"Wrote {out}: {rows} {words}, one per row.")


def _write(selection: BnbaSelection, out: Path) -> int:
    try:
        fmt = format_for(out)
    except BnbaError as error:
        raise click.UsageError(str(error)) from None
    with build() as container:
        try:
            return export_bnba(
                container.engine,
                selection,
                out,
                fmt,
                staff_id=None,
                workflows=container.workflows,
            )
        except BnbaError as error:
            raise click.UsageError(str(error)) from None
        except OSError as error:
            raise click.ClickException(f"cannot write {out}: {error.strerror}") from None

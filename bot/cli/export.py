"""`dtsen-bot export bnba`: the by-name-by-address list for Dinas Sosial, as XLSX or CSV."""

from __future__ import annotations

from pathlib import Path

import click

from bot.container import build
from staff.bnba import BnbaError, BnbaSelection, export_bnba, format_for


@click.group()
def export() -> None:
    """Exports for Dinas Sosial (they hold personal data: keep the files private)."""


@export.command("bnba")
@click.option(
    "--area",
    required=True,
    help="Kabupaten/kota (32.04), kecamatan (32.04.05) or desa/kelurahan (32.04.05.2004) code.",
)
@click.option("--musyawarah", "musyawarah_id", type=int, help="Only this meeting's agenda.")
@click.option(
    "--all-decisions",
    is_flag=True,
    help='With --musyawarah: every request on the agenda, not only those found "layak".',
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    help="Only requests in this status (repeatable). Default: any status.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write: FILE.xlsx or FILE.csv (UTF-8 with BOM, comma-separated).",
)
def bnba(
    area: str,
    musyawarah_id: int | None,
    all_decisions: bool,
    statuses: tuple[str, ...],
    out: Path,
) -> None:
    """Write the BNBA of the usulan in an area: one row per person (proposed person and
    household members), in the Dinsos column order. Sanggahan are not listed.

    Prints the file's path and how many rows it holds, never the rows. Every export is
    recorded in the export log.
    """
    if all_decisions and musyawarah_id is None:
        raise click.UsageError("--all-decisions needs --musyawarah")
    try:
        fmt = format_for(out)
    except BnbaError as error:
        raise click.UsageError(str(error)) from None
    selection = BnbaSelection(
        area=area,
        musyawarah_id=musyawarah_id,
        all_decisions=all_decisions,
        statuses=statuses,
    )
    with build() as container:
        try:
            rows = export_bnba(container.engine, selection, out, fmt, staff_id=None)
        except BnbaError as error:
            raise click.UsageError(str(error)) from None
        except OSError as error:
            raise click.ClickException(f"cannot write {out}: {error.strerror}") from None
    click.echo(f"Wrote {out}: {rows} {'row' if rows == 1 else 'rows'}, one per person.")
    if rows == 0 and musyawarah_id is not None and not all_decisions:
        click.echo('No request on that agenda is "layak" yet; --all-decisions lists them all.')

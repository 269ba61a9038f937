"""`dtsen-bot digest --area CODE`: print the staff summary of an area."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import click
from sqlmodel import Session

from bot.container import build
from conversations.catalogue import LANGUAGES, Language
from conversations.validators import default_regions
from staff import digest as summaries
from staff.access import EVERYWHERE
from staff.digest_render import render
from staff.review import is_area_code


@click.command("digest")
@click.option(
    "--area",
    required=True,
    help='Desa (32.04.05.2004), kecamatan (32.04.05), kabupaten/kota (32.04) or "*".',
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
    default=None,
    help="Count new requests from this moment (WIB, Asia/Jakarta). Default: the last 24 hours.",
)
@click.option("--language", type=click.Choice(LANGUAGES), default="id", show_default=True)
def digest(area: str, since: datetime | None, language: str) -> None:
    """Print the summary staff receive: new, waiting, overdue, next musyawarah, cut-off."""
    area = area.strip()
    if not is_area_code(area):
        raise click.UsageError(f"{area!r} is not an area code (e.g. 32.04 or 32.04.05.2004)")
    if area != EVERYWHERE and default_regions().get(area) is None:
        raise click.UsageError(f"{area!r} is not a Kemendagri region code")
    now = datetime.now(UTC)
    with build() as container, Session(container.engine) as session:
        result = summaries.digest(
            session,
            area_code=area,
            workflows=container.workflows,
            now=now,
            since=since.replace(tzinfo=summaries.LOCAL_ZONE)
            if since
            else now - summaries.DEFAULT_SINCE,
            cutoff_day=container.settings.cutoff_day,
        )
    click.echo(render(result, cast(Language, language)))

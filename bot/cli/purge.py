"""`dtsen-bot purge`: forget expired conversations and old delivery records now."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from bot.container import build


@click.command()
def purge() -> None:
    """Delete expired conversations, old delivery records and look-up attempts."""
    with build() as container:
        click.echo(json.dumps(container.purge(datetime.now(UTC))))

"""`dtsen-bot telegram ...` (being built: issue 3)."""

import click


@click.group()
def telegram() -> None:
    """Telegram: register the webhook, or run long polling."""

"""`dtsen-bot check nik|kk`: the chat's validators for village operators (placeholder)."""

import click


@click.group()
def check() -> None:
    """Check NIK or KK numbers."""

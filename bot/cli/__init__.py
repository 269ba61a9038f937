"""The `dtsen-bot` command line."""

from __future__ import annotations

import click

from bot.cli.chat import chat
from bot.cli.check import check
from bot.cli.digest import digest
from bot.cli.export import export
from bot.cli.purge import purge
from bot.cli.serve import serve
from bot.cli.staff import staff
from bot.cli.telegram import telegram
from bot.cli.worker import worker
from bot.logs import install_masking


@click.group()
def main() -> None:
    """dtsen-bot: chatbot for usulan mandiri, sanggahan and cek status (DTSEN)."""
    # Before any command logs anything: serve, worker and every other command.
    install_masking()


main.add_command(serve)
main.add_command(chat)
main.add_command(check)
main.add_command(purge)
main.add_command(telegram)
main.add_command(staff)
main.add_command(worker)
main.add_command(digest)
main.add_command(export)

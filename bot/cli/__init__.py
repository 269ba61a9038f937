"""The `dtsen-bot` command line.

Each command's module is imported only when that command runs: `check nik` must not pay
for the web stack, the database drivers and the flows (start-up time and memory)."""

from __future__ import annotations

import importlib
from typing import Final

import click

from bot.logs import install_masking

# name -> "module:attribute", in the order `--help` lists them.
COMMANDS: Final = {
    "serve": "bot.cli.serve:serve",
    "chat": "bot.cli.chat:chat",
    "check": "bot.cli.check:check",
    "purge": "bot.cli.purge:purge",
    "telegram": "bot.cli.telegram:telegram",
    "staff": "bot.cli.staff:staff",
    "worker": "bot.cli.worker:worker",
    "digest": "bot.cli.digest:digest",
    "export": "bot.cli.export:export",
    "keys": "bot.cli.keys:keys",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup)
def main() -> None:
    """dtsen-bot: chatbot for usulan mandiri, sanggahan and cek status (DTSEN)."""
    # Before any command logs anything: serve, worker and every other command.
    install_masking()

"""`dtsen-bot chat`: talk to the bot in the terminal (same engine, service and database as
`serve`). Reads lines from stdin, so a conversation can also be piped in."""

from __future__ import annotations

import getpass
import logging
import mimetypes
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import click

from bot.channels.base import MessageHandler
from bot.channels.simulator import TERMINAL, SimulatorChannel
from bot.inbound import InboundMessage, PhotoUpload
from bot.settings import Settings
from conversations.types import Location, Reply

CHANNEL = TERMINAL
TERMINAL_CHANNEL = SimulatorChannel(name=TERMINAL)
INDENT = "     "

HELP = """Perintah:
  /foto PATH         kirim file gambar
  /lokasi LAT,LON    kirim lokasi, contoh: /lokasi -6.2088,106.8456
  /keluar            selesai (atau Ctrl-D)
Selain itu, ketik jawaban atau angka pilihan seperti biasa."""

HINTS = {
    "photo": "(Kirim foto dengan: /foto PATH, atau ketik jawaban.)",
    "location": "(Bagikan lokasi dengan: /lokasi LAT,LON, atau ketik jawaban.)",
}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Quit:
    pass


@dataclass(frozen=True)
class Notice:
    """Text the terminal answers itself (help, a missing file); nothing is sent."""

    text: str


Parsed = InboundMessage | Quit | Notice | None


def parse_line(line: str, user: str) -> Parsed:
    """One typed line -> what to send. Numbers stay text: the engine understands them."""
    text = line.strip()
    if not text:
        return None
    command, _, argument = text.partition(" ")
    argument = argument.strip()
    match command.lower():
        case "/keluar" | "/quit" | "/exit":
            return Quit()
        case "/perintah" | "/help":
            return Notice(HELP)
        case "/foto":
            return _photo(argument, user)
        case "/lokasi":
            return _location(argument, user)
    return InboundMessage(channel=CHANNEL, sender=user, text=text)


def _photo(argument: str, user: str) -> Parsed:
    if not argument:
        return Notice("Tulis path file gambarnya, contoh: /foto ~/ktp.jpg")
    path = Path(argument).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Notice(f"File tidak bisa dibaca: {path} ({exc.strerror or exc})")
    declared, _ = mimetypes.guess_type(path.name)
    return InboundMessage(
        channel=CHANNEL, sender=user, photo=PhotoUpload(data=data, declared_type=declared)
    )


def _location(argument: str, user: str) -> Parsed:
    parts = [p.strip() for p in argument.replace(" ", ",").split(",") if p.strip()]
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        return Notice("Tulis lokasi sebagai LAT,LON, contoh: /lokasi -6.2088,106.8456")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return Notice("Lintang harus antara -90 dan 90, bujur antara -180 dan 180.")
    return InboundMessage(channel=CHANNEL, sender=user, location=Location(lat, lon))


def format_reply(reply: Reply) -> str:
    lines = reply.text.splitlines() or [""]
    out = ["bot> " + lines[0], *(INDENT + line for line in lines[1:])]
    for number, choice in enumerate(reply.choices, start=1):
        # numbered=False: the text already uses numbers for something else (the summary).
        marker = f"{number}." if reply.numbered else "•"
        out.append(f"{INDENT}  {marker} {choice.label}")
    hint = HINTS.get(reply.expects)
    if hint:
        out.append(INDENT + hint)
    return "\n".join(out)


def converse(service: MessageHandler, user: str, lines: Iterator[str], stdout: IO[str]) -> None:
    """The loop, separate from the command so it can run against any service."""

    def show(replies: Sequence[Reply]) -> None:
        for reply in replies:
            click.echo(format_reply(reply), file=stdout)
        click.echo("", file=stdout)

    def send(message: InboundMessage) -> None:
        try:
            replies = TERMINAL_CHANNEL.receive(message, service)
        except Exception:
            # A developer tool: say what broke and keep the session going.
            log.exception("the service failed on this message")
            click.echo("(Terjadi kesalahan di server; lihat log di atas.)\n", file=stdout)
            return
        show(replies)

    # The bot speaks first: "menu" brings the greeting (or the unfinished form's reminder).
    send(InboundMessage(channel=CHANNEL, sender=user, text="menu"))
    for line in lines:
        parsed = parse_line(line, user)
        if isinstance(parsed, Quit):
            break
        if isinstance(parsed, Notice):
            click.echo(parsed.text + "\n", file=stdout)
        elif parsed is not None:
            send(parsed)
    click.echo("Sampai jumpa.", file=stdout)


def _input_lines(stdin: IO[str], stdout: IO[str], interactive: bool) -> Iterator[str]:
    while True:
        if interactive:
            click.echo("anda> ", nl=False, file=stdout)
        line = stdin.readline()
        if not line:  # EOF (Ctrl-D or the end of piped input)
            if interactive:
                click.echo("", file=stdout)
            return
        if not interactive and line.strip():
            # Piped input is not echoed by a terminal: show it, so the output reads as a
            # transcript.
            click.echo("anda> " + line.strip(), file=stdout)
        yield line


@click.command()
@click.option(
    "--user",
    default=None,
    help="Chat as this id (default: your login name). Same id = same conversation.",
)
def chat(user: str | None) -> None:
    """Chat with the bot in this terminal, using the configured database."""
    from bot.cli.serve import describe_database
    from bot.container import build

    settings = Settings()
    user = user or _default_user()
    # sys.* at call time, not import time: click's test runner swaps them in.
    stdin, stdout = sys.stdin, sys.stdout
    interactive = stdin.isatty()
    click.echo(f"Database: {describe_database(settings.database_url)}", file=sys.stderr)
    if interactive:
        click.echo(f"Anda chat sebagai '{user}'. Ketik /perintah untuk bantuan.\n")
    with build(settings) as container:
        try:
            converse(container.service, user, _input_lines(stdin, stdout, interactive), stdout)
        except KeyboardInterrupt:
            click.echo("\nSampai jumpa.")


def _default_user() -> str:
    try:
        return f"local-{getpass.getuser()}"[:64]
    except (OSError, KeyError):  # no login name (some containers)
        return "local"

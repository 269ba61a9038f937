"""`dtsen-bot serve`: the web app (chat page, webhooks, health) under uvicorn."""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.channels.telegram.config import describe_mode as describe_telegram
from bot.channels.whatsapp.config import WhatsAppConfig
from bot.settings import Settings

# Hosts that mean "every interface": a browser cannot open them, so show loopback instead.
_ANY_HOST = {"0.0.0.0", "::", ""}


def describe_database(url: str) -> str:
    """Where the data lives, in plain words and without credentials."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "unrecognised DATABASE_URL (check its spelling)"
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return "SQLite in memory (nothing is kept after the server stops)"
        return f"SQLite file {Path(parsed.database).expanduser().resolve()}"
    if backend == "postgresql":
        port = f":{parsed.port}" if parsed.port else ""
        name = f", database {parsed.database}" if parsed.database else ""
        return f"PostgreSQL at {parsed.host or 'localhost'}{port}{name}"
    return f"{backend} database"


def describe_state_store(settings: Settings) -> str:
    """Where unfinished conversations are kept (mirrors make_conversation_store's choice)."""
    if not settings.redis_url:
        return "in the database above (table of conversation states)"
    try:
        parsed = make_url(settings.redis_url)
    except ArgumentError:
        return "in Redis (REDIS_URL)"
    port = f":{parsed.port}" if parsed.port else ""
    # A redis URL's path is the database number; user and password are never shown.
    db = f", db {parsed.database}" if parsed.database else ""
    return f"in Redis at {parsed.host or 'localhost'}{port}{db}"


def browser_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in _ANY_HOST else host
    if ":" in shown:  # an IPv6 literal
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def startup_lines(settings: Settings, host: str, port: int) -> list[str]:
    base = browser_url(host, port)
    if settings.simulator_enabled:
        page = f"Chat page:        {base}  (open it in a browser to try the bot)"
    else:
        page = "Chat page:        off (SIMULATOR_ENABLED=true turns it on)"
    warnings = []
    if settings.simulator_enabled and settings.public_base_url:
        warnings.append(
            "WARNING: the chat page is on at a public address: anyone who reaches it can "
            "chat as any user id. Set SIMULATOR_ENABLED=false unless this is a test server."
        )
    return [
        "dtsen-bot is starting.",
        page,
        f"Health check:     {base}healthz  (ready: /readyz, metrics: /metrics)",
        f"Database:         {describe_database(settings.database_url)}",
        f"Conversations:    kept {describe_state_store(settings)}",
        f"Photos:           {Path(settings.data_dir).expanduser().resolve()}",
        f"Telegram:         {describe_telegram(settings)}",
        f"WhatsApp:         {describe_whatsapp(settings)}",
        f"Staff dashboard:  {base}staff/  (accounts: dtsen-bot staff add)",
        *warnings,
        "Press Ctrl-C to stop.",
    ]


def describe_whatsapp(settings: Settings) -> str:
    config = WhatsAppConfig.from_settings(settings)
    if config.can_verify:
        return f"webhook at {config.public_base_url}/webhook/whatsapp"
    if config.webhooks_enabled:
        return "webhook WITHOUT signature checks (ALLOW_INSECURE_WEBHOOKS: development only)"
    return "off (PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN not all set)"


class SqliteWorkers(click.UsageError):
    """SQLite is one file written by one process at a time: several workers would fight over
    its lock (and its in-process conversation locks would not exclude each other)."""


# In-flight messages get this long to finish after SIGTERM before connections are cut;
# a Kubernetes pod's default termination grace period is 30 s.
GRACEFUL_SHUTDOWN_S = 25


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket every worker accepts on, with TCP_NODELAY set on it (accepted connections
    inherit it on Linux): without it, keep-alive replies split in two packets wait for the
    client's delayed ACK, about 40 ms per request, as uvicorn's own multi-worker socket did."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def check_workers(settings: Settings, workers: int) -> None:
    if workers > 1 and make_url(settings.database_url).get_backend_name() == "sqlite":
        raise SqliteWorkers(
            f"{workers} workers need PostgreSQL (DATABASE_URL): SQLite is written by one "
            "process at a time. Run one worker, or see deploy/SCALING.md."
        )


def _run_uvicorn(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    sock = listening_socket(host, port)
    common: dict[str, Any] = {
        "log_level": settings.log_level.lower(),
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
        "lifespan": "on",
    }
    try:
        if workers == 1:
            from webhook.app import create_app

            server = uvicorn.Server(uvicorn.Config(create_app(settings), **common))
            server.run(sockets=[sock])
        else:
            # Counts of every worker, added up at each scrape of /metrics.
            os.environ.setdefault(
                "PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="dtsen-metrics-")
            )
            # Each worker process builds its own app (and pool) from the same environment.
            config = uvicorn.Config(
                "webhook.app:create_app", factory=True, workers=workers, **common
            )
            Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()


@click.command()
@click.option("--host", default=None, help="Interface to listen on (default: HOST setting).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Default: PORT.")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Web worker processes (default: WEB_CONCURRENCY, or 1). Several need PostgreSQL.",
)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the web app: the local chat page, webhooks and /healthz."""
    settings = Settings()
    host = host if host is not None else settings.host
    port = port if port is not None else settings.port
    workers = workers if workers is not None else settings.web_concurrency
    check_workers(settings, workers)
    for line in startup_lines(settings, host, port):
        click.echo(line)
    if workers > 1:
        click.echo(f"Workers:          {workers} processes")
    # uvicorn traps SIGINT/SIGTERM itself: it stops accepting, lets in-flight requests
    # finish (up to GRACEFUL_SHUTDOWN_S), runs the lifespan shutdown (closing the database)
    # and returns; the suppress is for a Ctrl-C that lands during startup.
    with contextlib.suppress(KeyboardInterrupt):
        _run_uvicorn(settings, host, port, workers)
    click.echo("dtsen-bot stopped.")

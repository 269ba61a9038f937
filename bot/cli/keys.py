"""`dtsen-bot keys`: add a key version, re-seal personal data under it, retire an old one.

The order matters (SECURITY.md, "Keys for personal data at rest"): `keys add`, restart
every process that serves (so they all open, and seal with, the new version), `keys
rotate`, and only when nothing is left under an old version, `keys retire <n>`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from bot.settings import Settings
from models.crypto import KeyRing, add_key_version, key_file, load_keys, replace_key_file
from models.key_rotation import (
    DEFAULT_BATCH,
    Progress,
    count_left_in_files,
    count_left_in_redis,
    count_left_in_tables,
    count_version_in_tables,
    rotate_files,
    rotate_redis,
    rotate_tables,
)


@click.group()
def keys() -> None:
    """Keys sealing personal data at rest: add, rotate, retire."""


def _keys_from_environment(settings: Settings) -> bool:
    return bool(settings.data_keys or settings.lookup_key)


@keys.command()
def add() -> None:
    """Add a new newest key version (the old ones stay: they still open old values)."""
    settings = Settings()
    if _keys_from_environment(settings):
        ring = load_keys(settings.data_keys, settings.lookup_key, settings.data_dir)
        newer = ring.with_new_version()
        # The keys live in the environment (a secret store): print, never write them.
        value = newer.dumps_environment()
        click.echo(
            f"The keys come from DATA_KEYS. Set it to this (version {newer.current} added; "
            "keep LOOKUP_KEY as it is):\n"
        )
        click.echo(f"DATA_KEYS={value}\n")
    else:
        newer = add_key_version(settings.data_dir)
        click.echo(f"Key version {newer.current} added to {key_file(settings.data_dir)}.")
    click.echo(
        "Next: restart every serve and worker process (they must all know the new version), "
        "then run `dtsen-bot keys rotate`."
    )


# `keys rotate` / `keys retire` refused: a running process lacks the newest key version.
EXIT_PROCESS_BEHIND = 3

_FORCE_HELP = (
    "Go on even while a running serve or worker process lacks the newest key version "
    "(it cannot open what is re-sealed until it restarts)."
)


def _refuse_while_behind(engine: Any, ring: KeyRing, *, force: bool, doing: str, why: str) -> None:
    """Stop (exit 3) while a live serve or worker process does not hold the newest key
    version: it could not open what is sealed under it (`models.process_keys`)."""
    from models.process_keys import STALE_AFTER, lacking_version

    behind = lacking_version(engine, ring.current)
    if not behind:
        return
    lines = "\n".join(f"  - {process.describe()}" for process in behind)
    if force:
        click.echo(
            f"--force: {doing} although {len(behind)} running process(es) lack key version "
            f"{ring.current}:\n{lines}",
            err=True,
        )
        return
    click.echo(
        f"Refused: {len(behind)} running process(es) do not hold key version {ring.current}, "
        f"the newest ({why}):\n{lines}\n"
        "Restart them (they read the keys when they start) and run this again. A process "
        f"not seen for {STALE_AFTER.total_seconds():.0f} s is no longer counted; `--force` "
        "goes on regardless.",
        err=True,
    )
    raise SystemExit(EXIT_PROCESS_BEHIND)


@keys.command()
@click.option("--batch", default=DEFAULT_BATCH, show_default=True, help="Rows per transaction.")
@click.option("--dry-run", is_flag=True, help="Only count what is under an older version.")
@click.option("--force", is_flag=True, help=_FORCE_HELP)
def rotate(batch: int, dry_run: bool, force: bool) -> None:
    """Re-seal everything under an older key version with the newest, in short batches,
    while the service runs. Safe to interrupt and run again (it carries on). Refused (exit
    3) while a running serve or worker process lacks the newest version."""
    from bot.container import build

    with build() as container:
        settings = container.settings
        ring = load_keys(settings.data_keys, settings.lookup_key, settings.data_dir)
        client = _redis(settings)
        click.echo(f"Newest key version: {ring.current} (versions: {_versions(ring)}).")
        if not dry_run:
            _refuse_while_behind(
                container.engine,
                ring,
                force=force,
                doing="rotating",
                why="they could not open what rotation re-seals with it",
            )
        store = _redis_store(container)
        if dry_run:
            left = _left(container.engine, client, settings.data_dir, ring)
            for place, count in left.items():
                click.echo(f"{place}: {count} left under an older version")
            if store is not None:
                legacy = sum(1 for _ in store.legacy_names())
                click.echo(f"redis names showing a chat's key: {legacy} (moved by a rotation)")
            click.echo(f"Total left: {sum(left.values())}")
            return
        started = time.monotonic()
        if store is not None:
            # Before the re-sealing: drafts and locks that older code named by the chat's
            # key in clear (a phone number) go to their hashed names first.
            _echo_legacy(store.move_legacy_names())
        done = [
            *rotate_tables(container.engine, ring, batch=batch, report=_report),
            *([] if client is None else rotate_redis(client, ring, report=_report)),
            *rotate_files(settings.data_dir, ring, report=_report),
        ]
        seconds = time.monotonic() - started
        resealed = sum(p.resealed for p in done)
        click.echo(
            f"Done in {seconds:.1f} s: {resealed} rows, keys or files re-sealed "
            f"({resealed / seconds if seconds else 0:.0f}/s)."
        )
        left = _left(container.engine, client, settings.data_dir, ring)
        still = {place: count for place, count in left.items() if count}
        for progress in done:
            for failure in progress.failures:
                click.echo(f"Could not open: {failure}", err=True)
        if still or any(p.failed for p in done):
            for place, count in still.items():
                click.echo(f"Still under an older version: {place}: {count}", err=True)
            click.echo("Run `dtsen-bot keys rotate` again; see the errors above.", err=True)
            raise SystemExit(1)
        click.echo(
            f"Nothing is left under an older version: versions below {ring.current} can be "
            "retired (`dtsen-bot keys retire <n>`)."
        )


@keys.command()
@click.argument("version", type=int)
@click.option("--force", is_flag=True, help=_FORCE_HELP)
def retire(version: int, force: bool) -> None:
    """Remove key VERSION once nothing sealed under it is left (counted by prefix).
    Refused (exit 3) while a running serve or worker process lacks the newest version: it
    would still seal with an older one."""
    from bot.container import build

    with build() as container:
        settings = container.settings
        ring = load_keys(settings.data_keys, settings.lookup_key, settings.data_dir)
        if version not in ring.keys:
            raise click.ClickException(f"there is no key version {version}")
        if version == ring.current:
            raise click.ClickException("the newest version seals: add a newer one first")
        _refuse_while_behind(
            container.engine,
            ring,
            force=force,
            doing=f"retiring version {version}",
            why="they still seal with an older version",
        )
        client = _redis(settings)
        under = {
            **count_version_in_tables(container.engine, version),
            **(
                {}
                if client is None
                else {
                    f"redis {k}": v
                    for k, v in count_left_in_redis(client, ring, version=version).items()
                }
            ),
            **{
                f"files {k}": v
                for k, v in count_left_in_files(settings.data_dir, ring, version=version).items()
            },
        }
        still = {place: count for place, count in under.items() if count}
        if still:
            listed = ", ".join(f"{place}: {count}" for place, count in still.items())
            raise click.ClickException(
                f"still sealed under version {version} ({listed}): run `dtsen-bot keys rotate`"
            )
        kept = KeyRing({v: k for v, k in ring.keys.items() if v != version}, ring.lookup_key)
        if _keys_from_environment(settings):
            click.echo(f"Nothing is sealed under version {version}. Set DATA_KEYS to:\n")
            click.echo(f"DATA_KEYS={kept.dumps_environment()}\n")
            click.echo("then restart every serve and worker process.")
            return
        path = key_file(settings.data_dir)
        replace_key_file(path, kept)
        click.echo(f"Key version {version} removed from {path}. Restart serve and worker.")


def _redis_store(container: Any) -> Any:
    """The conversation store when it is Redis's (None otherwise)."""
    if not container.settings.redis_url:
        return None
    from models.conversation_store.redis_store import RedisConversationStore

    store = container.store
    return store if isinstance(store, RedisConversationStore) else None


def _echo_legacy(done: Any) -> None:
    if not done.removed and not done.changed:
        return
    click.echo(
        f"redis names showing a chat's key: {done.moved} draft(s) moved to their hashed "
        f"names, {done.superseded} superseded by a newer draft, {done.unreadable} not "
        f"opening deleted, {done.locks} lock(s) deleted, {done.changed} changed meanwhile.",
        err=True,
    )


def _versions(ring: KeyRing) -> str:
    return ", ".join(str(v) for v in sorted(ring.keys))


def _redis(settings: Settings) -> Any:
    if not settings.redis_url:
        return None
    import redis

    return redis.Redis.from_url(settings.redis_url, socket_timeout=10)


def _left(engine: Any, client: Any, data_dir: Path, ring: KeyRing) -> dict[str, int]:
    return {
        **count_left_in_tables(engine, ring),
        **(
            {}
            if client is None
            else {f"redis {k}": v for k, v in count_left_in_redis(client, ring).items()}
        ),
        **{f"files {k}": v for k, v in count_left_in_files(data_dir, ring).items()},
    }


def _report(progress: Progress, seconds: float) -> None:
    handled = progress.resealed + progress.changed_meanwhile + progress.failed
    line = f"{progress.place}: {handled}/{progress.left_before}"
    if progress.resealed or seconds:
        line += f" (re-sealed {progress.resealed}"
        if progress.changed_meanwhile:
            line += f", changed meanwhile {progress.changed_meanwhile}"
        if progress.failed:
            line += f", not opening {progress.failed}"
        line += f"; batch {seconds:.2f} s)"
    click.echo(line, err=True)

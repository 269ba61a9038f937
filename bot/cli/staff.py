"""`dtsen-bot staff add|list|disable|link`: manage staff accounts from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import cast

import click
from argon2 import PasswordHasher
from sqlmodel import Session

from bot.container import build
from conversations.validators import RegionIndex, default_regions
from models.staff import (
    StaffError,
    add_staff,
    disable_staff,
    get_staff,
    link_chat,
    list_staff,
    staff_areas,
)
from models.tables import STAFF_ROLES
from staff.access import EVERYWHERE, area_problem
from staff.workflow import Role


@contextmanager
def _session() -> Iterator[Session]:
    """A session on the configured database; the database is let go afterwards."""
    with build() as container, Session(container.engine) as session:
        yield session


@click.group()
def staff() -> None:
    """Staff accounts: who may review requests, and for which area."""


@staff.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="The name shown to colleagues.")
@click.option("--role", type=click.Choice(STAFF_ROLES), required=True)
@click.option(
    "--area",
    "areas",
    multiple=True,
    required=True,
    help='Desa (32.04.05.2004), kecamatan (32.04.05) or kabupaten (32.04) code; "*" for admin.',
)
@click.option("--password", is_flag=True, help="Ask for a password (else: login links only).")
def add(
    username: str, display_name: str, role: str, areas: tuple[str, ...], password: bool
) -> None:
    """Add a staff member with a role and one or more areas."""
    regions = default_regions()
    for area in areas:
        problem = area_problem(cast(Role, role), area)
        if problem is None and area != EVERYWHERE and regions.get(area) is None:
            problem = f"{area!r} is not a Kemendagri region code"
        if problem:
            raise click.UsageError(problem)
    secret = None
    if password:
        typed = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if len(typed) < 10:
            raise click.UsageError("a password needs at least 10 characters")
        secret = PasswordHasher().hash(typed)
    with _session() as session, session.begin():
        try:
            account = add_staff(
                session,
                username=username,
                display_name=display_name,
                role=role,
                areas=areas,
                password_hash=secret,
                at=datetime.now(UTC),
            )
        except StaffError as error:
            raise click.UsageError(str(error)) from None
        names = [_area_name(regions, a) for a in areas]
        click.echo(f"Added {account.username} ({role}) for {'; '.join(names)}.")


def _area_name(regions: RegionIndex, code: str) -> str:
    region = regions.get(code)
    return f"{code} {region.name}" if region else code


@staff.command("list")
def list_command() -> None:
    """List staff members with their role, areas and state."""
    with _session() as session:
        for account in list_staff(session):
            assert account.id is not None
            state = "disabled" if account.disabled_at else "active"
            areas = ", ".join(staff_areas(session, account.id))
            click.echo(f"{account.username}\t{account.role}\t{areas}\t{state}")


@staff.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable a staff member: they can no longer log in or act."""
    with _session() as session, session.begin():
        try:
            disable_staff(session, username, at=datetime.now(UTC))
        except StaffError as error:
            raise click.UsageError(str(error)) from None
    click.echo(f"Disabled {username}.")


@staff.command("link")
@click.argument("username")
@click.option("--channel", type=click.Choice(["telegram", "whatsapp"]), required=True)
@click.option("--chat", "chat_id", required=True, help="Telegram chat id or WhatsApp number.")
def link(username: str, channel: str, chat_id: str) -> None:
    """Recognise a Telegram or WhatsApp chat as this staff member's."""
    with _session() as session, session.begin():
        account = get_staff(session, username)
        if account is None or account.id is None:
            raise click.UsageError(f"no staff member {username!r}")
        link_chat(session, account.id, channel, chat_id.lstrip("+"), at=datetime.now(UTC))
    click.echo(f"Linked {channel} chat to {username}.")

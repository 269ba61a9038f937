"""`dtsen-bot staff`: accounts with a role and an area, checked against the region list."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/staff.db")
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(main, ["staff", *args], **kw)


def test_staff_are_added_listed_linked_and_disabled(run) -> None:  # type: ignore[no-untyped-def]
    added = run(
        "add",
        "sri",
        "--name",
        "Sri (operator Cinunuk)",
        "--role",
        "village_operator",
        "--area",
        "32.04.05.2004",
    )
    assert added.exit_code == 0, added.output
    assert "32.04.05.2004 Cinunuk" in added.output
    assert run("link", "sri", "--channel", "telegram", "--chat", "4242").exit_code == 0
    assert "sri\tvillage_operator\t32.04.05.2004\tactive" in run("list").output
    assert run("disable", "sri").exit_code == 0
    assert "disabled" in run("list").output


def test_a_password_is_asked_twice_and_never_stored_in_clear(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "add",
        "kades",
        "--name",
        "Kepala Desa",
        "--role",
        "village_head",
        "--area",
        "32.04.05.2004",
        "--password",
        input="rahasia-desa-1\nrahasia-desa-1\n",
    )
    assert result.exit_code == 0, result.output
    assert b"rahasia-desa-1" not in (tmp_path / "staff.db").read_bytes()


@pytest.mark.parametrize(
    ("role", "area", "complaint"),
    [
        ("village_operator", "32.04.05", "desa/kelurahan"),
        ("kecamatan", "32.04.99", "not a Kemendagri region code"),
        ("admin", "32.04", '"*"'),
    ],
)
def test_an_area_that_does_not_fit_is_refused(run, role: str, area: str, complaint: str) -> None:  # type: ignore[no-untyped-def]
    result = run("add", "x", "--name", "X", "--role", role, "--area", area)
    assert result.exit_code == 2 and complaint in result.output


def test_a_taken_username_is_refused(run) -> None:  # type: ignore[no-untyped-def]
    args = ("add", "sri", "--name", "Sri", "--role", "kecamatan", "--area", "32.04.05")
    assert run(*args).exit_code == 0
    again = run(*args)
    assert again.exit_code == 2 and "taken" in again.output

"""The shared fixtures' own rules."""

from __future__ import annotations

import pytest

from tests.conftest import require_service


def test_a_reachable_service_is_simply_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    require_service("PostgreSQL", True)


def test_a_missing_service_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Redis is not reachable"):
        require_service("Redis", False, "redis://127.0.0.1:6379/15: refused")


@pytest.mark.parametrize("value", ["true", "TRUE", " true "])
def test_a_missing_service_fails_in_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_service("Redis", False)


def test_ci_must_say_true_to_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        require_service("Redis", False)

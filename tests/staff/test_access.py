"""Staff act only in their own area."""

from __future__ import annotations

import pytest

from staff.access import area_problem, covers


@pytest.mark.parametrize(
    ("areas", "village", "allowed"),
    [
        (["32.04.05.2004"], "32.04.05.2004", True),
        (["32.04.05.2004"], "32.04.05.2001", False),
        (["32.04.05"], "32.04.05.2001", True),
        (["32.04.05"], "32.04.051.2001", False),  # a prefix of digits is not a parent
        (["32.04"], "32.04.05.2001", True),
        (["32.04"], "32.73.01.1001", False),
        (["*"], "91.01.01.2001", True),
        ([], "32.04.05.2001", False),
    ],
)
def test_an_area_covers_its_own_villages_only(
    areas: list[str], village: str, allowed: bool
) -> None:
    assert covers(areas, village) is allowed


def test_an_area_must_fit_the_role() -> None:
    assert area_problem("village_operator", "32.04.05.2004") is None
    assert "desa/kelurahan" in (area_problem("village_head", "32.04.05") or "")
    assert area_problem("kecamatan", "32.04.05") is None
    assert area_problem("dinsos_head", "32.04") is None
    assert area_problem("admin", "*") is None
    assert area_problem("admin", "32.04") is not None

"""Who may act where: staff see and act only on requests in their own area."""

from __future__ import annotations

from collections.abc import Iterable

from staff.workflow import Role

# How many parts an area code has for each role: desa 4, kecamatan 3, kabupaten/kota 2.
AREA_PARTS: dict[Role, int] = {
    "village_operator": 4,
    "village_head": 4,
    "siks_operator": 4,
    "tksk": 3,
    "pendamping_pkh": 3,
    "kecamatan": 3,
    "dinsos_verifier": 2,
    "dinsos_head": 2,
}
EVERYWHERE = "*"


def covers(areas: Iterable[str], village_code: str) -> bool:
    """Does any of these areas contain the village ("32.04.05" contains "32.04.05.2004")?"""
    for area in areas:
        if area == EVERYWHERE or village_code == area or village_code.startswith(area + "."):
            return True
    return False


def area_problem(role: Role, area: str) -> str | None:
    """Why an area does not fit a role, or None when it does."""
    if role == "admin":
        return None if area == EVERYWHERE else 'an administrator\'s area is "*"'
    parts = area.split(".")
    expected = AREA_PARTS[role]
    if len(parts) != expected:
        kinds = {4: "a desa/kelurahan", 3: "a kecamatan", 2: "a kabupaten/kota"}
        return f"{role} works on {kinds[expected]} code ({expected} parts), not {area!r}"
    return None

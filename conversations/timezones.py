"""Indonesia's three time zones, and which one an area keeps. Declared once, here.

WIB (UTC+7), WITA (UTC+8) and WIT (UTC+9) follow province lines, so the first two digits
of any area code (the Kemendagri region code, "52.72" = Kota Bima) tell the zone. Dates the
register counts by (a citizen's "today", working days, deadlines, export file names) are
on the national clock, WIB, as the ministry's own; times shown to staff of an area (digests,
meetings) are on that area's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class TimeZone:
    abbreviation: str  # as Indonesians write it after a time: "10.00 WITA"
    zone: ZoneInfo
    # Province codes (the first two digits of an area code) on this clock; empty: the rest.
    provinces: frozenset[str] = frozenset()


WIB: Final = TimeZone("WIB", ZoneInfo("Asia/Jakarta"))
WITA: Final = TimeZone(
    "WITA",
    ZoneInfo("Asia/Makassar"),
    frozenset({"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}),
)
WIT: Final = TimeZone(
    "WIT",
    ZoneInfo("Asia/Jayapura"),
    frozenset({"81", "82", "91", "92", "93", "94", "95", "96", "97"}),
)
ZONES: Final = (WIB, WITA, WIT)

# The register's clock (see above).
NATIONAL: Final = WIB.zone


def zone_of_area(area: str) -> TimeZone:
    """WIB, WITA or WIT, from the province part of an area code ("52.72" -> WITA)."""
    province = area[:2]
    return next((z for z in ZONES if province in z.provinces), WIB)


def zone_for_area(area: str) -> ZoneInfo:
    return zone_of_area(area).zone

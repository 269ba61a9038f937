"""Days off in Indonesia: national holidays and cuti bersama, plus a region's own days.

National holidays and the joint leave days (cuti bersama) that the SKB of three ministers
sets each year come from the `holidays` package (its "public" and "government" categories
for Indonesia), which follows the yearly decrees, so a Lebaran week moves with the moon
without anyone editing a file. A region adds days of its own (a local holiday, a day the
Bupati declares) in its workflow file, each with its source.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from importlib.metadata import version

# "public": hari libur nasional; "government": cuti bersama for civil servants, when the
# Dinas Sosial office is closed as well.
_CATEGORIES = ("public", "government")


@cache
def _national_in(year: int) -> dict[date, str]:
    # Imported on first use: the package's Islamic calendar tables take ~0.1 s to import,
    # which every web worker and CLI command would pay at start-up otherwise.
    import holidays as holidays_package

    days = holidays_package.country_holidays(
        "ID", years=year, categories=_CATEGORIES, language="id"
    )
    return {day: str(name) for day, name in days.items()}


class Holidays:
    """The days off of one region: national holidays, cuti bersama and its own extra days.

    `day in holidays` answers for any date; `weekdays_off` counts the Monday-Friday days
    off in a range without walking it day by day (digests ask it for many requests)."""

    def __init__(self, extra: Iterable[tuple[date, str]] = ()) -> None:
        self._extra = dict(extra)

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        return day in self._extra or day in _national_in(day.year)

    def __hash__(self) -> int:
        return hash(frozenset(self._extra.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Holidays) and other._extra == self._extra

    def name(self, day: date) -> str | None:
        """What the day is ("Hari Raya Idul Fitri", "Cuti Bersama ..."), None on other days."""
        return self._extra.get(day) or _national_in(day.year).get(day)

    def between(self, after: date, through: date) -> list[date]:
        """Days off in (after, through], in order."""
        found = {d for d in self._extra if after < d <= through}
        for year in range(after.year, through.year + 1):
            found.update(d for d in _national_in(year) if after < d <= through)
        return sorted(found)

    def weekdays_off(self, after: date, through: date) -> int:
        """How many days off in (after, through] fall on Monday to Friday."""
        return sum(1 for day in self.between(after, through) if day.weekday() < 5)


def national_holiday_source() -> str:
    """Where the national days come from, for documents and the README."""
    return f"holidays {version('holidays')} (Indonesia: {', '.join(_CATEGORIES)})"

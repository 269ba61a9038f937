"""Counting days for a stage's time standard: working days (Monday to Friday, minus the
region's days off) or calendar days, as the SOP says."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final, Literal

from staff.holidays import Holidays

DayCount = Literal["working", "calendar"]
_MONDAY: Final = date(2000, 1, 3)


def is_working_day(day: date, holidays: Holidays) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_days(start: date, days: int, count: DayCount, holidays: Holidays) -> date:
    """The date `days` days after `start` (the day it arrived does not count)."""
    if count == "calendar":
        return start + timedelta(days=days)
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    return day


def days_between(start: date, end: date, count: DayCount, holidays: Holidays) -> int:
    """Days after `start` up to and including `end` (0 when end <= start), counted by the
    weekday arithmetic rather than day by day: digests ask this for many requests."""
    if end <= start:
        return 0
    if count == "calendar":
        return (end - start).days
    return _weekdays_up_to(end) - _weekdays_up_to(start) - holidays.weekdays_off(start, end)


def working_days_between(start: date, end: date, holidays: Holidays) -> int:
    return days_between(start, end, "working", holidays)


def first_entry_on_time(days: int, count: DayCount, holidays: Holidays, today: date) -> date:
    """The earliest entry day whose deadline has not passed today: a request that entered
    a stage before it is late. Late means at least one counted day past the due day."""
    if count == "calendar":
        return today - timedelta(days=days)
    day, counted = today, 0
    while not is_working_day(day, holidays):
        day -= timedelta(days=1)
    while counted < days:
        day -= timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return day


def _weekdays_up_to(day: date) -> int:
    """Monday-Friday days from a fixed Monday up to and including `day`."""
    weeks, rest = divmod((day - _MONDAY).days, 7)
    return weeks * 5 + min(rest + 1, 5)

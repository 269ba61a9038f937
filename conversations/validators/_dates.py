"""Calendar helpers shared by the NIK/KK checks and date parsing."""

from __future__ import annotations

from datetime import date


def real_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when it is not on the calendar (31 February, month 13, ...)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def two_digit_year_date(yy: int, month: int, day: int, *, today: date) -> date | None:
    """DD-MM-YY as a full date: 20YY unless that date is after `today`, then 19YY.

    The whole date is compared, not just the year, so on 2025-06-01 "15-08-25" is 1925.
    None when neither century gives a real date.
    """
    recent = real_date(2000 + yy, month, day)
    if recent is not None and recent <= today:
        return recent
    older = real_date(1900 + yy, month, day)
    return older if older is not None else recent


def dmy(value: date) -> str:
    """How dates are written on KTP and in chats: 17-08-1985."""
    return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"

"""Calendar arithmetic for the policy's deadlines: working days and day counts."""

from __future__ import annotations

from datetime import date, timedelta


def add_business_days(start: date, days: int) -> date:
    """The date `days` working days (Mon–Fri) after `start`; 0 rolls a weekend to Monday."""
    if days < 0:
        raise ValueError("days must not be negative")
    if days == 0:
        return _next_weekday(start - timedelta(days=1))
    # The first working day after start (Fri -> Mon, Sat -> Mon), then whole weeks of five
    # working days, then the rest one by one.
    result = _next_weekday(start)
    weeks, rest = divmod(days - 1, 5)
    result += timedelta(weeks=weeks)
    for _ in range(rest):
        result = _next_weekday(result)
    return result


def days_between(earlier: date, later: date) -> int:
    """Calendar days from `earlier` to `later` (negative when they are the other way round)."""
    return (later - earlier).days


def _next_weekday(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day

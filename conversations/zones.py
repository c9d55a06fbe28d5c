"""Reading a time zone and quiet hours the way people type them in /settings.

A time zone is its IANA name (``Asia/Manila``, any case) or its city (``manila``,
``new york``, ``São Paulo``, ``ho chi minh``): the zone database's own city names, compared
without case, spaces, underscores or accents. Quiet hours are two times of day joined by a
dash or "to", on the 24-hour clock or with am/pm (``22:00-08:00``, ``10pm-7am``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time
from functools import cache
from zoneinfo import available_timezones

__all__ = ["parse_quiet_hours", "zone_named"]

_MAX_TEXT = 60  # longer than any zone name; keeps the work bounded on pasted junk
_CLOCK = re.compile(
    r"(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<ampm>[ap])?(?:\.?\s*m\.?)?", re.IGNORECASE
)
_RANGE = re.compile(r"\s*(?:-|–|—|\bto\b|\buntil\b)\s*", re.IGNORECASE)


def zone_named(text: str) -> str | None:
    """The IANA name of the time zone `text` names (its name in any case, or its city),
    or None when it names none."""
    key = _key(text)
    if not key or len(text) > _MAX_TEXT:
        return None
    return _zones_by_key().get(key)


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """The start and end of quiet hours ("22:00-08:00", "10pm-7am", "10 pm to 7 am"), or
    None when the text is not two times of day."""
    if len(text) > _MAX_TEXT:
        return None
    parts = _RANGE.split(text.strip())
    if len(parts) != 2:
        return None
    start, end = (_time_of_day(part) for part in parts)
    if start is None or end is None:
        return None
    return start, end


def _time_of_day(text: str) -> time | None:
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"].casefold() == "p" else 0)
    elif match.group().casefold().rstrip(".").endswith("m"):
        return None  # an "m" with no a or p before it
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _key(text: str) -> str:
    """The text compared without case, accents, spaces, underscores or dashes."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s_\-]+", "", letters).strip()


@cache
def _zones_by_key() -> dict[str, str]:
    """Every zone by its whole name and by its city (the last part of the name). A city
    shared by several names ("Buenos_Aires" under America/ and America/Argentina/) keeps
    the shortest; the names are links to the same rules."""
    found: dict[str, str] = {}
    for name in sorted(available_timezones(), key=lambda zone: (len(zone), zone)):
        found.setdefault(_key(name), name)
        if "/" in name and not name.startswith("Etc/"):
            found.setdefault(_key(name.rsplit("/", 1)[1]), name)
    return found

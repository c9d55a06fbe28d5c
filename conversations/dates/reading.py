"""What the chat calls: `parse_when` for a typed date (perhaps `Ambiguous`), and
`parse_after` for the other charge of a pair told from the first one."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from conversations.dates.grammar import (
    _FUTURE,
    _IMPOSSIBLE,
    _MAX_TEXT,
    _NO_TIME_WANTED,
    _ONLY_TIME,
    _UNREADABLE,
    _accept,
    _normalise,
    _readings,
    _Rejected,
    _take_time,
)
from conversations.dates.words import _fold, _Rules, _rules
from conversations.texts import N_, InputError


@dataclass(frozen=True)
class When:
    """A day, and the time of day when the person gave one."""

    day: date
    at: time | None


@dataclass(frozen=True)
class Ambiguous:
    """Two valid readings of a numeric date such as 03/11/2026; day-first reading first."""

    options: tuple[When, ...]


def parse_when(
    text: str,
    today: date,
    *,
    max_age_days: int = 3 * 365,
    allow_time: bool = True,
    locale: str = "en",
) -> When | Ambiguous:
    """Read a past date, with an optional time of day, relative to `today`.

    `locale` is the reader's language (``en``, ``ru``, ``pt_BR``…): its month names and
    words are understood besides the English ones. Returns `Ambiguous` when a numeric date
    reads validly both day-first and month-first and the locale does not settle it.
    Raises `InputError` for text that is unreadable, impossible, in the future, older than
    `max_age_days`, or carries a time when `allow_time` is False.
    """
    rules = _rules(locale)
    normalised = _normalise(text, rules)
    if not normalised or len(normalised) > _MAX_TEXT:
        raise InputError(_UNREADABLE)

    at, rest = _take_time(normalised, rules)
    if at is not None and not allow_time:
        raise InputError(_NO_TIME_WANTED)
    if not rest:
        raise InputError(_ONLY_TIME if at is not None else _UNREADABLE)

    readings = _readings(rest, today, rules)
    valid: list[When] = []
    first_problem: _Rejected | None = None
    for reading in readings:
        try:
            valid.append(When(_accept(reading, today, max_age_days), at))
        except _Rejected as problem:
            first_problem = first_problem or problem
    if not valid:
        if first_problem is not None:
            raise InputError(first_problem.phrase)
        raise InputError(_IMPOSSIBLE)
    if len(valid) == 1:
        return valid[0]
    return Ambiguous(tuple(valid))


# The other charge of a pair, told from the first one: "same day", "same day 10:06am",
# "a few minutes later", "6 minutes later", "yesterday, an hour later". Matched on the
# text lower-cased with accents folded; "n" is a count, absent for "a few".
_SOME = (
    r"(?P<q>(?P<n>\d{1,4})|a few|few|a couple of|some|an?|unos|unas|algunos|alguns|poucos"
    r"|uns|несколько|beberapa|se)"
)
_MINUTE_WORDS = r"(?P<minutes>minutes?|mins?|minutos?|минут[уы]?|мин|menit)"
_HOUR_WORDS = r"(?P<hours>hours?|hrs?|horas?|час(?:а|ов)?|jam)"
_LATER_PATTERNS = (
    # "6 minutes later", "unos minutos despues", "alguns minutos depois", "5 menit kemudian"
    re.compile(
        rf"(?<!\w)(?:{_SOME} ?)?(?:{_MINUTE_WORDS}|{_HOUR_WORDS}) "
        r"(?:later|after|despues|mas tarde|depois|mais tarde|спустя|позже|kemudian|setelahnya)"
    ),
    # "через 6 минут", "через несколько минут"
    re.compile(rf"(?<!\w)через (?:{_SOME} )?(?:{_MINUTE_WORDS}|{_HOUR_WORDS})"),
)
_SAME_DAY = re.compile(
    r"(?<!\w)(?:(?:on )?the same (?:day|date)|same (?:day|date)|(?:el |en el )?mismo dia"
    r"|(?:no |o )?mesmo dia|(?:в )?тот же день|(?:di |pada )?hari yang sama)"
)
_NOT_THE_SAME_DAY = N_(
    "That doesn't fit the first charge's date. When was the other one? Type it like 9 Nov 10:08."
)


def parse_after(
    text: str, first: When, today: date, *, locale: str = "en"
) -> When | Ambiguous | None:
    """Read the other charge of a pair when it is told from the first one ("same day",
    "same day 10:06am", "a few minutes later", "yesterday, 6 minutes later"); None when
    the text says nothing of the kind (read it with `parse_when`).

    "N minutes later" after a first charge with a time gives the time; without one, or for
    "a few minutes later", only the day is known. A date typed as well must be that day.
    """
    rules = _rules(locale)
    folded = _fold(unicodedata.normalize("NFKC", text).casefold()).replace(",", " ")
    folded = " ".join(folded.split())
    offset: timedelta | None = None
    # "same day", "a few minutes later", or both ("same day, 6 minutes later").
    same_day = _SAME_DAY.search(folded)
    if same_day is not None:
        folded = " ".join((folded[: same_day.start()] + " " + folded[same_day.end() :]).split())
    later = next(filter(None, (p.search(folded) for p in _LATER_PATTERNS)), None)
    if same_day is None and later is None:
        return None
    rest = folded
    if later is not None:
        count = int(later["n"]) if later["n"] else None
        if later["q"] in ("a", "an", "se"):
            count = 1  # "an hour later", "sejam kemudian"
        if count is not None:
            offset = timedelta(minutes=count) if later["minutes"] else timedelta(hours=count)
        rest = " ".join((folded[: later.start()] + " " + folded[later.end() :]).split())
    day, at = first.day, None
    if offset is not None and first.at is not None:
        moment = datetime.combine(first.day, first.at) + offset
        day, at = moment.date(), moment.time()
    if _normalise(rest, rules):
        typed = _typed_with(rest, first.day, today, rules, locale)
        if typed.day != day and not (offset is not None and typed.day == first.day):
            raise InputError(_NOT_THE_SAME_DAY)
        day, at = typed.day if offset is None else day, typed.at or at
    if day > today:
        raise InputError(_FUTURE)
    return When(day, at)


def _typed_with(rest: str, first_day: date, today: date, rules: _Rules, locale: str) -> When:
    """A date, a time, or both, typed beside "same day" or "minutes later"."""
    at, left = _take_time(_normalise(rest, rules), rules)
    if not left:
        return When(first_day, at)
    parsed = parse_when(rest, today, locale=locale)
    if isinstance(parsed, Ambiguous):
        matching = [option for option in parsed.options if option.day == first_day]
        if not matching:
            raise InputError(_NOT_THE_SAME_DAY)
        return matching[0]
    return parsed

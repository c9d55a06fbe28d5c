"""The date grammar: from normalised text to the (year, month, day) readings it could
mean and a time of day, and whether a reading is acceptable (not impossible, in the
future, or too old)."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import date, time, timedelta

from conversations.dates.words import _ENGLISH, _FILLER, _fold, _Rules
from conversations.dates.workdays import days_between
from conversations.texts import N_, InputError

_MAX_TEXT = 60  # nobody types a 60-character date; keeps regexes cheap on pasted junk
_ORDINAL = r"(?:st|nd|rd|th)?"
_AMPM = r"(?P<ampm>a\.?m\.?|p\.?m\.?)"
# "the 27th" alone: the latest 27th not after today.
_DAY_ONLY = re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)")


# A lead-in ("I paused it on the 27th", "it was yesterday") is passed over when what
# follows is a date, but not past a word that changes what the date means.
_NOT_LEAD_IN = frozenset(
    {
        "not",
        "no",
        "before",
        "after",
        "since",
        "until",
        "between",
        "не",
        "нет",
        "до",
        "после",
        "antes",
        "despues",
        "depois",
        "hasta",
        "ate",
        "desde",
        "sebelum",
        "sesudah",
        "setelah",
        "sejak",
        "bukan",
        "tidak",
    }
)
# Russian writes the day alone as "27-го" (of the month).
_RU_DAY = re.compile(r"(?<!\d)(\d{1,2}) ?-?го(?!\w)")
_LEAD_IN_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

# Times: "10:02", "10:02:00", "10:02 pm", "10am". Digits next to ":" or "/" belong to
# something else, so they are fenced off.
_CLOCK = re.compile(
    r"(?<![\d:./-])(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?![\d:])\s*" + _AMPM + r"?(?!\w)"
)
_BARE_HOUR = re.compile(r"(?<![\d:./-])(?P<h>\d{1,2})\s*" + _AMPM + r"(?!\w)")

# The numeric date grammar, shared with the billing-export reader (conversations/billing/
# times.py), which adds a clock and a zone after it: "2026-11-03", and "03/11/2026",
# "3-11-26" or "09.11.2026" (the first two numbers either way round).
ISO_DATE = r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
NUMERIC_DATE = r"(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
_ISO = re.compile(ISO_DATE)
_DOTTED = re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2})")
_NUMERIC = re.compile(NUMERIC_DATE)  # dotted ones are read (day first) before it
_YEAR = r"(?: (?P<y>\d{4}|\d{2}))?"
_DAY_MONTH = re.compile(rf"(?P<d>\d{{1,2}}){_ORDINAL} (?P<mon>[^\W\d_]+)\.?{_YEAR}")
_MONTH_DAY = re.compile(rf"(?P<mon>[^\W\d_]+)\.? (?P<d>\d{{1,2}}){_ORDINAL}{_YEAR}")
# Day-first locales only: "09.11", "3/11" (no year), "10h02", "10h" and "10.02".
_SHORT_NUMERIC = re.compile(r"(?P<d>\d{1,2})(?P<sep>[./])(?P<m>\d{1,2})")
_H_TIME = re.compile(r"(?<![\d:./-])(?P<h>\d{1,2})h(?P<m>\d{2})?(?![\w:])")
_DOT_TIME = re.compile(r"(?<![\d:./-])(?P<h>\d{1,2})\.(?P<m>\d{2})(?![\d:.])")


_UNREADABLE = N_("I couldn't read that date. Type it like 9 Nov or 2026-11-09.")
_IMPOSSIBLE = N_(
    "That date doesn't exist — check the day and month? Type it like 9 Nov or 2026-11-09."
)
_FUTURE = N_("That date is in the future — check it?")
_ONLY_TIME = N_("That's a time — which day? Type it like 9 Nov 10:02.")
_NO_TIME_WANTED = N_("Just the date, please — type it like 9 Nov or 2026-11-09, without the time.")
_BAD_TIME = N_("There's no %(time)s on the clock — type the time like 10:02 or 3pm.")
_TOO_OLD = {
    # The span is worded the way a person would: "3 years", "a year", "90 days".
    ("year", True): N_("That's more than a year ago — check the year?"),
    ("years", True): N_("That's more than %(count)s years ago — check the year?"),
    ("day", False): N_("That's more than a day ago — check the date?"),
    ("days", False): N_("That's more than %(count)s days ago — check the date?"),
    ("day", True): N_("That's more than a day ago — check the year?"),
    ("days", True): N_("That's more than %(count)s days ago — check the year?"),
}


class _Rejected(InputError):
    """One reading that cannot be accepted; another reading of the same text still might be."""


def _normalise(text: str, rules: _Rules) -> str:
    # NFKC for full-width digits; commas and filler words carry no meaning in
    # "Tuesday, November 3, 2026 at 10:02".
    cleaned = unicodedata.normalize("NFKC", text).casefold().strip().rstrip(".")
    if rules.fold_accents:
        cleaned = _fold(cleaned)
    cleaned = cleaned.replace(",", " ")
    cleaned = _marked_numbers(cleaned, rules)
    # "3-Nov-2026" and "Nov/3" read like "3 Nov 2026" and "Nov 3".
    cleaned = re.sub(r"(?<=[^\W\d_])[-/]|[-/](?=[^\W\d_])", " ", cleaned)
    # "2026-11-03T10:02:00" is an ISO timestamp: the T separates date and time.
    cleaned = re.sub(r"(?<=\d)t(?=\d)", " ", cleaned)
    if rules is _ENGLISH:
        words = [word for word in cleaned.split() if word not in _FILLER]
    else:
        # "2026 г." and "seg." are filler with their dot too.
        words = [word for word in cleaned.split() if word.rstrip(".") not in rules.filler]
    return " ".join(words)


def _marked_numbers(text: str, rules: _Rules) -> str:
    """A number after a day's or an hour's small word, written the way the grammar reads
    it: "the 27" and "el día 27" as "27th", "27-го" too; "a las 10", "в 10" as "10:00"."""
    text = _RU_DAY.sub(r"\1th", text)
    for marker in rules.day_markers:
        text = re.sub(rf"(?<!\w){re.escape(marker)} (\d{{1,2}})(?![\d:./\w])", r"\1th", text)
    for marker in rules.hour_markers:
        # Not before a month's name ("at 9 Nov"), but before am/pm ("at 10 pm").
        text = re.sub(
            rf"(?<!\w){re.escape(marker)} (\d{{1,2}})(?![\d:./\w])(?!\s*(?![ap]\.?m\b)[^\W\d_])",
            r"\1:00",
            text,
        )
    return text


def _take_time(text: str, rules: _Rules) -> tuple[time | None, str]:
    """Pull one time of day out of the text; return it and what is left."""
    matches = [*_CLOCK.finditer(text), *_BARE_HOUR.finditer(text)]
    if rules.day_first:
        matches += _H_TIME.finditer(text)
        if not matches:
            matches = _dot_time(text)
    if not matches:
        return None, text
    if len(matches) > 1:
        raise InputError(_UNREADABLE)
    match = matches[0]
    hour = int(match.group("h"))
    minute = int(match.groupdict().get("m") or 0)
    second = int(match.groupdict().get("s") or 0)
    ampm = match.groupdict().get("ampm")
    shown = match.group().strip()
    if ampm is not None:
        if not 1 <= hour <= 12:
            raise InputError(_BAD_TIME, time=shown)
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise InputError(_BAD_TIME, time=shown)
    rest = (text[: match.start()] + " " + text[match.end() :]).split()
    return time(hour, minute, second), " ".join(rest)


def _dot_time(text: str) -> list[re.Match[str]]:
    """ "10.02" is a time only next to a date ("09.11.2026 10.02"); alone it is 10 February.
    With two such pairs ("09.11 10.02") the date comes first."""
    valid = [
        match
        for match in _DOT_TIME.finditer(text)
        if int(match["h"]) <= 23 and int(match["m"]) <= 59
    ]
    if not valid:
        return []
    last = valid[-1]
    rest = (text[: last.start()] + text[last.end() :]).strip()
    return [last] if rest else []


def _relative_day(text: str, today: date, rules: _Rules) -> tuple[int, int, int] | None:
    """The day that "today", "yesterday", "3 days ago" or a lone weekday ("Monday", "last
    Tuesday": the latest one before today) mean; None for any other text."""
    day: date | None = None
    if text in rules.today:
        day = today
    elif text in rules.yesterday:
        day = today - timedelta(days=1)
    elif match := next(filter(None, (p.fullmatch(text) for p in rules.days_ago)), None):
        day = today - timedelta(days=int(match["n"]))
    else:
        words = [word.rstrip(".") for word in text.split()]
        named = {rules.weekdays[word] for word in words if word in rules.weekdays}
        others = [word for word in words if word not in rules.weekdays and word not in rules.last]
        if len(named) == 1 and not others:
            weekday = named.pop()
            day = today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
    return None if day is None else (day.year, day.month, day.day)


def _readings(text: str, today: date, rules: _Rules) -> list[tuple[int, int, int]]:
    """Every (year, month, day) the date part of the text could mean; a lead-in of plain
    words ("I paused it on the 27th", "it was yesterday") is passed over when what follows
    reads as a date, unless it holds a word that changes the meaning ("not", "before")."""
    try:
        return _readings_of(text, today, rules)
    except InputError as problem:
        if problem.phrase.template != _UNREADABLE:
            raise
        words = text.split()
        for start in range(1, len(words)):
            lead_in = words[start - 1].rstrip(".")
            if (
                not _LEAD_IN_WORD.fullmatch(lead_in)
                or lead_in in _NOT_LEAD_IN
                or _is_date_word(lead_in, rules)
            ):
                break
            with contextlib.suppress(InputError):
                return _readings_of(" ".join(words[start:]), today, rules)
        raise


def _is_date_word(word: str, rules: _Rules) -> bool:
    return (
        word in rules.weekdays
        or word in rules.months
        or word in rules.last
        or word in rules.today
        or word in rules.yesterday
    )


def _readings_of(text: str, today: date, rules: _Rules) -> list[tuple[int, int, int]]:
    relative = _relative_day(text, today, rules)
    return [relative] if relative is not None else _read_date(_bare(text, rules), today, rules)


def _bare(text: str, rules: _Rules) -> str:
    """The text without weekday names and their small words: "Monday, 9 Nov" is 9 Nov."""
    return " ".join(
        word
        for word in text.split()
        if word.rstrip(".") not in rules.weekdays and word.rstrip(".") not in rules.last
    )


def _read_date(text: str, today: date, rules: _Rules) -> list[tuple[int, int, int]]:
    """Every (year, month, day) the text could mean, preferred reading first."""
    if match := _ISO.fullmatch(text):
        return [(int(match["y"]), int(match["m"]), int(match["d"]))]
    if match := _DOTTED.fullmatch(text):
        # Dots are the day-first convention everywhere that uses them.
        return [(full_year(match["y"]), int(match["m"]), int(match["d"]))]
    if match := _NUMERIC.fullmatch(text):
        first, second, year = int(match["a"]), int(match["b"]), full_year(match["y"])
        if first > 12 >= second:
            return [(year, second, first)]
        if second > 12 >= first:
            return [(year, first, second)]
        if first == second or rules.day_first:
            # Where dates are written day first, 03/11/2026 is 3 November: nothing to ask.
            return [(year, second, first)]
        return [(year, second, first), (year, first, second)]
    if rules.day_first and (match := _SHORT_NUMERIC.fullmatch(text)):
        day_number, month = int(match["d"]), int(match["m"])
        if month > 12 >= day_number:
            day_number, month = month, day_number  # "11/25": only month first makes sense
        return [(_latest_year(month, day_number, today), month, day_number)]
    if match := _DAY_ONLY.fullmatch(text):
        day_number = int(match["d"])
        year, month = _latest_month(day_number, today)
        return [(year, month, day_number)]
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        if (match := pattern.fullmatch(text)) and match["mon"] in rules.months:
            month, day_number = rules.months[match["mon"]], int(match["d"])
            if match["y"] is not None:
                return [(full_year(match["y"]), month, day_number)]
            return [(_latest_year(month, day_number, today), month, day_number)]
    raise InputError(_UNREADABLE)


def full_year(digits: str) -> int:
    """A year as written in a date: "26" is 2026, "2026" is itself."""
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def _latest_year(month: int, day: int, today: date) -> int:
    """Year of the latest `day month` on or before today; 29 Feb looks back to a leap year."""
    for year in range(today.year, today.year - 9, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return year
    # Impossible in every year (31 Feb): _accept reports it.
    return today.year


def _latest_month(day: int, today: date) -> tuple[int, int]:
    """Year and month of the latest `day` (of any month) on or before today."""
    year, month = today.year, today.month
    for _ in range(12):
        if 1 <= day <= _days_in(year, month) and date(year, month, day) <= today:
            return year, month
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    # No month has this day (the 32nd, the 0th): _accept reports it.
    return today.year, today.month


def _days_in(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _accept(reading: tuple[int, int, int], today: date, max_age_days: int) -> date:
    year, month, day_number = reading
    try:
        day = date(year, month, day_number)
    except ValueError:
        raise _Rejected(_IMPOSSIBLE) from None
    if day > today:
        raise _Rejected(_FUTURE)
    if days_between(day, today) > max_age_days:
        years = max_age_days >= 365 and max_age_days % 365 == 0
        count = max_age_days // 365 if years else max_age_days
        unit = ("year" if count == 1 else "years") if years else ("day" if count == 1 else "days")
        raise _Rejected(_TOO_OLD[unit, max_age_days >= 365], count=count)
    return day

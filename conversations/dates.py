"""Reading the date (and maybe time) of a charge, and counting days for deadlines.

This module owns turning what advertisers type (``9 Nov``, ``2026-11-03 10:02``,
``03/11/2026``, ``yesterday``) into a `When`, or an `Ambiguous` pair of readings for the
caller to ask about, plus the small calendar helpers the policy deadlines need.
Everything is relative to a `today` passed in, never the clock, so it is testable.

The reader's locale (a plain code such as ``ru`` or ``pt_BR``) adds its month and weekday
names, its words for today and yesterday and its small words (``de``, ``в``, ``pukul``) to
the English ones, which work everywhere. Outside English, numeric dates are read the way
the locale writes them, day first, without asking (``03/11/2026`` is 3 November; ``09.11``
and ``3/11`` need no year), and times may be written ``10h02`` or ``10.02``.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Literal

from babel import Locale, UnknownLocaleError
from babel.dates import get_date_format, get_day_names, get_month_names

from conversations.errors import N_, InputError
from conversations.regions import SPOKEN

__all__ = [
    "ISO_DATE",
    "NUMERIC_DATE",
    "Ambiguous",
    "When",
    "add_business_days",
    "days_between",
    "full_year",
    "month_number",
    "parse_after",
    "parse_when",
]


@dataclass(frozen=True)
class When:
    """A day, and the time of day when the person gave one."""

    day: date
    at: time | None


@dataclass(frozen=True)
class Ambiguous:
    """Two valid readings of a numeric date such as 03/11/2026; day-first reading first."""

    options: tuple[When, ...]


_MONTHS: dict[str, int] = {}
for _number, _name in enumerate(
    (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ),
    start=1,
):
    _MONTHS[_name] = _number
    _MONTHS[_name[:3]] = _number
_MONTHS["sept"] = 9

# Words that carry no date: "on Monday, the 3rd of November at around 10:02".
_FILLER = frozenset(
    {"at", "on", "of", "the", "around", "about", "approx", "approximately", "roughly", "circa"}
)
# A weekday next to a date is not checked against it (the numbers are what people copy
# carefully); on its own ("Monday", "last Tuesday") it is the latest such day before today.
_WEEKDAYS: dict[str, int] = {}
for _number, _name in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
):
    _WEEKDAYS[_name] = _number
    _WEEKDAYS[_name[:3]] = _number
_WEEKDAYS.update({"tues": 1, "thur": 3, "thurs": 3})
# Words around a lone weekday that say "the one just gone".
_LAST = frozenset({"last", "past", "this"})
# "3 days ago", in English everywhere.
_DAYS_AGO = (re.compile(r"(?P<n>\d{1,4}) days? ago"),)
_MAX_TEXT = 60  # nobody types a 60-character date; keeps regexes cheap on pasted junk
_ORDINAL = r"(?:st|nd|rd|th)?"
_AMPM = r"(?P<ampm>a\.?m\.?|p\.?m\.?)"
# "the 27th" alone: the latest 27th not after today.
_DAY_ONLY = re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)")
# Words that say a day number follows ("on the 27", "el día 27", "dia 27", "tanggal 27")
# and the words before a bare hour ("at 10", "a las 10", "às 10", "в 10", "pukul 10"), by
# language (accents folded); English's work everywhere. Both are read before the filler
# words go, since most of them are filler too.
_DAY_MARKERS: dict[str, tuple[str, ...]] = {
    "en": ("the",),
    "es": ("el dia", "dia", "el"),
    "pt": ("no dia", "dia"),
    "id": ("tanggal", "tgl"),
}
_HOUR_MARKERS: dict[str, tuple[str, ...]] = {
    "en": ("at",),
    "ru": ("в", "во"),
    "es": ("a las", "a la", "las"),
    "pt": ("as", "das"),
    "id": ("pukul", "jam"),
}
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


@dataclass(frozen=True)
class _Rules:
    """How dates are written in one locale (English's own rules for English)."""

    months: dict[str, int]
    filler: frozenset[str]
    weekdays: dict[str, int]  # name → 0 for Monday … 6 for Sunday
    last: frozenset[str]
    days_ago: tuple[re.Pattern[str], ...]
    today: frozenset[str]
    yesterday: frozenset[str]
    day_first: bool  # numeric dates day first without asking; short forms and local times
    fold_accents: bool
    day_markers: tuple[str, ...] = _DAY_MARKERS["en"]
    hour_markers: tuple[str, ...] = _HOUR_MARKERS["en"]


# Words people add that Babel's calendar data does not carry, by language.
_LOCAL_FILLER: dict[str, frozenset[str]] = {
    "ru": frozenset(
        {
            *("в", "во", "г", "год", "года", "числа", "мск", "час", "часа", "часов"),
            *("около", "примерно", "приблизительно"),
        }
    ),
    "es": frozenset(
        {
            *("de", "del", "a", "la", "las", "el", "hora", "horas"),
            *("alrededor", "aproximadamente", "aprox", "eso", "sobre", "hacia"),
        }
    ),
    "pt": frozenset(
        {
            *("de", "do", "da", "dia", "a", "as", "às", "em", "hora", "horas"),
            *("por", "volta", "das", "cerca", "aproximadamente", "aprox"),
        }
    ),
    "id": frozenset(
        {
            "pukul",
            "jam",
            "tanggal",
            "tgl",
            "wib",
            "wita",
            "wit",
            "sekitar",
            "kira",
            "kurang",
            "lebih",
        }
    ),
}
_LOCAL_TODAY: dict[str, frozenset[str]] = {
    "ru": frozenset({"сегодня"}),
    "es": frozenset({"hoy"}),
    "pt": frozenset({"hoje"}),
    "id": frozenset({"hari ini"}),
}
_LOCAL_YESTERDAY: dict[str, frozenset[str]] = {
    "ru": frozenset({"вчера"}),
    "es": frozenset({"ayer"}),
    "pt": frozenset({"ontem"}),
    "id": frozenset({"kemarin"}),
}
# "в прошлую среду", "el lunes pasado", "na segunda passada", "Senin lalu" (accents
# folded, as the text is when it is read).
_LOCAL_LAST: dict[str, frozenset[str]] = {
    "ru": frozenset({"прошлыи", "прошлую", "прошлое", "прошлои", "этот", "эту", "это"}),
    "es": frozenset({"pasado", "pasada", "este", "esta", "ultimo", "ultima"}),
    "pt": frozenset({"passado", "passada", "ultimo", "ultima", "na", "no", "nesta", "neste"}),
    "id": frozenset({"lalu", "kemarin", "hari", "yang"}),
}
# Weekday forms Babel's calendar data does not carry: Russian says "в среду".
_LOCAL_WEEKDAYS: dict[str, dict[str, int]] = {
    "ru": {"среду": 2, "пятницу": 4, "субботу": 5},
}
# Weekday names that mostly mean something else with the words above: "minggu lalu" is
# "last week" more often than "last Sunday".
_NOT_WEEKDAYS: dict[str, frozenset[str]] = {"id": frozenset({"minggu"})}
_LOCAL_DAYS_AGO: dict[str, tuple[re.Pattern[str], ...]] = {
    "ru": (re.compile(r"(?P<n>\d{1,4}) (?:день|дня|днеи) назад"),),
    "es": (re.compile(r"hace (?P<n>\d{1,4}) dias?"),),
    "pt": (
        # "dia" is filler (as in "dia 9 de novembro"): "há 1 dia" reaches here as "ha 1".
        re.compile(r"(?:ha|faz) (?P<n>\d{1,4})(?: dias?)?"),
        re.compile(r"(?P<n>\d{1,4})(?: dias?)? atras"),
    ),
    "id": (re.compile(r"(?P<n>\d{1,4}) hari (?:yang )?lalu"),),
}
_MONTH_WIDTHS: tuple[Literal["wide", "abbreviated"], ...] = ("wide", "abbreviated")
_DAY_WIDTHS: tuple[Literal["wide", "abbreviated", "short"], ...] = ("wide", "abbreviated", "short")
_CONTEXTS: tuple[Literal["format", "stand-alone"], ...] = ("format", "stand-alone")
_LOCAL_MONTHS: dict[str, dict[str, int]] = {
    "es": {"setiembre": 9, "set": 9},
    "id": {"agt": 8, "ags": 8},
}

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
            raise InputError(first_problem.template, **first_problem.params)
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


_ENGLISH = _Rules(
    months=_MONTHS,
    filler=_FILLER,
    weekdays=_WEEKDAYS,
    last=_LAST,
    days_ago=_DAYS_AGO,
    today=frozenset({"today"}),
    yesterday=frozenset({"yesterday"}),
    day_first=False,
    fold_accents=False,
)


@cache
def _rules(locale: str) -> _Rules:
    """The English rules plus the locale's names and words; English for unknown codes."""
    try:
        parsed = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return _ENGLISH
    language = parsed.language
    if language == "en":
        return _ENGLISH

    # Every spelling of a month: Babel's wide and abbreviated names (as in "3 ноября" and
    # "ноябрь"), and the prefixes of wide names people shorten to ("нояб", "novem");
    # a spelling shared by two months is left out.
    candidates: dict[str, set[int]] = {name: {number} for name, number in _MONTHS.items()}
    for width in _MONTH_WIDTHS:
        for context in _CONTEXTS:
            for number, name in get_month_names(width, context, parsed).items():
                word = _fold(name.casefold()).rstrip(".")
                candidates.setdefault(word, set()).add(number)
                if width == "wide":
                    for end in range(3, len(word)):
                        candidates.setdefault(word[:end], set()).add(number)
    for word, number in _LOCAL_MONTHS.get(language, {}).items():
        candidates.setdefault(word, set()).add(number)
    months = {
        word: next(iter(numbers)) for word, numbers in candidates.items() if len(numbers) == 1
    }

    # Every word of every weekday name ("segunda-feira": "segunda" and "feira"); a word
    # shared by several days ("feira") is only filler.
    days: dict[str, set[int]] = {name: {number} for name, number in _WEEKDAYS.items()}
    for day_width in _DAY_WIDTHS:
        for day_context in _CONTEXTS:
            for number, name in get_day_names(day_width, day_context, parsed).items():
                for word in re.split(r"[-\s]+", _fold(name.casefold()).rstrip(".")):
                    days.setdefault(word, set()).add(number)
    for word, number in _LOCAL_WEEKDAYS.get(language, {}).items():
        days.setdefault(word, set()).add(number)
    not_days = _NOT_WEEKDAYS.get(language, frozenset())
    # "mar" is Tuesday and March in Spanish: a month name is a month.
    weekdays = {
        word: next(iter(numbers))
        for word, numbers in days.items()
        if len(numbers) == 1 and word not in months and word not in not_days and word
    }
    local = {_fold(word) for word in _LOCAL_FILLER.get(language, frozenset())}
    shared = {word for word, numbers in days.items() if len(numbers) > 1} | set(not_days)
    filler = frozenset((_FILLER | local | shared) - set(months) - {""})

    pattern = get_date_format("short", parsed).pattern
    return _Rules(
        months=months,
        filler=filler,
        weekdays=weekdays,
        last=_LAST | _LOCAL_LAST.get(language, frozenset()),
        days_ago=_DAYS_AGO + _LOCAL_DAYS_AGO.get(language, ()),
        today=_ENGLISH.today | _LOCAL_TODAY.get(language, frozenset()),
        yesterday=_ENGLISH.yesterday | _LOCAL_YESTERDAY.get(language, frozenset()),
        day_first=pattern.find("d") < pattern.find("M"),
        fold_accents=True,
        day_markers=_DAY_MARKERS.get(language, ()) + _DAY_MARKERS["en"],
        hour_markers=_HOUR_MARKERS.get(language, ()) + _HOUR_MARKERS["en"],
    )


def _fold(text: str) -> str:
    """Drop accents ("noviembre" for "nóviembre", "marco" for "março")."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)


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
        if problem.template != _UNREADABLE:
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


def month_number(name: str) -> int | None:
    """The month (1–12) a month's name stands for in any of the bot's languages, as a
    person or an export writes it: "Nov", "november", "Sept.", "ноября", "нояб",
    "noviembre", "março", "Agt"; None for anything else, or a spelling that names two
    different months in two languages."""
    return _all_months().get(_fold(name.casefold()).rstrip("."))


@cache
def _all_months() -> dict[str, int]:
    candidates: dict[str, set[int]] = {}
    for locale in SPOKEN:  # the languages the bot speaks
        for word, number in _rules(locale).months.items():
            candidates.setdefault(word, set()).add(number)
    return {word: next(iter(numbers)) for word, numbers in candidates.items() if len(numbers) == 1}


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

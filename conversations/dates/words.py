"""How dates are written, by language: month and weekday names, small words, and
the rules (`_Rules`) one locale reads dates by, English's added to every other."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

from babel import Locale, UnknownLocaleError
from babel.dates import get_date_format, get_day_names, get_month_names

from conversations.regions import SPOKEN

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

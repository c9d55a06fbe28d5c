"""A time cell: ISO, numeric (either way round), month-name and Excel serial dates, with
clock and UTC offset.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, timezone

from conversations.billing.cells import _RowProblem, _shown, _text
from conversations.billing.headers import _OFFSET_TEXT, _offset
from conversations.dates import ISO_DATE, NUMERIC_DATE, full_year, month_number
from conversations.texts import Phrase

# A row's time: a datetime, or a numeric date's (day-first, month-first) readings when they
# differ — either may be impossible (None) — decided per file once every row is read.
_Moment = datetime | tuple[datetime | None, datetime | None]


# --- one cell at a time ------------------------------------------------------------------------

_CLOCK = (
    r"(?:(?:[\sT,]+|\s+at\s+)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d{1,9})?)?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?)?"
)
_ZONE = r"(?:\s*(?:(?P<z>Z)|(?:UTC|GMT)?\s*" + _OFFSET_TEXT + r"|(?P<u>UTC|GMT)))?"
_END = _CLOCK + _ZONE
# The dates are conversations/dates/'s grammar (numbers, and month names in every
# language the bot speaks); the clock and zone after them are what exports add.
_ISO_TIME = re.compile(ISO_DATE + _END, re.I)
_NUMERIC_TIME = re.compile(NUMERIC_DATE + _END, re.I)
_MONTH_NAME = r"(?P<mon>[^\W\d_]{3,12})\.?"
_MONTH_DAY_TIME = re.compile(
    _MONTH_NAME + r"[\s-]+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?[\s-]+(?P<y>\d{4})" + _END, re.I
)
# "9 Nov 2026", "9-ноя-2026", and "9 de noviembre de 2026" as Spanish and Portuguese write it.
_DAY_MONTH_TIME = re.compile(
    r"(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:[\s-]+de)?[\s-]+"
    + _MONTH_NAME
    + r",?(?:[\s-]+de)?[\s-]+(?P<y>\d{4}|\d{2})"
    + _END,
    re.I,
)
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.I)
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
# Excel serial numbers for 1954–2119: wide enough for any export, narrow enough that an
# amount or an ID in the wrong column is not taken for a date.
_SERIAL_RANGE = (20_000, 80_000)
_EXCEL_EPOCH = datetime(1899, 12, 30)  # day 0 (Windows; serials past 1900-03-01)
_YEARS = range(2000, 2101)  # a transaction outside these years is a misread cell


def _read_time(cell: object, offset: timezone | None) -> _Moment:
    """A cell's date and time; a pair of readings for a numeric date that reads both ways."""
    if isinstance(cell, datetime):
        return _with_offset(cell, offset)
    if isinstance(cell, date):
        return _with_offset(datetime.combine(cell, time()), offset)
    if isinstance(cell, bool):
        raise _RowProblem(Phrase("Couldn't read the time."))
    if isinstance(cell, int | float):
        return _with_offset(_serial(cell, _text(cell)), offset)
    text = _text(cell)
    if not text:
        raise _RowProblem(Phrase("No time."))
    # NFKC for full-width digits and no-break spaces; most exports are plain ASCII.
    cleaned = text if text.isascii() else unicodedata.normalize("NFKC", text)
    cleaned = _WEEKDAY.sub("", cleaned.replace("(", " ").replace(")", " ").strip()).strip()
    if _SERIAL.fullmatch(cleaned):
        return _with_offset(_serial(float(cleaned), text), offset)
    if (match := _ISO_TIME.fullmatch(cleaned)) is not None:
        return _at(int(match["y"]), int(match["m"]), int(match["d"]), match, text, offset)
    if (match := _NUMERIC_TIME.fullmatch(cleaned)) is not None:
        first, second, year = int(match["a"]), int(match["b"]), full_year(match["y"])
        if match["sep"] == ".":  # dotted dates are day-first wherever they are used
            return _at(year, second, first, match, text, offset)
        day_first = _maybe(year, second, first, match, text, offset)
        month_first = _maybe(year, first, second, match, text, offset)
        if day_first is None and month_first is None:
            raise _RowProblem(Phrase("The date “%(text)s” doesn't exist.", text=_shown(text)))
        if day_first == month_first:  # 09/09/2026 reads the same both ways
            assert day_first is not None
            return day_first
        return day_first, month_first
    for pattern in (_MONTH_DAY_TIME, _DAY_MONTH_TIME):
        if (match := pattern.fullmatch(cleaned)) is not None:
            month = month_number(match["mon"])
            if month is not None:
                return _at(full_year(match["y"]), month, int(match["d"]), match, text, offset)
    raise _RowProblem(Phrase("Couldn't read the time “%(text)s”.", text=_shown(text)))


def _serial(value: float, text: str) -> datetime:
    """An Excel serial date (days since 1899-12-30), to the second."""
    if not _SERIAL_RANGE[0] < value < _SERIAL_RANGE[1]:
        raise _RowProblem(Phrase("Couldn't read the time “%(text)s”.", text=_shown(text)))
    # As openpyxl reads them, to the millisecond; then to the second, as serials are binary
    # fractions of a day (10:02:33 comes back as 10:02:32.999996).
    day, fraction = divmod(value, 1)
    milliseconds = round(fraction * 86_400_000)
    moment = _EXCEL_EPOCH + timedelta(days=day, milliseconds=milliseconds + 500)
    return moment.replace(microsecond=0)


def _maybe(
    year: int, month: int, day: int, match: re.Match[str], text: str, offset: timezone | None
) -> datetime | None:
    """One reading of a numeric date, or None when it can't be one."""
    if month > 12:  # the usual impossible reading: skip building the reason nobody sees
        return None
    try:
        return _at(year, month, day, match, text, offset)
    except _RowProblem:
        return None


def _at(
    year: int, month: int, day: int, match: re.Match[str], text: str, offset: timezone | None
) -> datetime:
    """The moment a matched date, clock and zone stand for, or a _RowProblem saying why not."""
    if year not in _YEARS:
        raise _RowProblem(
            Phrase(
                "The date “%(text)s” is outside the years an export can hold.", text=_shown(text)
            )
        )
    hour = int(match["h"] or 0)
    minute = int(match["mi"] or 0)
    second = int(match["s"] or 0)
    ampm = match["ampm"]
    if ampm:
        if not 1 <= hour <= 12:
            raise _RowProblem(Phrase("The time “%(text)s” doesn't exist.", text=_shown(text)))
        hour = hour % 12 + (12 if ampm[0] in "pP" else 0)
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise _RowProblem(Phrase("The date “%(text)s” doesn't exist.", text=_shown(text))) from None
    if match["z"] or match["u"]:
        return moment.replace(tzinfo=UTC)
    if match["sign"]:
        zone = _offset(match["sign"], match["oh"], match["om"])
        if zone is None:
            raise _RowProblem(
                Phrase("The time zone in “%(text)s” doesn't exist.", text=_shown(text))
            )
        return moment.replace(tzinfo=zone)
    return _with_offset(moment, offset)


def _with_offset(moment: datetime, offset: timezone | None) -> datetime:
    if offset is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=offset)

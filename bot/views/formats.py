"""Money, numbers and dates written the reader's way: in the language `bot.views.i18n.speaking`
set (Babel's data for it). Below both `bot.views.rendering` (the templates' filters) and
`bot.views.phrases` (the amounts and dates inside the domain's phrases), so neither imports
the other.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, format_currency, format_decimal, parse_pattern

from bot.views import i18n
from conversations.currencies import minor_digits

__all__ = [
    "long_date",
    "moment",
    "money",
    "month_name",
    "number",
    "short_date",
    "spaces",
    "weekday_date",
]


def money(amount: str | Decimal | None, currency: str | None) -> str:
    """The amount with its currency's decimals (`conversations.currencies`), the way the
    reader's language writes it: `189.90 USD` in English, `1 234,56 €` in Russian,
    `R$ 1.234,56` in Portuguese (Brazil), `Rp1.500.000` in Indonesian."""
    if amount is None or currency is None:
        return "—"
    locale = i18n.babel_locale()
    text = format_currency(
        Decimal(amount),
        currency,
        format=_money_pattern(locale, minor_digits(currency)),
        locale=locale,
        currency_digits=False,
        group_separator=True,
    )
    return str(text).replace("\xa0", " ").replace("\u202f", " ")


@cache
def _money_pattern(locale: str, digits: int) -> NumberPattern:
    """English: `1,234.50 USD`. Other languages: the locale's own currency pattern. Either
    way with exactly `digits` decimals, whatever Babel's data says of the currency."""
    if locale == i18n.DEFAULT_LANGUAGE:
        return parse_pattern("#,##0" + ("." + "0" * digits if digits else "") + "\xa0¤¤")
    pattern: NumberPattern = copy.copy(Locale.parse(locale).currency_formats["standard"])
    pattern.frac_prec = (digits, digits)
    return pattern


def number(value: int | Decimal) -> str:
    """A number the way the reader's language writes it (`1,234` / `1 234` / `1.234`)."""
    return str(format_decimal(value, locale=i18n.babel_locale())).replace("\xa0", " ")


def long_date(value: str | date | None) -> str:
    """`9 November 2026` (`9 de novembro de 2026`, `9 ноября 2026 г.`)."""
    if value is None:
        return "—"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    locale = i18n.babel_locale()
    pattern = "d MMMM y" if locale == i18n.DEFAULT_LANGUAGE else "long"
    return spaces(str(format_date(day, pattern, locale=locale)))


def short_date(value: str | date | datetime | None) -> str:
    """`9 Nov 2026` (`09.11.2026`, `09/11/2026`)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.date()
    day = date.fromisoformat(value) if isinstance(value, str) else value
    locale = i18n.babel_locale()
    return str(format_date(day, i18n.LANGUAGES[locale].short_date, locale=locale))


def moment(value: datetime) -> str:
    """`08 Nov 2026 10:02` (`08.11.2026 10:02`): a row of a billing export."""
    locale = i18n.babel_locale()
    if locale == i18n.DEFAULT_LANGUAGE:
        return value.strftime("%d %b %Y %H:%M")
    return f"{short_date(value)} {value:%H:%M}"


def weekday_date(value: str | date) -> str:
    """`Mon 17 Nov` (`пн 17 нояб.`)."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return spaces(str(format_date(day, "EEE d MMM", locale=i18n.babel_locale())))


def month_name(month: str) -> str:
    """`2026-11` → `Nov 2026`."""
    if not month:
        return ""
    return str(format_date(date.fromisoformat(f"{month}-01"), "MMM y", locale=i18n.babel_locale()))


def spaces(text: str) -> str:
    """Babel's no-break and narrow no-break spaces as plain ones (the texts are typed
    around them with plain spaces, and people copy them into forms)."""
    return text.replace("\xa0", " ").replace("\u202f", " ")

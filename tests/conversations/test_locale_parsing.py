"""Amounts and dates typed the local way: a table per locale of what people type and what
it means, what is refused, and English read exactly as before."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from conversations.dates import Ambiguous, When, parse_when
from conversations.facts import Money
from conversations.money import parse_amount
from conversations.texts import InputError

NBSP = "\u00a0"
NNBSP = "\u202f"
TODAY = date(2026, 11, 26)
DECIMAL_COMMA = ["ru", "es", "pt_BR", "id"]

# --- money -----------------------------------------------------------------------------------

# Read the same way in every decimal-comma locale (default currency USD).
COMMON_AMOUNTS = [
    ("1.234,56", "1234.56", "USD"),
    ("1 234,56", "1234.56", "USD"),
    (f"1{NBSP}234,56", "1234.56", "USD"),
    (f"1{NNBSP}234,56", "1234.56", "USD"),
    ("R$ 1.234,56", "1234.56", "BRL"),
    ("Rp 1.500.000", "1500000", "IDR"),
    ("1500000 Rp", "1500000", "IDR"),
    ("1234,5 руб.", "1234.50", "RUB"),
    ("1 500 ₽", "1500.00", "RUB"),
    ("1500 RUB", "1500.00", "RUB"),
    ("120,50 USD", "120.50", "USD"),
    ("US$ 120", "120.00", "USD"),
    ("€ 99,90", "99.90", "EUR"),
    ("99,90 EUR", "99.90", "EUR"),
    ("1.234", "1234.00", "USD"),
    ("12.345", "12345.00", "USD"),
    ("12,5", "12.50", "USD"),
    ("0,50", "0.50", "USD"),
    ("1.234.567,89", "1234567.89", "USD"),
    ("1.234 KWD", "1234.000", "KWD"),
    ("1,234 KWD", "1.234", "KWD"),
    # Typed the English way, still clear: both marks, or a dot before one or two digits.
    ("1,234.56", "1234.56", "USD"),
    ("189.90", "189.90", "USD"),
    ("0.500", "0.50", "USD"),
    ("$120", "120.00", "USD"),
]

LOCAL_AMOUNTS = {
    "ru": [
        ("1500 руб", "1500.00", "RUB"),
        ("1500 рублей", "1500.00", "RUB"),
        ("100 р.", "100.00", "RUB"),
        ("50 евро", "50.00", "EUR"),
        ("120 долларов", "120.00", "USD"),
    ],
    "es": [
        ("MXN$ 1.500,00", "1500.00", "MXN"),
        ("120 dólares", "120.00", "USD"),
        ("99,90 euros", "99.90", "EUR"),
    ],
    "pt_BR": [
        ("R$1.234,56", "1234.56", "BRL"),
        ("50 reais", "50.00", "BRL"),
        ("1.234,56 BRL", "1234.56", "BRL"),
    ],
    "id": [
        ("Rp1.500.000", "1500000", "IDR"),
        ("1.500.000 rupiah", "1500000", "IDR"),
        ("IDR 250.000", "250000", "IDR"),
    ],
}


@pytest.mark.parametrize("locale", DECIMAL_COMMA)
@pytest.mark.parametrize(("text", "amount", "currency"), COMMON_AMOUNTS)
def test_amounts_in_decimal_comma_locales(
    locale: str, text: str, amount: str, currency: str
) -> None:
    """A comma marks decimals, dots and spaces group thousands; symbols and codes as anywhere."""
    money = parse_amount(text, "USD", locale)
    assert money == Money(Decimal(amount), currency)
    assert str(money.amount) == amount


@pytest.mark.parametrize(
    ("locale", "text", "amount", "currency"),
    [(locale, *row) for locale, rows in LOCAL_AMOUNTS.items() for row in rows],
)
def test_local_currency_words(locale: str, text: str, amount: str, currency: str) -> None:
    """Each language's own words for its currencies and the common ones."""
    assert parse_amount(text, None, locale) == Money(Decimal(amount), currency)


@pytest.mark.parametrize("locale", DECIMAL_COMMA)
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1,234", "at most 2 decimals"),  # a decimal comma: 1.234 dollars
        ("1.234,567", "at most 2 decimals"),
        ("1.234 567", "couldn't read"),
        ("1.23.456", "couldn't read"),
        ("0", "more than zero"),
        ("-12,5", "negative"),
        ("12,5", "Which currency"),
        ("R$ 12,5 USD", "two currencies"),
    ],
)
def test_amounts_refused_in_decimal_comma_locales(locale: str, text: str, fragment: str) -> None:
    """What cannot be one clear amount is refused with the usual messages."""
    default = None if fragment == "Which currency" else "USD"
    with pytest.raises(InputError) as caught:
        parse_amount(text, default, locale)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("$120", "120.00", "USD"),
        ("1,234.56", "1234.56", "USD"),
        ("1,234", "1234.00", "USD"),
        ("1.234", "1234.00", "USD"),
        ("1.234,56 €", "1234.56", "EUR"),
        ("12,5", "12.50", "USD"),
        ("1,234 KWD", "1.234", "KWD"),
        ("12.345 KWD", "12.345", "KWD"),
    ],
)
@pytest.mark.parametrize("locale", ["en", "en_GB", "xx", ""])
def test_english_amounts_are_unchanged(locale: str, text: str, amount: str, currency: str) -> None:
    """English, and any locale the bot does not know, read amounts exactly as before."""
    assert parse_amount(text, "USD", locale) == parse_amount(text, "USD")
    assert parse_amount(text, "USD", locale) == Money(Decimal(amount), currency)


@pytest.mark.parametrize("text", ["MXN$ 120", "50 reais", "100 р."])
def test_local_words_are_not_guessed_in_english(text: str) -> None:
    """Another language's currency words stay unknown in English, as they were."""
    with pytest.raises(InputError):
        parse_amount(text, "USD", "en")


# --- dates -------------------------------------------------------------------------------------


def when(day: str, at: str | None = None) -> When:
    return When(date.fromisoformat(day), time.fromisoformat(at) if at else None)


COMMON_DATES = [
    ("03.11.2026", when("2026-11-03")),
    ("3/11/2026", when("2026-11-03")),
    ("09/11/2026", when("2026-11-09")),
    ("03-11-2026", when("2026-11-03")),
    ("3/11", when("2026-11-03")),
    ("09.11", when("2026-11-09")),
    ("10.02", when("2026-02-10")),
    ("11/25/2026", when("2026-11-25")),  # only month first makes sense
    ("2026-11-09", when("2026-11-09")),
    ("9 Nov 2026", when("2026-11-09")),
    ("3 nov", when("2026-11-03")),
    ("Nov 9", when("2026-11-09")),
    ("today", when("2026-11-26")),
    ("yesterday", when("2026-11-25")),
    ("09.11.2026 10:02", when("2026-11-09", "10:02")),
    ("09.11.2026 10.02", when("2026-11-09", "10:02")),
    ("09.11 10.02", when("2026-11-09", "10:02")),
    ("9/11 10h02", when("2026-11-09", "10:02")),
    ("9 Nov 10h", when("2026-11-09", "10:00")),
    ("2026-11-09 22:15", when("2026-11-09", "22:15")),
]

LOCAL_DATES = {
    "ru": [
        ("3 ноября 2026", when("2026-11-03")),
        ("3 нояб.", when("2026-11-03")),
        ("3 нояб. 2026 г.", when("2026-11-03")),
        ("3 ноя", when("2026-11-03")),
        ("9 мая 2026 г.", when("2026-05-09")),
        ("1 марта", when("2026-03-01")),
        ("ноябрь 9", when("2026-11-09")),
        ("сегодня", when("2026-11-26")),
        ("вчера в 10:02", when("2026-11-25", "10:02")),
        ("понедельник, 9 ноября в 10:02", when("2026-11-09", "10:02")),
        ("3 ноября 2026 10.02", when("2026-11-03", "10:02")),
        ("в прошлый понедельник", when("2026-11-23")),
        ("в среду в 10:02", when("2026-11-25", "10:02")),
        ("в прошлую пятницу", when("2026-11-20")),
        ("пн", when("2026-11-23")),
        ("3 дня назад", when("2026-11-23")),
        ("5 дней назад", when("2026-11-21")),
    ],
    "es": [
        ("3 de noviembre de 2026", when("2026-11-03")),
        ("3 de nov", when("2026-11-03")),
        ("3 sept", when("2026-09-03")),
        ("3 de marzo", when("2026-03-03")),
        ("3 mar", when("2026-03-03")),
        ("hoy", when("2026-11-26")),
        ("ayer a las 10:02", when("2026-11-25", "10:02")),
        ("lunes 9 de noviembre a las 10:02", when("2026-11-09", "10:02")),
        ("miércoles, 4 de noviembre de 2026", when("2026-11-04")),
        ("el lunes pasado", when("2026-11-23")),
        ("el martes a las 10:02", when("2026-11-24", "10:02")),
        ("miércoles", when("2026-11-25")),
        ("hace 3 días", when("2026-11-23")),
    ],
    "pt_BR": [
        ("3 de novembro de 2026", when("2026-11-03")),
        ("9 de novembro", when("2026-11-09")),
        ("3 de março", when("2026-03-03")),
        ("3 de marco", when("2026-03-03")),
        ("3 set", when("2026-09-03")),
        ("3 out. 2026", when("2026-10-03")),
        ("hoje", when("2026-11-26")),
        ("ontem às 10h02", when("2026-11-25", "10:02")),
        ("quinta-feira, 5 de novembro de 2026 às 10h", when("2026-11-05", "10:00")),
        ("segunda passada", when("2026-11-23")),
        ("na segunda-feira", when("2026-11-23")),
        ("na última sexta às 10h", when("2026-11-20", "10:00")),
        ("há 3 dias", when("2026-11-23")),
        ("3 dias atrás", when("2026-11-23")),
        ("há 1 dia", when("2026-11-25")),
        ("1 dia atrás", when("2026-11-25")),
    ],
    "id": [
        ("3 Januari 2026", when("2026-01-03")),
        ("17 Agustus 2026", when("2026-08-17")),
        ("9 Mei", when("2026-05-09")),
        ("3 okt", when("2026-10-03")),
        ("3 des 2025", when("2025-12-03")),
        ("hari ini", when("2026-11-26")),
        ("kemarin pukul 10.02", when("2026-11-25", "10:02")),
        ("Senin, 9 November 2026 pukul 10:02 WIB", when("2026-11-09", "10:02")),
        ("Senin lalu", when("2026-11-23")),
        ("hari Rabu pukul 10.02", when("2026-11-25", "10:02")),
        ("3 hari yang lalu", when("2026-11-23")),
        ("3 hari lalu", when("2026-11-23")),
    ],
}


@pytest.mark.parametrize("locale", DECIMAL_COMMA)
@pytest.mark.parametrize(("text", "expected"), COMMON_DATES)
def test_dates_in_day_first_locales(locale: str, text: str, expected: When) -> None:
    """Numeric dates day first without asking, short forms, local times, English words."""
    assert parse_when(text, TODAY, locale=locale) == expected


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [(locale, *row) for locale, rows in LOCAL_DATES.items() for row in rows],
)
def test_local_month_names_and_words(locale: str, text: str, expected: When) -> None:
    """Each language's month names, abbreviations, weekdays, words for today/yesterday,
    a lone weekday ("the one just gone") and "3 days ago"."""
    assert parse_when(text, TODAY, locale=locale) == expected


@pytest.mark.parametrize("locale", DECIMAL_COMMA)
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("31.02.2026", "doesn't exist"),
        ("31/02", "doesn't exist"),
        ("27.11.2026", "future"),
        ("03.11.2020", "years ago"),
        ("10:02", "which day"),
        ("09.11.2026 25.10", "couldn't read"),
        ("09.11 10:02 11:00", "couldn't read"),
        ("9 Nov 24h", "no 24h"),
        ("3 blorp", "couldn't read"),
        ("", "couldn't read"),
    ],
)
def test_dates_refused_in_day_first_locales(locale: str, text: str, fragment: str) -> None:
    """Impossible, future, too old and unreadable dates get the usual messages."""
    with pytest.raises(InputError) as caught:
        parse_when(text, TODAY, locale=locale)
    assert fragment in str(caught.value)


@pytest.mark.parametrize("locale", DECIMAL_COMMA)
def test_a_time_is_refused_where_only_a_day_is_wanted(locale: str) -> None:
    """ "10h02" and "10.02" next to a date are times, so refused where no time is wanted."""
    for text in ("9 Nov 10h02", "09.11.2026 10.02"):
        with pytest.raises(InputError) as caught:
            parse_when(text, TODAY, locale=locale, allow_time=False)
        assert "Just the date" in str(caught.value)
    assert parse_when("09.11", TODAY, locale=locale, allow_time=False) == when("2026-11-09")


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("ru", "3 noviembre"),
        ("es", "3 ноября"),
        ("pt_BR", "3 Januari 2026"),
        ("id", "ayer"),
        ("es", "понедельник"),
        ("ru", "hace 3 días"),
        # "Minggu lalu" is "last week" more often than "last Sunday": asked again.
        ("id", "minggu lalu"),
    ],
)
def test_another_languages_words_are_not_read(locale: str, text: str) -> None:
    """Only the chat's language and English are understood: no guessing across languages."""
    with pytest.raises(InputError):
        parse_when(text, TODAY, locale=locale)


@pytest.mark.parametrize("locale", ["en", "en_US", "xx", ""])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/11/2026", Ambiguous((when("2026-11-03"), when("2026-03-11")))),
        ("9 Nov 10:02", when("2026-11-09", "10:02")),
        ("03.11.2026", when("2026-11-03")),
        ("yesterday 3pm", when("2026-11-25", "15:00")),
    ],
)
def test_english_dates_are_unchanged(locale: str, text: str, expected: When | Ambiguous) -> None:
    """English (and an unknown locale) still asks about 03/11/2026 and reads the rest as before."""
    assert parse_when(text, TODAY, locale=locale) == expected
    assert parse_when(text, TODAY, locale=locale) == parse_when(text, TODAY)


@pytest.mark.parametrize("text", ["3/11", "09.11", "10.02", "9 Nov 10h02", "3 ноября", "вчера"])
def test_english_does_not_read_local_forms(text: str) -> None:
    """The short and local forms stay unread in English, exactly as before."""
    with pytest.raises(InputError):
        parse_when(text, TODAY, locale="en")

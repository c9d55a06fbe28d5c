"""What callers use: `parse_amount` (free text to `Money`) and `plain_amount` (the fast
path for what exports write)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from conversations.currencies import minor_digits
from conversations.facts import Money
from conversations.money.numbers import (
    _EMPTY,
    _NEGATIVE,
    _NO_CURRENCY,
    _NO_DIGITS,
    _NUMBER,
    _SCIENTIFIC,
    _SCIENTIFIC_MSG,
    _TWO_NUMBERS,
    _UNREADABLE,
    _ZERO,
    MAX_AMOUNT,
    NoCurrency,
    ZeroAmount,
    _checked,
    _read_number,
)
from conversations.money.words import _currencies_in, _Style, _style
from conversations.texts import N_, InputError

# Nobody types a 100-character amount; a cap keeps the regexes cheap on pasted junk.
_MAX_TEXT = 100


# What nearly every export writes, and many people type: digits, one separator, two
# digits ("1234.56", "1234,56"). `parse_amount` reads it the same way (two digits after
# the only separator are cents, whatever the locale), only slower.
_PLAIN_CENTS = re.compile(r"\d{1,9}[.,]\d\d")


def plain_amount(text: str, currency: str) -> Decimal | None:
    """`parse_amount(text, currency).amount` for the plain form above in a currency with
    two decimals, read quickly (the billing-export reader's hot path); None for any other
    text or currency, or an amount `parse_amount` would refuse (zero, too large)."""
    if _PLAIN_CENTS.fullmatch(text) is None or minor_digits(currency) != 2:
        return None
    amount = Decimal(text.replace(",", "."))
    return amount if 0 < amount <= MAX_AMOUNT else None


def parse_amount(
    text: str, default_currency: str | None, locale: str = "en", *, ask_when_unclear: bool = False
) -> Money:
    """Read one positive amount of money from what a person typed.

    The currency comes from a symbol or code in the text, otherwise from
    `default_currency`. `locale` is the reader's language (``en``, ``ru``, ``pt_BR``…):
    where it writes decimals with a comma, ``12,5`` is twelve and a half and ``1.234``
    one thousand two hundred thirty-four. Raises `InputError` with a message for the
    person when the text cannot be read as exactly one amount in one currency.

    Where the reader writes decimals with a dot, a lone dot before three digits in a
    currency with two decimals (``120.999 USD``) is read as grouping thousands; with
    `ask_when_unclear` (a person who can be asked) it raises `InputError` asking which
    was meant instead.
    """
    style = _style(locale)
    # NFKC folds no-break and narrow no-break spaces into plain spaces and full-width
    # digits/symbols into ASCII ones.
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned:
        raise InputError(_EMPTY)
    if len(cleaned) > _MAX_TEXT:
        raise InputError(_UNREADABLE)
    cleaned = style.filler.sub(" ", cleaned).strip()
    if not cleaned:
        raise InputError(_EMPTY)
    if _SCIENTIFIC.search(cleaned):
        raise InputError(_SCIENTIFIC_MSG)
    if cleaned.startswith("(") and cleaned.endswith(")"):
        # Accounting notation: (5) is minus five.
        raise InputError(_NEGATIVE)

    numbers = list(_NUMBER.finditer(cleaned))
    if not numbers:
        raise InputError(_NO_DIGITS)
    if len(numbers) > 1:
        raise InputError(_TWO_NUMBERS)

    number = numbers[0]
    prefix, suffix = cleaned[: number.start()], cleaned[number.end() :]
    codes = _currencies_in(prefix, style, before_number=True) + _currencies_in(
        suffix, style, before_number=False
    )
    distinct = list(dict.fromkeys(codes))
    if len(distinct) > 1:
        raise InputError(
            N_(
                "I see two currencies (%(first)s and %(second)s). "
                "Type one amount in one currency, like 120.50 USD."
            ),
            first=distinct[0],
            second=distinct[1],
        )
    if distinct:
        currency: str | None = distinct[0]
    elif default_currency is not None:
        currency = default_currency.strip().upper()
    else:
        currency = None

    # Read the number before asking for a currency, so "0" or "1.2.3" get the more useful
    # message; without a currency, assume the usual two decimals.
    precision = minor_digits(currency) if currency is not None else 2
    amount = _read_number(number.group(), precision, decimal_comma=style.decimal_comma)
    if amount == 0:
        raise ZeroAmount(_ZERO)
    if currency is None:
        raise NoCurrency(_NO_CURRENCY)
    checked = _checked(amount, currency, precision)
    if ask_when_unclear and _dot_is_unclear(number.group(), precision, style):
        whole = int(amount)
        raise InputError(
            N_(
                "Is that %(thousands)s %(currency)s? A dot before three digits could also "
                "be decimals. Type it again without the dot (%(plain)s %(currency)s), "
                "or with two decimals, like 120.99 %(currency)s."
            ),
            thousands=f"{whole:,}",
            plain=whole,
            currency=currency,
        )
    return Money(checked, currency)


def _dot_is_unclear(raw: str, precision: int, style: _Style) -> bool:
    """Whether `raw` is digits, one dot, three digits, read as thousands where a dot
    usually marks decimals: "120.999" might be 120,999 or a mistyped 120.99."""
    whole, dot, fraction = raw.partition(".")
    return (
        dot == "."
        and not style.decimal_comma
        and precision == 2
        and whole.isdecimal()
        and not whole.startswith("0")
        and len(fraction) == 3
        and fraction.isdecimal()
    )

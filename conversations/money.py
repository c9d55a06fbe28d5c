"""Reading an amount of money the way advertisers type it.

This module owns turning free text such as ``$120``, ``1.234,56 €`` or ``Rp 150.000``
into a `Money` (a `Decimal` plus an ISO 4217 code), and the friendly `InputError`
messages for text that cannot be read as one amount in one currency.

The reader's locale (a plain code such as ``ru`` or ``pt_BR``) decides the one case the
separators alone cannot: where a comma is the decimal mark, ``1,5`` and ``1,234`` are
decimals and a lone dot before three digits (``1.234``) groups thousands. It also adds
the currency words and symbols people write in that language (``руб.``, ``reais``, ``MXN$``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.numbers import get_decimal_symbol, list_currencies

from conversations.currencies import minor_digits
from conversations.errors import N_, InputError
from conversations.facts import Money

__all__ = ["MAX_AMOUNT", "NoCurrency", "ZeroAmount", "parse_amount", "plain_amount"]

# Anything bigger is almost certainly a typo (an ID pasted into the amount, an extra zero).
MAX_AMOUNT = Decimal(100_000_000)

# Nobody types a 100-character amount; a cap keeps the regexes cheap on pasted junk.
_MAX_TEXT = 100

# Symbols and prefixes, matched case-insensitively before plain letter runs, longest first so
# that "US$" wins over "$". "$" and "¥" are read as USD and JPY: the most common meaning for
# TikTok Ads billing; other dollars/yuan need their code.
_SYMBOLS: dict[str, str] = {
    "us$": "USD",
    "u$s": "USD",
    "au$": "AUD",
    "a$": "AUD",
    "ca$": "CAD",
    "c$": "CAD",
    "hk$": "HKD",
    "nz$": "NZD",
    "mx$": "MXN",
    "sg$": "SGD",
    "s$": "SGD",
    "r$": "BRL",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₫": "VND",
    "₱": "PHP",
    "₽": "RUB",
    "₩": "KRW",
    "₺": "TRY",
    "₴": "UAH",
    "₸": "KZT",
    "₦": "NGN",
    "₪": "ILS",
    "฿": "THB",
}

# Whole words (compared case-folded) that name a currency but are not ISO codes.
_WORDS: dict[str, str] = {
    "rp": "IDR",
    "rm": "MYR",
    "zł": "PLN",
    "руб": "RUB",
    "рубль": "RUB",
    "рубля": "RUB",
    "рублей": "RUB",
    "dollar": "USD",
    "dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
}

# Currency words and symbols people use in one language only; elsewhere they would be
# guesses. Keyed by the language part of the locale.
_LOCAL_SYMBOLS: dict[str, dict[str, str]] = {
    "es": {"mxn$": "MXN", "mex$": "MXN"},
}
_LOCAL_WORDS: dict[str, dict[str, str]] = {
    "ru": {
        "р": "RUB",
        "руб": "RUB",
        "рубли": "RUB",
        "евро": "EUR",
        "долл": "USD",
        "доллар": "USD",
        "доллара": "USD",
        "долларов": "USD",
        "доллары": "USD",
    },
    "es": {"dólar": "USD", "dólares": "USD", "dolar": "USD", "dolares": "USD"},
    "pt": {
        "real": "BRL",
        "reais": "BRL",
        "dólar": "USD",
        "dólares": "USD",
        "dolar": "USD",
        "dolares": "USD",
    },
    "id": {"rupiah": "IDR", "dolar": "USD"},
}

# Words around an amount that say nothing about it ("$250 each", "about 1.234,56 €",
# "~120 USD"): English's everywhere, and each language's own. Accents are kept as typed,
# so both spellings are listed.
_FILLER: tuple[str, ...] = (
    "each",
    "about",
    "around",
    "approx",
    "approximately",
    "roughly",
    "circa",
    "total",
    "in total",
    "~",
    "≈",
)
_LOCAL_FILLER: dict[str, tuple[str, ...]] = {
    "ru": ("около", "примерно", "приблизительно", "каждый", "каждая", "по", "всего"),
    "es": (
        *("cada uno", "cada una", "cada", "unos", "unas", "alrededor de", "aproximadamente"),
        *("aprox", "cerca de", "en total", "total"),
    ),
    "pt": (
        *("cada um", "cada uma", "cada", "uns", "umas", "cerca de", "por volta de"),
        *("aproximadamente", "aprox", "no total", "total"),
    ),
    "id": ("masing-masing", "masing masing", "sekitar", "kira-kira", "kira kira", "kurang lebih"),
}

# One number: digit runs joined by single separators. Spaces and apostrophes only ever group
# thousands ("1 234,56", "1'234.50"); "." and "," may be either role and are decided below.
_NUMBER = re.compile(r"\d+(?:[.,'’ ]\d+)*")
_SCIENTIFIC = re.compile(r"\d\s*e[+-]?\d", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]+")
_MINUS = frozenset("-−–—")  # people type every kind of dash as a minus

_EMPTY = N_("Type the amount, like 120.50 USD or $120.")
_NO_DIGITS = N_("I couldn't find a number in that. Type it like 120.50 USD or $120.")
_UNREADABLE = N_("I couldn't read that amount. Type it like 120.50 USD or $120.")
_TWO_NUMBERS = N_("I see more than one number there. Type just one amount, like 120.50 USD.")
_NEGATIVE = N_("The amount can't be negative — type it without a minus, like 120.50 USD.")
_SCIENTIFIC_MSG = N_("Please type the amount in plain digits, like 1000000 USD (not 1e6).")
_ZERO = N_("The amount must be more than zero. Type it like 120.50 USD or $120.")
_NO_CURRENCY = N_("Which currency? Type it like 120 USD.")


class ZeroAmount(InputError):
    """The amount read is zero (so a caller can tell it from other errors without reading
    the English message)."""


class NoCurrency(InputError):
    """The text names no currency and no default was given."""


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


@cache
def _known_codes() -> frozenset[str]:
    return frozenset(code.upper() for code in list_currencies())


@dataclass(frozen=True)
class _Style:
    """How amounts are written in one locale."""

    decimal_comma: bool
    symbols: dict[str, str]
    symbols_longest_first: tuple[str, ...]
    words: dict[str, str]
    filler: re.Pattern[str]


@cache
def _style(locale: str) -> _Style:
    try:
        parsed = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        parsed = Locale("en")
    language = parsed.language
    symbols = _SYMBOLS | _LOCAL_SYMBOLS.get(language, {})
    return _Style(
        decimal_comma=language != "en" and get_decimal_symbol(parsed) == ",",
        symbols=symbols,
        symbols_longest_first=tuple(sorted(symbols, key=len, reverse=True)),
        words=_WORDS | _LOCAL_WORDS.get(language, {}),
        filler=_filler_pattern(_FILLER + _LOCAL_FILLER.get(language, ())),
    )


def _filler_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of `words` as a whole word (a trailing dot too: "approx."), longest first."""
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W\d_])(?:{alternatives})(?![^\W\d_])\.?", re.IGNORECASE)


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


def _currencies_in(piece: str, style: _Style, *, before_number: bool) -> list[str]:
    """Currency codes named in the text on one side of the number; anything else is an error."""
    found: list[str] = []
    pos = 0
    while pos < len(piece):
        ch = piece[pos]
        if ch.isspace():
            pos += 1
            continue
        if ch in _MINUS:
            if before_number:
                raise InputError(_NEGATIVE)
            raise InputError(_UNREADABLE)
        symbol = _symbol_at(piece, pos, style)
        if symbol is not None:
            found.append(style.symbols[symbol])
            pos += len(symbol)
            continue
        word_match = _LETTERS.match(piece, pos)
        if word_match is None:
            raise InputError(_UNREADABLE)
        word = word_match.group()
        end = word_match.end()
        touches_number = end == len(piece) if before_number else pos == 0
        found.append(_currency_of_word(word, style, touches_number=touches_number))
        # "руб." and "usd." are abbreviations, not garbage.
        pos = end + 1 if piece[end : end + 1] == "." else end
    return found


def _symbol_at(piece: str, pos: int, style: _Style) -> str | None:
    folded = piece[pos : pos + len(style.symbols_longest_first[0])].casefold()
    for symbol in style.symbols_longest_first:
        if folded.startswith(symbol):
            return symbol
    return None


def _currency_of_word(word: str, style: _Style, *, touches_number: bool) -> str:
    upper = word.upper()
    if len(word) == 3 and word.isascii() and upper in _known_codes():
        return upper
    named = style.words.get(word.casefold())
    if named is not None:
        return named
    # "120 XYZ" and "120XYZ" are clearly meant as a code; "12abc" is just noise.
    looks_like_code = len(word) == 3 and word.isascii() and (word.isupper() or not touches_number)
    if looks_like_code:
        raise InputError(
            N_("I don't know the currency “%(code)s”. Use a 3-letter code like USD, EUR or GBP."),
            code=upper,
        )
    raise InputError(_UNREADABLE)


def _read_number(raw: str, precision: int, *, decimal_comma: bool) -> Decimal:
    """Decide which separators group thousands and which one marks decimals."""
    parts = re.split(r"([.,'’ ])", raw)
    groups, seps = parts[0::2], parts[1::2]
    if not seps:
        return Decimal(raw)

    decimal_at = _decimal_separator_index(groups, seps, precision, decimal_comma=decimal_comma)
    thousand_seps = seps if decimal_at is None else seps[:decimal_at]
    int_groups = groups if decimal_at is None else groups[: decimal_at + 1]
    if len(set(thousand_seps)) > 1:
        # "1.234 567" mixes two thousands styles: no reading is safe.
        raise InputError(_UNREADABLE)
    if thousand_seps and not _valid_grouping(int_groups, thousand_seps[0]):
        raise InputError(_UNREADABLE)

    integer = "".join(int_groups)
    if decimal_at is None:
        return Decimal(integer)
    return Decimal(f"{integer}.{groups[-1]}")


def _decimal_separator_index(
    groups: list[str], seps: list[str], precision: int, *, decimal_comma: bool
) -> int | None:
    """Index in `seps` of the decimal separator, or None when every separator groups thousands."""
    marks = [i for i, sep in enumerate(seps) if sep in ".,"]
    kinds = {seps[i] for i in marks}
    if not marks:
        return None
    last = marks[-1]
    if len(kinds) == 2:
        # Both occur: the last one marks decimals and must be the only one of its kind.
        if seps.count(seps[last]) > 1 or last != len(seps) - 1:
            raise InputError(_UNREADABLE)
        return last
    if len(marks) > 1:
        return None  # "1.234.567": repeated, so grouping
    if last != len(seps) - 1:
        return None  # "1,234 567" style: a decimal mark can only come last
    if decimal_comma:
        # Where a comma marks decimals, a lone comma always does ("12,5", "1,234" is 1.234);
        # a lone dot groups thousands before exactly three digits ("1.234"), and is read as
        # a decimal point otherwise ("189.90" is still typed that way, "0.500" too).
        if seps[last] == ",":
            return last
        if len(groups[-1]) == 3 and not groups[0].startswith("0"):
            return None
        return last
    if len(groups[-1]) == 3 and precision != 3 and not groups[0].startswith("0"):
        # "1,234" is one thousand two hundred thirty-four. Not so where the currency itself
        # has three decimals (KWD, BHD, ...) or the number starts with 0 ("0.500").
        return None
    return last


def _valid_grouping(int_groups: list[str], sep: str) -> bool:
    if not int_groups[0] or len(int_groups[0]) > 3 or int_groups[0].startswith("0"):
        return False
    if all(len(g) == 3 for g in int_groups[1:]):
        return True
    # Indian lakh/crore grouping, "1,23,456.78", is common for INR.
    return (
        sep == ","
        and len(int_groups[0]) <= 2
        and len(int_groups[-1]) == 3
        and all(len(g) == 2 for g in int_groups[1:-1])
    )


def _checked(amount: Decimal, currency: str, precision: int) -> Decimal:
    """Refuse amounts the currency cannot hold, then quantize to its minor units."""
    # Trailing zeros are harmless: "120.00 JPY" is 120 yen.
    exponent = amount.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite: built from digits only
    if -exponent > precision:
        if precision == 0:
            raise InputError(
                N_(
                    "%(currency)s amounts have no decimals — type a whole number, "
                    "like 1200 %(currency)s."
                ),
                currency=currency,
            )
        raise InputError(
            N_("%(currency)s amounts have at most %(digits)s decimals — check the amount?"),
            currency=currency,
            digits=precision,
        )
    if amount > MAX_AMOUNT:
        raise InputError(
            N_("That's more than 100,000,000 %(currency)s — check the amount?"), currency=currency
        )
    return amount.quantize(Decimal(1).scaleb(-precision))

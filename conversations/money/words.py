"""Currency words and symbols, by language (`_Style`: a locale's decimal mark, symbols,
words and filler), and the currency named on either side of a number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.numbers import get_decimal_symbol, list_currencies

from conversations.money.numbers import _LETTERS, _MINUS, _NEGATIVE, _UNREADABLE
from conversations.texts import N_, InputError

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

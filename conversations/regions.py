"""Countries and regions of ad accounts: the codes we know, and reading a typed one.

TikTok's policy varies by region (POLICY.md, "Regional differences"), so an ad account
keeps its country as an ISO 3166 alpha-2 code. People type it the way they say it:
"Vietnam", "VN", "Việt Nam", "Japón", "Япония", "Brasil". The names come from CLDR
(through Babel): each country's name in the languages the bot speaks and in the
languages of the main ad markets, matched without case or accents.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from babel import Locale, UnknownLocaleError

from conversations.texts import N_, InputError

# The languages the bot speaks (bot/views/i18n.py LANGUAGES); names in these are always read.
SPOKEN = ("en", "ru", "es", "pt_BR", "id")
# Countries' own names, in the languages of the markets advertisers write from ("Việt Nam",
# "日本", "ประเทศไทย"). Every name in each of these is read, so the list stays short: each
# language costs a CLDR locale load (~15 ms) the first time a country is typed.
OWN_LANGUAGES = (
    "vi", "ja", "th", "ms", "zh", "zh_Hant", "ko", "fil", "tr", "ar",
    "de", "fr", "it", "pl", "nl", "uk", "kk", "pt_PT", "hi",
)  # fmt: skip
# Offered as buttons: large TikTok ad markets for the bot's languages, and the countries
# whose rules differ (POLICY.md: promo codes, invoice timing).
COMMON_REGIONS = ("US", "GB", "BR", "MX", "ID", "VN", "TH", "MY", "JP", "TW")

# Two-letter CLDR territories that are not a country an ad account can be in.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AQ", "CP", "DG"})
# Short forms people type that CLDR doesn't list as names.
_ALIASES = {
    "usa": "US",
    "america": "US",
    "united states of america": "US",
    "uk": "GB",
    "england": "GB",
    "great britain": "GB",
    "britain": "GB",
    "uae": "AE",
    "korea": "KR",
    "south korea": "KR",
    "holland": "NL",
    "russian federation": "RU",
    "рф": "RU",
    "сша": "US",
    "англия": "GB",
    "eeuu": "US",
    "ee uu": "US",
    "eua": "US",
}
# Words around the name that don't change it: "the Philippines", "in Japan", "Brasil.".
_FILLER = re.compile(r"^(?:the|in|my account is in|it'?s in|its in)\s+", re.IGNORECASE)
_NOT_A_LETTER = re.compile(r"[^\w]+")
_MAX_TEXT = 80

_UNKNOWN = N_(
    "I don't know that country. Type its name or its 2-letter code, like Vietnam or VN "
    "— or tap Skip."
)


def known_regions() -> frozenset[str]:
    """Every ISO 3166 alpha-2 code an ad account can have."""
    return _known()


@functools.cache
def _known() -> frozenset[str]:
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(
        code
        for code in codes
        if len(code) == 2 and code.isalpha() and code.isupper() and code not in _NOT_COUNTRIES
    )


def warm_up() -> None:
    """Build the table of names now (it is built on first use otherwise)."""
    _index()


def region_name(code: str, locale: str = "en") -> str:
    """The country's name in `locale` ("Japón" for JP in es); the code if it has none."""
    try:
        names = Locale.parse(locale).territories
    except (UnknownLocaleError, ValueError):
        names = Locale("en").territories
    return str(names.get(code.upper(), code.upper()))


def parse_region(text: str) -> str:
    """The ISO code of a typed country or code; InputError with a friendly re-ask if unknown."""
    if len(text) > _MAX_TEXT:
        raise InputError(_UNKNOWN)
    folded = _fold(text)
    if not folded:
        raise InputError(_UNKNOWN)
    if len(folded) == 2 and folded.upper() in _known():
        return folded.upper()
    code = _index().get(folded) or _index().get(_fold(_FILLER.sub("", text.strip())))
    if code is None:
        raise InputError(_UNKNOWN)
    return code


def _fold(text: str) -> str:
    """Lower case, no accents, words separated by one space: "Việt Nam" → "viet nam"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    # "đ" and "ø" have no decomposition: read them as people type them without accents.
    bare = bare.replace("đ", "d").replace("ø", "o").replace("ł", "l")
    return " ".join(_NOT_A_LETTER.sub(" ", bare).replace("_", " ").split())


@functools.cache
def _index() -> dict[str, str]:
    """Folded name → code, for every known country in the spoken and the markets' languages."""
    index: dict[str, str] = {}
    locales: dict[str, Locale] = {}

    def names_in(language: str) -> dict[str, str]:
        if language not in locales:
            try:
                locales[language] = Locale.parse(language)
            except (UnknownLocaleError, ValueError):
                return {}
        return dict(locales[language].territories)

    known = _known()
    for language in SPOKEN + OWN_LANGUAGES:
        for code, name in names_in(language).items():
            if code in known:
                _add(index, name, code)
    for alias, code in _ALIASES.items():
        index[_fold(alias)] = code
    return index


def _add(index: dict[str, str], name: str, code: str) -> None:
    # "Myanmar (Burma)", "Hong Kong SAR China": the whole name, and the part before "(".
    for form in (name, name.split("(")[0]):
        folded = _fold(form)
        if folded:
            index.setdefault(folded, code)

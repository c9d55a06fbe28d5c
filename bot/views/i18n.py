"""The bot's languages, and its one way to translate.

How a text reaches a reader in their language (the one mechanism, for every text):

- **The catalogue is the only source of translations**: gettext, keyed by the English text,
  read with Babel from `locales/<code>/LC_MESSAGES/messages.po` (once per language, kept in
  memory: nothing binary is committed, nothing is read per message). English needs none.
- **Texts are written in English and marked where they are written**, so `pybabel extract`
  (babel.cfg, scripts/extract_messages.sh) finds every one: in Python with the one `N_` /
  `NP_` of `conversations.texts` (the domain and the adapter alike), `_`/`ngettext` here for
  a text translated on the spot, in templates with jinja2's i18n extension (`{% trans %}`,
  `_()`), and the policy data's texts by `bot.views.i18n_extract`.
- **The domain never translates.** It keeps its texts in English as a `Phrase` (its template,
  plural and params; a `PolicyText` is one with the policy's ``{placeholders}``; an
  `InputError` carries one as `error.phrase`). The adapter shows each through **one
  function, `bot.views.phrases.said`**: called from Python, and the `said` filter in
  templates. It looks the template up here and writes the amounts and dates inside the
  reader's way.
- **The language is the one being rendered now**: a context variable, set by
  `speaking(code)` around one update's work (or one reminder's), so `_`, `ngettext`, `said`,
  the `Words` tables and the templates all follow it without a language passed through every
  call.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.resources import data_dir

LOCALES_DIR = data_dir("locales")
DOMAIN = "messages"


@dataclass(frozen=True)
class Language:
    """One language the bot speaks.

    `code` names the catalogue folder and the Babel locale; `name` is how the language
    calls itself (on the /language buttons); `short_date` is the Babel pattern of a
    date in lists and buttons. `decimal_comma`: amounts typed in this language use a
    comma for decimals (1.234,56), and numeric dates are read day first. `in_sentence` is
    the name as the language writes it inside a sentence ("español", lower case), when
    that differs from the button's capitalised `name`.
    """

    code: str
    name: str
    short_date: str
    decimal_comma: bool
    in_sentence: str = ""


DEFAULT_LANGUAGE = "en"

# Adding a language: one line here, and its catalogue under locales/ (see
# locales/TRANSLATING.md).
LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "English", "d MMM y", decimal_comma=False),
        Language("ru", "Русский", "dd.MM.y", decimal_comma=True, in_sentence="русский"),
        Language("es", "Español", "dd/MM/y", decimal_comma=True, in_sentence="español"),
        Language(
            "pt_BR",
            "Português (Brasil)",
            "dd/MM/y",
            decimal_comma=True,
            in_sentence="português (Brasil)",
        ),
        Language("id", "Bahasa Indonesia", "dd/MM/y", decimal_comma=True),
    )
}

_current: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def best_language(telegram_code: str | None) -> str:
    """The supported language closest to Telegram's `language_code` (an IETF tag such as
    `pt-br`, `es-419`, `ru`); English when none is close."""
    if not telegram_code:
        return DEFAULT_LANGUAGE
    tag = telegram_code.strip().replace("-", "_")
    by_folded = {code.casefold(): code for code in LANGUAGES}
    exact = by_folded.get(tag.casefold())
    if exact is not None:
        return exact
    base = tag.split("_", 1)[0].casefold()
    if base in by_folded:
        return by_folded[base]
    # A regional variant we carry stands in for the others (pt-PT reads pt_BR fine).
    for code in LANGUAGES:
        if code.split("_", 1)[0].casefold() == base:
            return code
    return DEFAULT_LANGUAGE


def known(code: str | None) -> str:
    """`code` if the bot speaks it, else the default language."""
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


@cache
def translations(code: str) -> Translations:
    """The language's catalogue, read from its `.po` file and compiled in memory once."""
    path = LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return Translations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


# A chat's language not read yet (`speaking_when_needed`): this very object, never a code.
_PENDING = "".join(("not read", " yet"))
_resolver: ContextVar[Callable[[], str | None] | None] = ContextVar("resolver", default=None)


def current() -> str:
    """The language of the text being rendered now."""
    code = _current.get()
    return _resolved() if code is _PENDING else code


def _resolved() -> str:
    """The language `speaking_when_needed` left to read: read now, and kept for the rest of
    this context."""
    resolve = _resolver.get()
    code = known(resolve() if resolve is not None else None)
    _current.set(code)
    return code


@contextmanager
def speaking_when_needed(resolve: Callable[[], str | None]) -> Iterator[None]:
    """Render everything inside in the language `resolve` gives, read the first time a
    text needs it. An update's handler reads its chat's language so: on a synchronous
    driver that read then joins the update's own transaction (its first service call
    renders), instead of being a transaction of its own before it."""
    token = _current.set(_PENDING)
    pending = _resolver.set(resolve)
    try:
        yield
    finally:
        _current.reset(token)
        _resolver.reset(pending)


@contextmanager
def speaking(code: str | None) -> Iterator[str]:
    """Render everything inside in language `code` (unknown codes: the default)."""
    token = _current.set(known(code))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    """`message` in the current language."""
    code = _current.get()
    if code is _PENDING:
        code = _resolved()
    if code == DEFAULT_LANGUAGE:
        return message
    return translations(code).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of `singular`/`plural` for the number `n`, in the current language."""
    code = _current.get()
    if code is _PENDING:
        code = _resolved()
    if code == DEFAULT_LANGUAGE:
        return singular if n == 1 else plural
    return translations(code).ngettext(singular, plural, n)


_ = gettext


def message_switch(shown_in: str) -> tuple[str, str] | None:
    """The language button under a message to TikTok shown in `shown_in`: (the language it
    switches to, its label) — the chat's language when the message is in English, English
    when it is translated; None in an English-speaking chat."""
    chat = current()
    if shown_in != DEFAULT_LANGUAGE:
        target = DEFAULT_LANGUAGE
    elif chat != DEFAULT_LANGUAGE:
        target = chat
    else:
        return None
    # Translators: a button under the message to TikTok; %(language)s is a language's
    # own name, e.g. "Русский" or "English".
    language = LANGUAGES[target]
    return target, "🌐 " + gettext("Write it in %(language)s") % {
        "language": language.in_sentence or language.name
    }


def babel_locale() -> str:
    """The Babel locale of the current language."""
    return current()


class Words(Mapping[str, str]):
    """A table of labels written in English (marked with `N_`) that reads in the current
    language: `REASONS[code]` is the label as the person reading it should see it.

    Only a view over `gettext`, the catalogue's look-up, done when a label is read: no
    translations of its own. Kept as a mapping rather than plain tables translated at each
    use because the tables are handed whole to templates and screens (`status_words`,
    `billing_words`, the choices of a question) that index them by code: a plain table would
    need a `_()` at each of those ~40 look-ups, in Python and in templates alike, and one
    forgotten would show English.
    """

    def __init__(self, english: Mapping[str, str]) -> None:
        self.english = dict(english)

    def __getitem__(self, key: str) -> str:
        return gettext(self.english[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self.english)

    def __len__(self) -> int:
        return len(self.english)

    def __contains__(self, key: object) -> bool:
        return key in self.english

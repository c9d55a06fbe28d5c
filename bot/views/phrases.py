"""`said`: the one function that shows a text the domain keeps in English (a `Phrase`, a
`PolicyText`, an `InputError`'s phrase, a `Shown` value) in the reader's language — through
the catalogue of `bot.views.i18n`, keyed by the English template, with the amounts and dates
inside written the reader's way (`bot.views.formats`). Python code calls it, and templates
use it as the `said` filter."""

from __future__ import annotations

from datetime import date, datetime

from bot.views import formats, i18n
from conversations.texts import InputError, Phrase, Shown


def said(text: object) -> str:
    """A text the domain keeps in English (a `Phrase` or `PolicyText`, e.g. an import's
    skipped-line reason, a flag's explanation or a verdict's reason; an `InputError`'s
    message; a `Shown` amount or date) in the current language; any other text as it is."""
    if isinstance(text, InputError):
        text = text.phrase
    if isinstance(text, Phrase):
        return _translated(text)
    if isinstance(text, Shown):
        return _local(text)
    return str(text)


def _translated(phrase: Phrase) -> str:
    if i18n.current() == i18n.DEFAULT_LANGUAGE or not phrase:
        # English: the phrase is its English text, values as the domain wrote them.
        return str(phrase)
    if phrase.plural is not None:
        count = phrase.params.get("count")
        template = i18n.ngettext(
            phrase.template, phrase.plural, count if isinstance(count, int) else 2
        )
    else:
        template = i18n.gettext(phrase.template)
    if phrase.params:
        values = {
            key: said(value) if isinstance(value, Phrase | Shown | InputError) else value
            for key, value in phrase.params.items()
        }
        try:
            template = phrase.filled(template, values)
        except (KeyError, IndexError, ValueError, TypeError):
            # A translation that broke a placeholder: the English text says it correctly.
            return str(phrase)
    if phrase.first_sentence:
        end = template.find(". ")
        return template if end < 0 else template[: end + 1]
    return template


def _local(value: Shown) -> str:
    """An amount or a date inside a phrase, written the reader's way."""
    raw = value.value
    if isinstance(raw, datetime):
        return formats.moment(raw)
    if isinstance(raw, date):
        return formats.short_date(raw)
    if isinstance(raw, tuple) and len(raw) == 2:
        amount, currency = raw
        return formats.money(amount, currency)
    return str(value)

"""The domain's texts in the reader's language: an `InputError`'s message, a `Phrase` and a
`PolicyText` (kept in English by `conversations/`, with their templates and values)
translated through the catalogue of `bot.views.i18n`, the amounts and dates inside them
written the reader's way (`bot.views.formats`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from bot.views import formats, i18n
from conversations.errors import InputError, Phrase, PolicyText, Shown


def error_text(error: InputError) -> str:
    """A domain error's message in the current language (the catalogue is keyed by the
    English text before its values were filled in)."""
    return _translated(error.template, error.plural, error.params)


def said(text: object) -> str:
    """A text the domain keeps in English (a `Phrase`, e.g. an import's skipped-line reason
    or a flag's explanation) in the current language; any other text as it is."""
    if isinstance(text, Phrase):
        shown = _translated(text.template, text.plural, text.params)
        if text.first_sentence:
            end = shown.find(". ")
            return shown if end < 0 else shown[: end + 1]
        return shown
    if isinstance(text, PolicyText):
        return policy_text(text)
    if isinstance(text, InputError):
        return error_text(text)
    if isinstance(text, Shown):
        return _local(text)
    return str(text)


def policy_text(text: PolicyText) -> str:
    """A text of the policy data in the current language: the text as written in
    policy.toml (the catalogue's key) translated, with the same values filled in."""
    if i18n.current() == i18n.DEFAULT_LANGUAGE or not text:
        return text
    translated = i18n.gettext(text.template)
    if not text.params:
        return translated
    try:
        return translated.format_map(text.params)
    except (KeyError, IndexError, ValueError):
        # A translation that broke a placeholder: the English text says it correctly.
        return text


def _translated(template: str, plural: str | None, params: Mapping[str, object]) -> str:
    if i18n.current() == i18n.DEFAULT_LANGUAGE:
        # English: the template as written, values as the domain wrote them.
        if plural is not None and params.get("count") != 1:
            template = plural
        return template % params if params else template
    if plural is not None:
        count = params.get("count")
        text = i18n.ngettext(template, plural, count if isinstance(count, int) else 2)
    else:
        text = i18n.gettext(template)
    if not params:
        return text
    return text % {key: said(value) for key, value in params.items()}


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

"""The one error type the domain raises for input a person typed."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark an English text for the translation catalogue; the domain stays in English and
    the adapter translates the text where it shows it (keyed by this English text)."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a text with a singular and a plural form (chosen by the `count` parameter)."""
    return singular, plural


class InputError(ValueError):
    """Input that cannot be used as it is; `message` says what is expected, in plain words.

    `template` is the message before its `params` were filled in (`%(name)s` placeholders),
    so the adapter can show it in the reader's language: the catalogue is keyed by it.
    """

    def __init__(self, message: str, plural: str | None = None, /, **params: object) -> None:
        count = params.get("count")
        chosen = plural if plural is not None and count != 1 else message
        text = chosen % params if params else chosen
        super().__init__(text)
        self.message = text
        self.template = message
        self.plural = plural
        self.params = params

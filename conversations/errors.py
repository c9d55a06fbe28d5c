"""The one error type the domain raises for input a person typed, and the texts for a person
the domain keeps in English for the adapter to translate (`Phrase`, `PolicyText`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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


def _first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


class Phrase(str):
    """A text for a person that the domain keeps in English and the adapter translates
    where it shows it (like `InputError`): the English text itself (it *is* a `str`, so it
    compares, joins and prints as before), plus its `template`, `plural` and `params`.

    A parameter may itself be a `Phrase` (translated too) or a `Shown` value (an amount or a
    date the adapter writes the local way). `first_sentence`: only the first sentence is
    shown (a longer explanation quoted inside another text).
    """

    template: str
    plural: str | None
    params: dict[str, object]
    first_sentence: bool

    def __new__(cls, template: str, plural: str | None = None, /, **params: object) -> Phrase:
        count = params.get("count")
        chosen = plural if plural is not None and count != 1 else template
        return cls._made(chosen % params if params else chosen, template, plural, params, False)

    @classmethod
    def _made(
        cls,
        text: str,
        template: str,
        plural: str | None,
        params: dict[str, object],
        first_sentence: bool,
    ) -> Phrase:
        self = str.__new__(cls, _first_sentence(text) if first_sentence else text)
        self.template = template
        self.plural = plural
        self.params = params
        self.first_sentence = first_sentence
        return self

    @classmethod
    def of_error(cls, error: InputError, *, first_sentence: bool = False) -> Phrase:
        """A domain error's message as a phrase (to quote it inside another text)."""
        return cls._made(
            error.message, error.template, error.plural, dict(error.params), first_sentence
        )


class Shown(str):
    """A value inside a `Phrase`: written in English as `text`; `value` is a `date`, a
    `datetime` or an `(amount, currency)` pair, for the adapter to write the local way."""

    value: object

    def __new__(cls, text: str, value: object = None) -> Shown:
        self = super().__new__(cls, text)
        self.value = value
        return self


def joined(*parts: str) -> Phrase:
    """Sentences (phrases) shown one after the other, each translated on its own."""
    template = " ".join(f"%(p{index})s" for index in range(len(parts)))
    return Phrase(template, **{f"p{index}": part for index, part in enumerate(parts)})


class PolicyText(str):
    """A text of the policy data (policy.toml) as the domain shows it: in English with the
    policy's numbers filled in (it *is* that `str`, so it compares, joins and prints as
    before), plus its `template`, the text as written in the policy with its
    ``{placeholders}`` (the translation catalogue's key), and the `params` filled into them.
    The adapter translates the template and fills in the same params: no English text is
    parsed back.

    Without `params` the text is shown as written (nothing is filled in).
    """

    template: str
    params: Mapping[str, object]

    def __new__(cls, template: str, params: Mapping[str, object] | None = None) -> PolicyText:
        text = template if params is None else template.format_map(params)
        return cls._made(text, template, {} if params is None else params)

    @classmethod
    def _made(cls, text: str, template: str, params: Mapping[str, object]) -> PolicyText:
        self = str.__new__(cls, text)
        self.template = template
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt as it is (str would rebuild it from the text alone, without the rest).
        return PolicyText._made, (str(self), self.template, dict(self.params))

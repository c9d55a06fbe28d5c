"""The texts the domain shows a person, kept in English: `N_`/`NP_` mark them for the
translation catalogue, a `Phrase` is one with its values, a `PolicyText` one from the policy
data, `Shown` an amount or a date inside one, and `InputError` the one error raised for
input a person typed, carrying its `Phrase`.

The domain never translates: the adapter shows every one of these through one function
(`bot.views.phrases.said`). How translation works as a whole is written once, in
`bot.views.i18n`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self


def N_(message: str) -> str:
    """Mark an English text for the translation catalogue (keyed by this English text); it
    is translated where it is shown."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a text with a singular and a plural form (chosen by the `count` parameter)."""
    return singular, plural


def _first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


class Phrase(str):
    """A text for a person that the domain keeps in English and the adapter translates
    where it shows it: the English text itself (it *is* a `str`, so it compares, joins and
    prints as before), plus its `template` (the catalogue's key, with `%(name)s`
    placeholders), its `plural` form if it has one (chosen by the `count` parameter) and
    the `params` filled in.

    A parameter may itself be a `Phrase` (translated too) or a `Shown` value (an amount or a
    date the adapter writes the local way). `first_sentence`: only the first sentence is
    shown (a longer explanation quoted inside another text).
    """

    template: str
    plural: str | None
    params: Mapping[str, object]
    first_sentence: bool

    def __new__(cls, template: str, plural: str | None = None, /, **params: object) -> Phrase:
        count = params.get("count")
        chosen = plural if plural is not None and count != 1 else template
        return cls._made(cls.filled(chosen, params), template, plural, params, False)

    @staticmethod
    def filled(template: str, params: Mapping[str, object]) -> str:
        """`template` (the English one or its translation) with `params` filled in."""
        return template % params if params else template

    @classmethod
    def _made(
        cls,
        text: str,
        template: str,
        plural: str | None,
        params: Mapping[str, object],
        first_sentence: bool,
    ) -> Self:
        self = str.__new__(cls, _first_sentence(text) if first_sentence else text)
        self.template = template
        self.plural = plural
        self.params = params
        self.first_sentence = first_sentence
        return self

    def first_sentence_only(self) -> Self:
        """The same phrase, showing only its first sentence (to quote it inside another)."""
        return self._made(str(self), self.template, self.plural, self.params, True)

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt as it is (str would rebuild it from the text alone, without the rest).
        return type(self)._made, (
            str(self),
            self.template,
            self.plural,
            dict(self.params),
            self.first_sentence,
        )


class PolicyText(Phrase):
    """A text of the policy data (policy.toml) as the domain shows it: a `Phrase` whose
    `template` is the text as written in the policy, with ``{placeholders}`` (the
    catalogue's key), and whose `params` are the policy's numbers filled into them.

    Without `params` the text is shown as written (nothing is filled in).
    """

    def __new__(cls, template: str, params: Mapping[str, object] | None = None) -> PolicyText:
        text = template if params is None else template.format_map(params)
        return cls._made(text, template, None, {} if params is None else params, False)

    @staticmethod
    def filled(template: str, params: Mapping[str, object]) -> str:
        """`template` with `params` filled into its ``{placeholders}``."""
        return template.format_map(params) if params else template


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


class InputError(ValueError):
    """Input that cannot be used as it is; `message` says what is expected, in plain words.

    `phrase` is that message as a `Phrase` (its template, plural and params), for the
    adapter to show in the reader's language. Raised with the English template and its
    values (`InputError(N_("… %(name)s …"), name=…)`, or `*NP_(…)` and `count=`), or with a
    `Phrase` already made.
    """

    def __init__(self, message: str, plural: str | None = None, /, **params: object) -> None:
        phrase = message if isinstance(message, Phrase) else Phrase(message, plural, **params)
        super().__init__(str(phrase))
        self.message = str(phrase)
        self.phrase = phrase

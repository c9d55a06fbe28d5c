"""The domain's texts (conversations/texts.py): one way to mark and carry a text, whatever
raises or holds it; the adapter shows them through `bot.views.phrases.said` (tested in
tests/bot/test_phrases.py)."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

from conversations.texts import NP_, InputError, Phrase, PolicyText, Shown, joined

ROOT = Path(__file__).resolve().parent.parent.parent


def test_one_n_and_one_np_in_the_code() -> None:
    """`N_` and `NP_` are defined once, in conversations/texts.py; everyone imports them."""
    definitions = re.compile(r"^def (N_|NP_)\(", re.M)
    found = sorted(
        str(path.relative_to(ROOT))
        for folder in ("bot", "conversations", "scripts", "benchmarks")
        for path in (ROOT / folder).rglob("*.py")
        if definitions.search(path.read_text(encoding="utf-8"))
    )
    assert found == ["conversations/texts.py"]


def test_an_input_error_carries_its_phrase() -> None:
    """An error's message is a Phrase: the English text, plus its template, plural and
    values for the adapter to translate."""
    error = InputError(*NP_("%(count)s digit", "%(count)s digits"), count=3)
    assert error.message == str(error) == error.phrase == "3 digits"
    assert (error.phrase.template, error.phrase.plural) == ("%(count)s digit", "%(count)s digits")
    assert error.phrase.params == {"count": 3}
    again = InputError(error.phrase)
    assert again.phrase is error.phrase and again.message == "3 digits"


def test_a_phrase_quotes_the_first_sentence_of_another() -> None:
    error = InputError("That isn't an amount. Type it like 120.50.")
    quoted = error.phrase.first_sentence_only()
    assert quoted == "That isn't an amount." and quoted.template == error.phrase.template
    outer = Phrase("Couldn't read it: %(why)s", why=quoted)
    assert outer == "Couldn't read it: That isn't an amount."


def test_a_policy_text_is_a_phrase_with_braces() -> None:
    """A policy text is a Phrase (shown by the same function) whose placeholders are
    written in braces, as in policy.toml; without values it is shown as written."""
    text = PolicyText("Within {days} days, {name}.", {"days": 15, "name": "or sooner"})
    assert isinstance(text, Phrase) and text.plural is None
    assert text == "Within 15 days, or sooner." and text.template == "Within {days} days, {name}."
    assert text.filled("En {days} días.", text.params) == "En 15 días."
    assert PolicyText("Keep {this}") == "Keep {this}"


def test_phrases_survive_a_pickle() -> None:
    """Copied or pickled, a phrase keeps what it was made of (str alone would lose it)."""
    inner = Phrase("Charged %(amount)s.", amount=Shown("120.00 USD", ("120.00", "USD")))
    for phrase in (
        joined(inner, Phrase("Twice.")),
        inner.first_sentence_only(),
        PolicyText("In {days} days.", {"days": 3}),
    ):
        copied = pickle.loads(pickle.dumps(phrase))
        assert type(copied) is type(phrase) and copied == phrase
        assert (copied.template, copied.plural, copied.first_sentence) == (
            phrase.template,
            phrase.plural,
            phrase.first_sentence,
        )
        assert copied.params.keys() == phrase.params.keys()

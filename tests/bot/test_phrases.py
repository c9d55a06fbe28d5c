"""`said`: the one function showing the domain's texts (Phrase, PolicyText, an InputError's
phrase, Shown) in the reader's language, from Python and as the `said` template filter."""

from __future__ import annotations

from datetime import date

import pytest

from bot.views import i18n
from bot.views.phrases import said
from bot.views.rendering import Renderer
from conversations.texts import NP_, InputError, Phrase, PolicyText, Shown

CATALOGUE = {
    "%(count)s digit": "%(count)s цифра",
    "%(count)s digits": "%(count)s цифры",
    "Charged on %(day)s: %(why)s": "Списано %(day)s: %(why)s",
    "Too late. Ask again.": "Поздно. Спросите снова.",
    "Within {days} days.": "В течение {days} дней.",
    "Broken %(value)s.": "Сломано %(valeur)s.",
}


@pytest.fixture
def russian(monkeypatch: pytest.MonkeyPatch) -> None:
    """A catalogue of our own, so the test is about the mechanism, not the translations."""
    monkeypatch.setattr(i18n, "gettext", lambda text: CATALOGUE.get(text, text))
    monkeypatch.setattr(
        i18n, "ngettext", lambda one, many, n: CATALOGUE.get(one if n == 1 else many, many)
    )


def test_english_is_the_domains_text() -> None:
    phrase = Phrase("Charged on %(day)s: %(why)s", day=Shown("3 Nov", date(2026, 11, 3)), why="x")
    assert said(phrase) == phrase == "Charged on 3 Nov: x"
    assert said(InputError("Too late. Ask again.")) == "Too late. Ask again."
    assert said("plain text") == "plain text" and said(7) == "7"


@pytest.mark.usefixtures("russian")
def test_every_kind_of_domain_text_goes_through_the_catalogue() -> None:
    with i18n.speaking("ru"):
        error = InputError(*NP_("%(count)s digit", "%(count)s digits"), count=3)
        assert said(error) == "3 цифры"
        assert said(PolicyText("Within {days} days.", {"days": 15})) == "В течение 15 дней."
        why = InputError("Too late. Ask again.").phrase.first_sentence_only()
        nested = Phrase("Charged on %(day)s: %(why)s", day=Shown("?", date(2026, 11, 3)), why=why)
        assert said(nested) == f"Списано {said(nested.params['day'])}: Поздно."
        # A translation that broke a placeholder: the English text, not a crash.
        assert said(Phrase("Broken %(value)s.", value=1)) == "Broken 1."


@pytest.mark.usefixtures("russian")
def test_templates_use_the_same_function() -> None:
    environment = Renderer().chat
    template = environment.from_string("{{ text|said }}")
    with i18n.speaking("ru"):
        assert template.render(text=InputError("Too late. Ask again.")) == (
            "Поздно. Спросите снова."
        )

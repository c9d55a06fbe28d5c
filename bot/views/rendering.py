"""Templates and formatting: the bot's chat messages (Telegram HTML) and the
messages advertisers send to TikTok (plain text).

Two jinja2 environments, both with StrictUndefined so a missing value fails
loudly in tests instead of printing nothing: `chat` escapes everything it
inserts (user text is data, never markup), `support` writes plain text.

Both carry jinja2's i18n extension with "new style" gettext bound to `bot.views.i18n`: a
template's texts, and the money and dates it formats, come out in the language that
`bot.views.i18n.speaking` set for the render. One environment serves every language, so the
compiled templates are shared and a render costs a dictionary look-up per text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from bot.resources import data_dir
from bot.views import i18n
from bot.views.formats import (
    long_date,
    moment,
    money,
    number,
    short_date,
    weekday_date,
)
from bot.views.phrases import said
from conversations.answers import Charge
from conversations.currencies import example_amount
from conversations.regions import region_name

TEMPLATES_DIR = data_dir("templates")


def _gettext_callables(autoescape: bool) -> dict[str, Callable[..., str]]:
    """`_`, `gettext` and `ngettext` for the templates, doing what jinja2's "new style"
    ones do (the text translated, marked safe when the environment escapes, then always
    %-formatted with the keyword arguments, which are escaped) in one call instead of
    three: jinja2's `_` looks up `gettext` in the context and calls it through the
    context, which calls `bot.views.i18n.gettext` through the context again. The environments
    never change autoescaping inside a template ({% autoescape %}), so it is fixed here.
    A render of a question calls `_` four times."""
    wrap: Callable[[str], str] = Markup if autoescape else str

    def gettext(string: str, /, **variables: Any) -> str:
        return wrap(i18n.gettext(string)) % variables

    def ngettext(singular: str, plural: str, num: int, /, **variables: Any) -> str:
        variables.setdefault("num", num)
        return wrap(i18n.ngettext(singular, plural, num)) % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        undefined=StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # Templates change with a deploy, not while running: no file check per render.
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    # {% trans %} blocks without the template's line breaks and indentation in the msgid.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.globals.update(_gettext_callables(autoescape))
    env.filters["money"] = lambda amount, currency: money(amount, currency)
    env.filters["example_in"] = lambda usual, currency: example_amount(currency, usual)
    env.filters["long_date"] = long_date
    env.filters["short_date"] = short_date
    env.filters["weekday_date"] = weekday_date
    env.filters["number"] = number
    env.filters["moment"] = moment
    env.filters["said"] = said
    # A country code as its name in the current language ("JP" → "Japón" in Spanish).
    env.filters["region"] = lambda code: region_name(code, i18n.current())
    env.filters["totals"] = totals
    return env


def totals(charges: Iterable[Charge]) -> list[str]:
    """What several charges come to, one amount per currency (in the order first seen),
    each as `money` writes it."""
    sums: dict[str, Decimal] = {}
    for charge in charges:
        sums[charge.currency] = sums.get(charge.currency, Decimal(0)) + charge.amount
    return [money(amount, currency) for currency, amount in sums.items()]


@dataclass(frozen=True)
class SupportMessage:
    """A message for the advertiser to send: subject line and body, plain text."""

    subject: str
    body: str
    # "Subject" in the message's language (the template's first line says `Subject: `
    # whatever the language: it only marks where the subject is).
    subject_word: str = "Subject"
    language: str = i18n.DEFAULT_LANGUAGE

    def as_text(self) -> str:
        return f"{self.subject_word}: {self.subject}\n\n{self.body}"


class Renderer:
    """Renders every template the bot uses."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self.chat = _environment(autoescape=True)
        self.support = _environment(autoescape=False)
        if templates_dir != TEMPLATES_DIR:
            loader = FileSystemLoader(templates_dir)
            self.chat.loader = loader
            self.support.loader = loader

    def chat_text(self, name: str, /, **context: Any) -> str:
        """Render `chat/<name>.html.j2` to Telegram HTML."""
        return self.chat.get_template(f"chat/{name}.html.j2").render(**context).strip()

    def support_message(
        self, name: str, /, folder: str = "support", **context: Any
    ) -> SupportMessage:
        """Render `<folder>/<name>.txt.j2`; its first line is `Subject: …`."""
        text = self.support.get_template(f"{folder}/{name}.txt.j2").render(**context)
        first, _sep, body = text.strip().partition("\n")
        if not first.startswith("Subject: "):
            raise ValueError(f"support/{name}.txt.j2 must start with 'Subject: '")
        return SupportMessage(
            subject=first.removeprefix("Subject: ").strip(),
            body=_tidy(body),
            # Translators: the first word of a message to TikTok support, before its subject.
            subject_word=i18n.gettext("Subject"),
            language=i18n.current(),
        )


def _tidy(body: str) -> str:
    """Collapse the blank lines that optional template sections leave behind."""
    lines = [line.rstrip() for line in body.strip("\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"

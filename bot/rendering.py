"""Templates and formatting: the bot's chat messages (Telegram HTML) and the
messages advertisers send to TikTok (plain text).

Two jinja2 environments, both with StrictUndefined so a missing value fails
loudly in tests instead of printing nothing: `chat` escapes everything it
inserts (user text is data, never markup), `support` writes plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, get_currency_precision
from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
LOCALE = "en"


def money(amount: str | Decimal | None, currency: str | None) -> str:
    """`189.90 USD`: the amount with its currency's usual decimals and the ISO code."""
    if amount is None or currency is None:
        return "—"
    digits = get_currency_precision(currency)
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "\xa0¤¤"
    return str(
        format_currency(
            Decimal(amount), currency, format=pattern, locale=LOCALE, currency_digits=False
        )
    ).replace("\xa0", " ")


def long_date(value: str | date | None) -> str:
    """`9 November 2026`."""
    if value is None:
        return "—"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return str(format_date(day, "d MMMM y", locale=LOCALE))


def short_date(value: str | date | datetime | None) -> str:
    """`9 Nov 2026`."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.date()
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return str(format_date(day, "d MMM y", locale=LOCALE))


def weekday_date(value: str | date) -> str:
    """`Mon 17 Nov`."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return str(format_date(day, "EEE d MMM", locale=LOCALE))


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
    )
    env.filters["money"] = lambda amount, currency: money(amount, currency)
    env.filters["long_date"] = long_date
    env.filters["short_date"] = short_date
    env.filters["weekday_date"] = weekday_date
    return env


@dataclass(frozen=True)
class SupportMessage:
    """A message for the advertiser to send: subject line and body, plain text."""

    subject: str
    body: str

    def as_text(self) -> str:
        return f"Subject: {self.subject}\n\n{self.body}"


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
        first, _, body = text.strip().partition("\n")
        if not first.startswith("Subject: "):
            raise ValueError(f"support/{name}.txt.j2 must start with 'Subject: '")
        return SupportMessage(subject=first.removeprefix("Subject: ").strip(), body=_tidy(body))


def _tidy(body: str) -> str:
    """Collapse the blank lines that optional template sections leave behind."""
    lines = [line.rstrip() for line in body.strip("\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"

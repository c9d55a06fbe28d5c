"""The verdict texts of the policy data, in the reader's language.

The domain words a verdict in English, with the policy's numbers already filled in. The
catalogue is keyed by the texts as written in `conversations/policy.toml` (placeholders
and all), so this maps each filled-in English text back to its key once, at start-up,
and fills the translation in with the same numbers (the charge's age for the charge-age
warnings, read back from the English text).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

from bot.views.i18n import DEFAULT_LANGUAGE, current, gettext
from bot.views.i18n_extract import policy_texts
from conversations.facts import Verdict
from conversations.policy import DEFAULT_POLICY_PATH, Policy

_DAYS = "\x00"


class PolicyTexts:
    """Translates the texts of verdicts given by one policy."""

    def __init__(self, policy: Policy, path: Path = DEFAULT_POLICY_PATH) -> None:
        self.policy = policy
        self.placeholders = policy.timing.placeholders()
        self.keys: dict[str, str] = {}
        self.aged: list[tuple[re.Pattern[str], str]] = []
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for key, _where in policy_texts(data):
            try:
                if "{days}" in key:
                    filled = key.format_map({**self.placeholders, "days": _DAYS})
                    pattern = re.escape(filled).replace(re.escape(_DAYS), r"(?P<days>\d+)")
                    self.aged.append((re.compile(pattern), key))
                else:
                    self.keys[key.format_map(self.placeholders)] = key
            except (KeyError, IndexError, ValueError):
                continue  # the policy loader reports broken placeholders at start-up

    def text(self, english: str) -> str:
        """`english` (a verdict text as the domain gave it) in the current language."""
        if current() == DEFAULT_LANGUAGE or not english:
            return english
        values: dict[str, object] = dict(self.placeholders)
        key = self.keys.get(english)
        if key is None:
            for pattern, aged_key in self.aged:
                match = pattern.fullmatch(english)
                if match is not None:
                    key, values["days"] = aged_key, int(match["days"])
                    break
        if key is None:
            return english
        try:
            return gettext(key).format_map(values)
        except (KeyError, IndexError, ValueError):
            # A translation that broke a placeholder: the English text says it correctly.
            return english

    def pages(self, verdict: Verdict) -> list[tuple[str, str | None]]:
        """The verdict's sources as an advertiser reads them: each page's name in the
        current language (TikTok's help centre is translated too), and its link if any."""
        shown = []
        for key in verdict.sources:
            title, link = self.policy.page(key)
            shown.append((self.text(title), link))
        return shown

    def verdict(self, verdict: Verdict) -> Verdict:
        """The verdict with its texts in the current language."""
        if current() == DEFAULT_LANGUAGE:
            return verdict
        return dataclasses.replace(
            verdict,
            title=self.text(verdict.title),
            reasons=tuple(self.text(line) for line in verdict.reasons),
            where=self.text(verdict.where),
            instead=self.text(verdict.instead) if verdict.instead else verdict.instead,
            warnings=tuple(self.text(line) for line in verdict.warnings),
            regional_notes=tuple(self.text(line) for line in verdict.regional_notes),
        )

"""The verdict texts of the policy data, in the reader's language.

The domain words a verdict in English, with the policy's numbers already filled in; each
text is a `PolicyText` that also carries the text as written in the policy (the
catalogue's key) and the numbers filled into it, so the translation is looked up by that
and filled in with the same numbers (`bot.views.phrases.policy_text`). Texts that are no
`PolicyText` (a source without a title, shown by its key) are shown as they are.
"""

from __future__ import annotations

import dataclasses

from bot.views.i18n import DEFAULT_LANGUAGE, current
from bot.views.phrases import policy_text
from conversations.errors import PolicyText
from conversations.facts import Verdict
from conversations.policy import Policy


class PolicyTexts:
    """Translates the texts of verdicts given by one policy."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def text(self, english: str) -> str:
        """`english` (a verdict text as the domain gave it) in the current language."""
        if isinstance(english, PolicyText):
            return policy_text(english)
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

"""The verdict texts of the policy data, in the reader's language.

The domain words a verdict in English, with the policy's numbers already filled in; each
text is a `PolicyText` (a `Phrase`) that also carries the text as written in the policy (the
catalogue's key) and the numbers filled into it, so `bot.views.phrases.said` shows it
translated with the same numbers. Texts that are no `PolicyText` (a source without a title,
shown by its key) are shown as they are.
"""

from __future__ import annotations

import dataclasses

from bot.views.i18n import DEFAULT_LANGUAGE, current
from bot.views.phrases import said
from conversations.facts import Verdict
from conversations.policy import Policy


class PolicyTexts:
    """Shows the verdicts given by one policy (its source pages' names) translated."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def pages(self, verdict: Verdict) -> list[tuple[str, str | None]]:
        """The verdict's sources as an advertiser reads them: each page's name in the
        current language (TikTok's help centre is translated too), and its link if any."""
        shown = []
        for key in verdict.sources:
            title, link = self.policy.page(key)
            shown.append((said(title), link))
        return shown

    def verdict(self, verdict: Verdict) -> Verdict:
        """The verdict with its texts in the current language."""
        if current() == DEFAULT_LANGUAGE:
            return verdict
        return dataclasses.replace(
            verdict,
            title=said(verdict.title),
            reasons=tuple(said(line) for line in verdict.reasons),
            where=said(verdict.where),
            instead=said(verdict.instead) if verdict.instead else verdict.instead,
            warnings=tuple(said(line) for line in verdict.warnings),
            regional_notes=tuple(said(line) for line in verdict.regional_notes),
        )

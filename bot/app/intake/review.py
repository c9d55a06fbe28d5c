"""The review: the answers judged, the draft case kept, and the verdict and the message to
TikTok shown; the signature asked under it once.

Keeping the draft (`draft`) is a step of its own: it writes the case, its evidence and the
intake row; the screens are built after it (bot/views/review_screens.py) and write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.app.imports import case_charges, cases_about
from bot.app.intake.common import (
    MAX_INPUT_CHARS,
    IntakeContext,
    asking,
    bump,
    fold,
    imported_charge,
    team_of,
    typed,
)
from bot.db.records import CaseRecord, IntakeRow
from bot.views import i18n, labels, review_screens
from bot.views.phrases import said
from bot.views.rendering import SupportMessage
from bot.views.replies import Reply, Who
from conversations.answers import IntakeAnswers
from conversations.eligibility import assess
from conversations.facts import Reason, Verdict
from conversations.findings import others_near_pair, raised_promptly
from conversations.intake import Intake
from conversations.signatures import parse_signature
from conversations.texts import InputError


@dataclass(frozen=True)
class Drafted:
    """What judging the answers gave: the verdict, and the message to send (if any)."""

    verdict: Verdict
    message: SupportMessage | None


class Review:
    """The review screen of an intake and the drafted case behind it."""

    def __init__(self, ctx: IntakeContext) -> None:
        self.ctx = ctx

    def show(self, row: IntakeRow, who: Who) -> list[Reply]:
        """Judge the answers, keep the draft case, and show the verdict and the message —
        after a word when another case is already about the same charge."""
        # Showing the message again ends a "sign it" question left open.
        row.intake.signing = False
        drafted = self.draft(row, who)
        replies = self._screens(row, who, drafted)
        earlier = cases_about(
            self.ctx.store, team_of(row, who), case_charges(row.intake.answers), besides=row.case_id
        )
        if earlier:
            replies.insert(0, already_a_case(earlier[-1]))
        return self.with_card(row, who, replies)

    def draft(self, row: IntakeRow, who: Who) -> Drafted:
        """Judge the answers and keep them as the draft case (with its evidence), and the
        intake row that now names the case."""
        intake = row.intake
        store = self.ctx.store
        verdict = self.verdict(intake, who)
        message = self.support_message(intake, verdict, who)
        row.case_id = store.save_draft_case(
            case_id=row.case_id,
            team_id=team_of(row, who),
            owner_user_id=who.user_id,
            answers=intake.answers,
            outcome=verdict.outcome,
            situation=verdict.situation,
            policy_version=verdict.policy_version,
            subject=message.subject if message else None,
            message=message.as_text() if message else None,
            message_language=intake.message_language,
            saved_accounts_offered=intake.saved_accounts_offered,
            now=self.ctx.clock(),
        )
        store.save_evidence(row.case_id, who.user_id, intake.answers.get("evidence") or [])
        self.ctx.save(row, who)
        return Drafted(verdict, message)

    def _screens(self, row: IntakeRow, who: Who, drafted: Drafted) -> list[Reply]:
        """The verdict, then the message with its buttons (or the way to close the case)."""
        intake = row.intake
        texts = self.ctx.policy_texts
        shown = texts.verdict(drafted.verdict)
        renderer = self.ctx.renderer
        verdict_reply = review_screens.verdict(
            renderer,
            shown,
            IntakeAnswers.of(intake.answers),
            reason_label=reason_label(intake),
            pages=texts.pages(drafted.verdict),
            # The last step of the path the questions counted (none for a reopened case).
            progress=intake.progress() if intake.history else None,
        )
        at = asking(row)
        if drafted.message is None:
            return [verdict_reply, review_screens.no_message(renderer, at, shown, row.case_id)]
        unsigned = self.ctx.store.signature(who.user_id) is None
        message = review_screens.message(
            renderer, at, drafted.message, shown, row.case_id, ask_signature=unsigned
        )
        return [verdict_reply, message]

    def with_card(self, row: IntakeRow, who: Who, replies: list[Reply]) -> list[Reply]:
        """A team case answered in private also updates its card in the team's group."""
        team = team_of(row, who)
        if team != who.chat_id and row.case_id is not None:
            case = self.ctx.store.get_case(team, row.case_id)
            if case is not None:
                replies.append(self.ctx.followup.card(case))
        return replies

    def verdict(self, intake: Intake, who: Who | None = None) -> Verdict:
        return assess(
            intake.facts(),
            self.ctx.policy,
            self.ctx.today(who),
            others_nearby=self._others_nearby(intake),
        )

    def _others_nearby(self, intake: Intake) -> int | None:
        """For a duplicate pair picked or typed on an account with imported charges: how
        many other successful charges of the same amount lie near it (a threshold series);
        None when there is nothing imported to compare with."""
        a = intake.answers
        ref = a.get("account_ref")
        if intake.reason is not Reason.DUPLICATE or not a.get("charge_date") or not ref:
            return None
        store = self.ctx.store
        if not store.has_transactions(int(ref)):
            return None
        month = str(a["charge_date"])[:7]
        rows, _total = store.list_transactions(int(ref), month=month, offset=0, limit=500)
        return others_near_pair(intake.facts(), [imported_charge(r) for r in rows], self.ctx.policy)

    def support_message(
        self, intake: Intake, verdict: Verdict, who: Who | None = None
    ) -> SupportMessage | None:
        if verdict.template is None:
            return None
        # Written in English (what TikTok support reads everywhere) unless the user asked
        # for it in their own language.
        with i18n.speaking(intake.message_language or i18n.DEFAULT_LANGUAGE):
            return self.ctx.renderer.support_message(
                verdict.template, **self.message_context(intake, verdict, who)
            )

    def message_context(
        self, intake: Intake, verdict: Verdict, who: Who | None = None
    ) -> dict[str, Any]:
        """What a support message's template is given."""
        return {
            "a": IntakeAnswers.of(intake.answers),
            "verdict": verdict,
            "today": self.ctx.today(who).isoformat(),
            "reason": intake.reason,
            "billing_words": labels.BILLING_WORDS,
            "reason_label": labels.REASONS.get(str(intake.reason), ""),
            "reason_phrase": labels.REASON_PHRASES.get(str(intake.reason), ""),
            "evidence_words": dict(labels.checklist(str(intake.reason))),
            # Who signs it: the person writing it, once they gave a signature ("" = declined).
            "signature": (self.ctx.store.signature(who.user_id) or None) if who else None,
            # "We noticed this on … and are raising it promptly" only when it is true.
            "raised_promptly": raised_promptly(
                date.fromisoformat(intake.answers["noticed"])
                if intake.answers.get("noticed")
                else None,
                self.ctx.today(who),
                self.ctx.policy,
            ),
        }

    def message_file(self, row: IntakeRow, who: Who) -> Reply:
        """ "Copy as file": the message as a .txt file."""
        verdict = self.verdict(row.intake, who)
        message = self.support_message(row.intake, verdict, who)
        if message is None:
            return self.ctx.reply("no_message_file")
        return Reply(text="", document=review_screens.message_file(row.case_id, message))

    def signature_question(self, row: IntakeRow, who: Who, error: str | None = None) -> Reply:
        return review_screens.signature_question(
            self.ctx.renderer, asking(row), in_group=who.in_group, error=error
        )

    def signature_typed(self, row: IntakeRow, who: Who, text: str) -> list[Reply]:
        """Keep the typed signature (checked like every answer) and write the message again."""
        store = self.ctx.store
        word = fold(text)
        if word in typed("back") | typed("cancel"):
            return self.show(row, who)
        if word in typed("skip"):
            store.set_signature(who.user_id, "", self.ctx.clock())
            return self.show(row, who)
        try:
            if len(text) > MAX_INPUT_CHARS:
                raise InputError("That's too long for a signature — a name and an email will do.")
            signature = parse_signature(text)
        except InputError as error:
            return [self.signature_question(row, who, error=said(error))]
        store.set_signature(who.user_id, signature, self.ctx.clock())
        bump(row)
        signed = self.ctx.reply("signature_saved", signature=signature)
        return [signed, *self.show(row, who)]


def already_a_case(case: CaseRecord) -> Reply:
    """A word that this charge already has a case, with a way to open it."""
    return review_screens.already_a_case(case.id, str(case.token))


def reason_label(intake: Intake) -> str:
    return labels.REASONS.get(str(intake.reason), "") if intake.reason else ""

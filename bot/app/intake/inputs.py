"""What a user sends an intake: /start and its deep links, /new, /cancel, typed answers,
files, and messages the bot can't read."""

from __future__ import annotations

from datetime import timedelta

from bot.app.intake.common import (
    MAX_INPUT_CHARS,
    IntakeContext,
    asking,
    bump,
    fold,
    team_of,
    typed,
)
from bot.app.intake.questions import Questions
from bot.app.intake.review import Review
from bot.db.records import IntakeRow
from bot.views import i18n, intake_screens, labels
from bot.views.i18n import _
from bot.views.intake_screens import PICKABLE
from bot.views.phrases import said
from bot.views.replies import Reply, Who
from conversations.intake import CHOICES_WITH_TYPING, SPECS, Kind, Note, Step, attached
from conversations.texts import InputError

# How long a group's "answer in private" link stays usable.
LINK_LIFETIME = timedelta(days=2)


class IntakeInputs:
    """Commands, typed answers and files, applied to the intake being answered."""

    def __init__(self, ctx: IntakeContext, questions: Questions, review: Review) -> None:
        self.ctx = ctx
        self.questions = questions
        self.review = review

    def start(self, who: Who, payload: str = "") -> list[Reply]:
        """Greet and explain what the bot does; a deep link from a group starts its case."""
        store = self.ctx.store
        # Someone who blocked the bot and comes back gets their reminders again.
        store.unblock_chat(who.chat_id)
        if who.in_group:
            store.ensure_team(who.chat_id, who.chat_kind, who.chat_title)
            return [self.ctx.reply("group_start")]
        if payload:
            return self._start_from_link(who, payload)
        return [intake_screens.welcome(self.ctx.renderer)]

    def _start_from_link(self, who: Who, payload: str) -> list[Reply]:
        store = self.ctx.store
        team_id, refusal = store.use_link(payload[:64], who.user_id, LINK_LIFETIME)
        if team_id is None:
            return [self.ctx.reply("link_refused", why=refusal)]
        replies: list[Reply] = []
        row = store.load_intake(who.chat_id, who.user_id)
        if row is not None and not row.intake.finished:
            # One intake per chat at a time: the earlier one is cancelled, and said so.
            replies += self.questions.cancel(row, who)
        replies.append(self.ctx.reply("team_intake", title=store.team_title(team_id)))
        return replies + self.questions.begin(who, team_id=team_id)

    def new(self, who: Who, bot_username: str = "") -> list[Reply]:
        """Start an intake, or offer to continue the one in progress. In a group, the
        questions move to a private chat through a deep link, unless the team answers in
        the group."""
        store = self.ctx.store
        store.unblock_chat(who.chat_id)
        if who.in_group:
            store.ensure_team(who.chat_id, who.chat_kind, who.chat_title)
            if not store.team_flags(who.chat_id)["answer_in_group"]:
                token = store.create_link(who.chat_id, who.user_id)
                url = f"https://t.me/{bot_username}?start={token}"
                return [intake_screens.answer_in_private(self.ctx.renderer, who.first_name, url)]
        row = self.ctx.load_once(who)
        # Only questions being answered count as "in progress": a case at its verdict (a
        # draft, a "not refundable", a blocked one) stays as it is, reachable from /cases.
        if row is not None and row.intake.asking:
            return [intake_screens.in_progress(self.ctx.renderer, asking(row), row.intake)]
        return self.questions.begin(who)

    def cancel(self, who: Who) -> list[Reply]:
        """End the intake politely; a drafted case is marked cancelled."""
        row = self.ctx.load_once(who)
        if row is None or row.intake.finished:
            return [self.ctx.reply("nothing_to_cancel")]
        return self.questions.cancel_by_user(row, who)

    def accepts_export(self, who: Who) -> bool:
        """Whether a billing export sent now is an import (not evidence): no intake is
        running, or it is at a "which charge?" question."""
        row = self.ctx.store.load_intake(who.chat_id, who.user_id)
        return row is None or row.intake.finished or row.intake.step in PICKABLE

    def on_text(self, who: Who, text: str) -> list[Reply]:
        """Take typed text as the answer to the current question."""
        row = self.ctx.load_once(who)
        if row is not None and row.intake.step is Step.REVIEW and row.intake.signing:
            # "Sign it" was tapped under the message: this is the signature.
            return self.review.signature_typed(row, who, text)
        if row is None or not row.intake.asking:
            # Past the questions (or none): a case's "Ticket number" waits for this first.
            adding = self.ctx.followup.on_case_text(who, text)
            if adding is not None:
                return adding
        if row is None or row.intake.finished:
            # In a group, replies to the bot from someone without a case are chatter.
            return [] if who.in_group else [self.ctx.reply("idle")]
        ask = self.questions.ask
        if len(text) > MAX_INPUT_CHARS:
            too_long = _(
                "That's %(count)s characters — too long for me. Please send something shorter."
            ) % {"count": f"{len(text):,}"}
            return [ask(row, who, error=too_long)]
        intake = row.intake
        try:
            with attached(intake):
                step = intake.step
                handled = self._command(row, who, text)
                if handled is not None:
                    return handled
                today = self.ctx.today(who, team_of(row, who))
                notes = intake.submit_text(text, today, locale=i18n.current())
        except InputError as error:
            return [ask(row, who, error=said(error))]
        return self.questions.after_change(row, who, notes, previous=step)

    def _command(self, row: IntakeRow, who: Who, text: str) -> list[Reply] | None:
        """Typed text that taps a button (its label) or says a command word (cancel, back,
        skip, done); None for an answer to the question."""
        intake = row.intake
        questions = self.questions
        step = intake.step
        spec = SPECS[step]
        if spec.kind in (Kind.CHOICE, Kind.MENU) and step not in CHOICES_WITH_TYPING:
            value = questions.match_label(row, text)
            if value is None:
                return [questions.ask(row, who, error=_("Please tap one of the buttons below."))]
            return questions.choose(row, who, value)
        if intake.pending is not None:
            value = questions.match_label(row, text)
            if value is not None:
                return questions.choose(row, who, value)
        word = fold(text)
        if word in typed("cancel"):
            return questions.cancel(row, who)
        if word in typed("back"):
            if intake.back():
                bump(row)
            return questions.save_and_ask(row, who)
        if step is Step.EVIDENCE and word in typed("done") | typed("skip"):
            intake.evidence_done()
            return questions.after_change(row, who, [], previous=step)
        if spec.optional and word in typed("skip"):
            intake.skip()
            return questions.after_change(row, who, [], previous=step)
        return None

    def on_unreadable(self, who: Who) -> list[Reply]:
        """A sticker, voice note, location…: said so, and the question asked again (nothing
        changes)."""
        note = _(
            "I can't read that kind of message — please type your answer, or send a photo or file."
        )
        row = self.ctx.store.load_intake(who.chat_id, who.user_id)
        if row is None or row.intake.finished:
            return [self.ctx.reply("idle", note=note)]
        return [self.questions.ask(row, who, error=note)]

    def on_file(
        self, who: Who, file_id: str, kind: str, caption: str | None, name: str | None
    ) -> list[Reply]:
        """Keep a photo or document as evidence for the case in progress."""
        row = self.ctx.load_once(who)
        if row is None or not row.intake.asking:
            adding = self.ctx.followup.on_case_file(who, file_id, kind, caption, name)
            if adding is not None:
                return adding
        if row is None or row.intake.finished:
            return [self.ctx.reply("file_without_case")]
        intake = row.intake
        warn_card = False
        try:
            count, warn_card = intake.add_evidence(file_id, kind, caption, name)
        except InputError as error:
            return [self.questions.ask(row, who, error=said(error))]
        store = self.ctx.store
        store.save_intake(who.chat_id, who.user_id, row)
        if row.case_id is not None:
            store.save_evidence(row.case_id, who.user_id, intake.answers["evidence"])
        notes = [Note("card_in_file")] if warn_card else []
        if intake.step is Step.EVIDENCE and len(labels.checklist(str(intake.reason))) > 0:
            # Which item of the checklist is it? One tap; the checklist then shows it ticked.
            return [
                intake_screens.evidence_which(
                    self.ctx.renderer, asking(row), str(intake.reason), count, notes
                )
            ]
        if intake.step is Step.EVIDENCE:
            return [self.questions.ask(row, who, notes=notes)]
        return [
            self.ctx.reply(
                "file_kept",
                count=count,
                card_warning=warn_card,
                at_review=intake.step is Step.REVIEW,
            )
        ]

"""Moving through the intake's questions: begin, ask, take an answer's consequences (the
account kept, the review, the end), cancel. The inputs (bot/app/intake/inputs.py) and the
buttons (bot/app/intake/buttons.py) change the intake; this decides what comes next."""

from __future__ import annotations

from bot.app.intake.common import IntakeContext, asking, bump, fold, new_row, team_of
from bot.app.intake.review import Review
from bot.db.records import IntakeRow
from bot.views import intake_screens, labels
from bot.views.intake_screens import PICKABLE, when_label
from bot.views.replies import Reply, Who
from conversations.answers import IntakeAnswers
from conversations.cases import CaseStatus
from conversations.inputs import whole_number
from conversations.intake import ACCOUNT_STEPS, Note, Step, attached

# Imported charges shown a page at a time.
PAGE = 5


class Questions:
    """The intake's path: which question is asked now, and what an answer leads to."""

    def __init__(self, ctx: IntakeContext, review: Review) -> None:
        self.ctx = ctx
        self.review = review

    def begin(self, who: Who, team_id: int | None = None) -> list[Reply]:
        store = self.ctx.store
        store.ensure_team(who.chat_id, who.chat_kind, who.chat_title)
        # A case's "Ticket number" left unanswered must not take this intake's answers.
        store.clear_case_input(who.chat_id, who.user_id)
        row = new_row(who, team_id)
        # What went wrong comes first; the account after it (only what that reason needs).
        # Whether there are accounts to pick from tells how many questions lie ahead.
        if store.list_accounts(team_of(row, who)):
            row.intake.saved_accounts_offered = True
        return self.save_and_ask(row, who)

    def cancel(self, row: IntakeRow, who: Who) -> list[Reply]:
        """End the questions; a drafted case is marked cancelled (a sent one stays followed)."""
        with attached(row.intake):
            row.intake.abandon()
        sent = False
        store = self.ctx.store
        if row.case_id is not None:
            # A case already sent to TikTok stays followed: cancelling only ends the questions.
            sent = store.load_track(row.case_id).status is not CaseStatus.DRAFTED
            if not sent:
                store.set_case_status(row.case_id, who.user_id, "cancelled", self.ctx.clock())
        self.ctx.save(row, who)
        if sent:
            # Only the ticket question ends: the reminder still comes, so it is still said.
            return [
                self.ctx.reply(
                    "done",
                    case_id=row.case_id,
                    ticket=None,
                    due=row.intake.answers.get("reply_due_on"),
                    days=self.ctx.followup.schedule(team_of(row, who)).reply_wait,
                )
            ]
        cancelled = intake_screens.cancelled(self.ctx.renderer)
        return self.review.with_card(row, who, [cancelled])

    def cancel_by_user(self, row: IntakeRow, who: Who) -> list[Reply]:
        """The user stopped the questions: an export that waited for the account being
        added is dropped too (it isn't read later, when some other account is added)."""
        if row.intake.only_account:
            self.ctx.imports.drop_waiting_for_account(who)
        return self.cancel(row, who)

    def choose(self, row: IntakeRow, who: Who, value: str) -> list[Reply]:
        """One of the question's choices, tapped or typed."""
        step = row.intake.step
        notes = row.intake.choose(value, self.ctx.today(who, team_of(row, who)))
        return self.after_change(row, who, notes, previous=step)

    def after_change(
        self, row: IntakeRow, who: Who, notes: list[Note], previous: Step
    ) -> list[Reply]:
        """What follows an answer: the account kept when its questions end, then the next
        question, the review, or the end."""
        intake = row.intake
        if (
            previous in ACCOUNT_STEPS
            and intake.step not in ACCOUNT_STEPS
            and "advertiser_id" in intake.answers
        ):
            # Leaving the account questions: keep the account for next time with what is
            # known of it (an upsert, so going back and changing an answer updates it, and a
            # fact asked for a later reason is added to it).
            intake.answers["account_ref"] = self.ctx.store.save_account(
                team_of(row, who), intake.answers
            )
            if intake.only_account:
                self.ctx.save(row, who)
                saved = self.ctx.reply("account_saved", answers=IntakeAnswers.of(intake.answers))
                # An export that waited for this account is read now.
                saved.resume_import = self.ctx.imports.account_saved(
                    who, int(intake.answers["account_ref"])
                )
                return [saved]
        if intake.step is Step.ACCOUNT and not intake.saved_accounts_offered:
            # No account to pick from: straight to the new account's questions.
            intake.begin_new_account(from_menu=False)
        if intake.step is Step.DONE:
            return self.finish(row, who)
        if intake.step is Step.REVIEW:
            bump(row)
            replies = self.review.show(row, who)
            if notes:
                replies.insert(0, self.ctx.reply("notes", notes=notes))
            return replies
        if intake.step is not previous or intake.pending is not None:
            bump(row)
        return self.save_and_ask(row, who, notes=notes)

    def finish(self, row: IntakeRow, who: Who) -> list[Reply]:
        """The last question answered: the ticket kept, and what happens next said."""
        ticket = row.intake.answers.get("ticket")
        if row.case_id is not None and ticket:
            self.ctx.store.set_case_ticket(row.case_id, who.user_id, ticket, self.ctx.clock())
        self.ctx.save(row, who)
        done = self.ctx.reply(
            "done",
            case_id=row.case_id,
            ticket=ticket,
            due=row.intake.answers.get("reply_due_on"),
            days=self.ctx.followup.schedule(team_of(row, who)).reply_wait,
        )
        return self.review.with_card(row, who, [done])

    def save_and_ask(
        self, row: IntakeRow, who: Who, notes: list[Note] | None = None
    ) -> list[Reply]:
        self.ctx.save(row, who)
        return [self.ask(row, who, notes=notes or [])]

    def ask(
        self,
        row: IntakeRow,
        who: Who,
        error: str | None = None,
        notes: list[Note] | None = None,
    ) -> Reply:
        """The current question (again), with its buttons."""
        intake = row.intake
        step = intake.step
        if step is Step.REVIEW:
            # Asked again (an expired button, "continue", typing): show the review screen.
            return intake_screens.with_error(self.review.show(row, who)[-1], error)
        store = self.ctx.store
        accounts = store.list_accounts(team_of(row, who)) if step is Step.ACCOUNT else []
        ref = intake.answers.get("account_ref")
        can_pick = bool(
            step in PICKABLE and intake.pending is None and ref and store.has_transactions(int(ref))
        )
        return intake_screens.question(
            self.ctx.renderer,
            asking(row),
            intake,
            who,
            accounts=accounts,
            can_pick=can_pick,
            error=error,
            notes=notes,
        )

    def charge_list(self, row: IntakeRow, value: str) -> Reply:
        """The account's charges, newest first, a page at a time, by month or amount."""
        page_text, month, amount = [*value.split(":"), "", ""][:3]
        page = whole_number(page_text, most_digits=6) or 0
        account_id = int(row.intake.answers["account_ref"])
        store = self.ctx.store
        # Failed payments took no money: never offered as a charge to dispute.
        charges, total = store.list_transactions(
            account_id,
            month=month or None,
            offset=page * PAGE,
            limit=PAGE,
            amount=amount or None,
            charges_only=True,
        )
        months = store.transaction_months(account_id, charges_only=True)[:3]
        # The amounts charged most often (this month): one tap narrows the list.
        amounts = store.frequent_amounts(
            account_id, month=month or None, limit=3, charges_only=True
        )
        return intake_screens.charge_list(
            self.ctx.renderer,
            asking(row),
            charges,
            total=total,
            page=page,
            page_size=PAGE,
            month=month,
            amount=amount,
            months=months,
            amounts=amounts,
        )

    def match_label(self, row: IntakeRow, text: str) -> str | None:
        """A typed answer that names one of the offered buttons counts as tapping it."""
        wanted = fold(text)
        if not wanted:
            return None
        intake = row.intake
        if intake.pending is not None:
            for i, option in enumerate(intake.pending):
                if fold(when_label(option)) == wanted:
                    return str(i)
            return None
        for value, label in labels.CHOICES.get(intake.step, {}).items():
            if wanted in (fold(label), fold(value)):
                return value
        return None

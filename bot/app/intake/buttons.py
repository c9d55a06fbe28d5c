"""The intake's buttons (`i:<token>:<seq>:<action>[:<value>]`, see bot/views/callbacks.py),
and a drafted case's two that work on the intake ("Open the draft", "I've sent it").

A button counts only at the step it was shown at: one from an earlier step is refused.
"""

from __future__ import annotations

from bot.app.cases.access import NOT_ALLOWED
from bot.app.intake.common import IntakeContext, bump, charge_answers, team_of
from bot.app.intake.inputs import IntakeInputs
from bot.app.intake.questions import Questions
from bot.app.intake.review import Review
from bot.db.records import IntakeRow, new_token
from bot.views import callbacks, i18n
from bot.views.callbacks import Callback
from bot.views.callbacks import Kind as ButtonKind
from bot.views.case_actions import CaseAction
from bot.views.i18n import _
from bot.views.intake_screens import PICKABLE
from bot.views.phrases import said
from bot.views.replies import ButtonResult, Reply, Who
from conversations.cases import CaseStatus
from conversations.facts import ChargeStatus
from conversations.inputs import whole_number
from conversations.intake import Intake, Note, Step, attached
from conversations.texts import InputError

# The intake's buttons beside a typed question (Back, Cancel, Skip, "Pick from imported
# charges"): they move around the question rather than answer it.
AROUND_A_QUESTION = frozenset({"b", "x", "s", "L"})
# The review screen's buttons.
AT_THE_REVIEW = frozenset({"S", "C", "r", "W", "f", "G"})


def is_a_choice(button_data: list[str]) -> bool:
    """Whether a keyboard asks to choose (so the terminal may press a button by its number)
    rather than surrounds a typed question, where "2" is the answer ($2, the 2nd)."""
    pressed = [callbacks.decode(data) for data in button_data]
    around = [
        c
        for c in pressed
        if c is not None and c.kind is ButtonKind.INTAKE and c.action in AROUND_A_QUESTION
    ]
    return len(around) < len(button_data)


class IntakeButtons:
    """What each of the intake's buttons does."""

    def __init__(
        self, ctx: IntakeContext, questions: Questions, review: Review, inputs: IntakeInputs
    ) -> None:
        self.ctx = ctx
        self.questions = questions
        self.review = review
        self.inputs = inputs

    def on_button(self, who: Who, pressed: Callback) -> ButtonResult:
        """Apply a tapped button, if it belongs to the question being asked now."""
        if pressed == Callback(ButtonKind.NEW):
            return ButtonResult(None, self.inputs.new(who))
        row = self.ctx.load_once(who)
        if pressed.kind is not ButtonKind.INTAKE or row is None:
            return self.expired()
        if pressed.token != row.token or pressed.seq != row.seq or row.intake.finished:
            if row.intake.finished:
                return ButtonResult(_("This case is finished."), [self.ctx.reply("expired_idle")])
            return ButtonResult(
                _("That button is from an earlier step."),
                [self.questions.ask(row, who, notes=[Note("expired")])],
            )
        try:
            with attached(row.intake):
                return self.apply(row, who, pressed.action, pressed.value)
        except InputError as error:
            return ButtonResult(None, [self.questions.ask(row, who, error=said(error))])

    def expired(self) -> ButtonResult:
        """The answer to a button that is no longer (or never was) one of ours."""
        return ButtonResult(_("This menu has expired."), [self.ctx.reply("expired_idle")])

    def apply(self, row: IntakeRow, who: Who, action: str, value: str) -> ButtonResult:
        """One of the intake's buttons, pressed at the step it was shown at."""
        step = row.intake.step
        if action in AT_THE_REVIEW:
            result = self._at_the_review(row, who, action, value)
        else:
            result = self._at_a_question(row, who, action, value)
        if result is not None:
            return result
        replies = self.questions.after_change(row, who, [], previous=step)
        if action == "S":
            replies = self.review.with_card(row, who, replies)
        return ButtonResult(None, replies)

    def _at_a_question(
        self, row: IntakeRow, who: Who, action: str, value: str
    ) -> ButtonResult | None:
        """A question's buttons; None when the intake moved and the next screen follows."""
        intake = row.intake
        step = intake.step
        questions = self.questions
        if action == "c":
            return ButtonResult(None, questions.choose(row, who, value))
        if action == "s":
            intake.skip()
        elif action == "d":
            intake.evidence_done()
        elif action == "b":
            if not intake.back():
                return ButtonResult(_("This is the first question."), [])
        elif action == "x":
            return ButtonResult(None, questions.cancel_by_user(row, who))
        elif action == "k":
            return ButtonResult(None, [questions.ask(row, who)])
        elif action == "V":
            return self._tag_evidence(row, who, value)
        elif action == "L":
            if step not in PICKABLE or "account_ref" not in intake.answers:
                return ButtonResult(_("That list is from an earlier step."), [])
            return ButtonResult(None, [questions.charge_list(row, value)])
        elif action == "T":
            return self._pick_charge(row, value)
        elif action == "o":
            # Starting over never destroys a drafted case (one being changed): it stays a
            # draft, in /cases. An intake with no case yet just ends.
            if row.case_id is None:
                questions.cancel(row, who)
            return ButtonResult(None, questions.begin(who))
        elif action == "a":
            ref = whole_number(value)
            store = self.ctx.store
            account = store.get_account(team_of(row, who), ref) if ref is not None else None
            if account is None:
                return ButtonResult(_("That account is gone."), [questions.ask(row, who)])
            intake.use_account(account)
        elif action == "n":
            intake.begin_new_account()
        elif action == "e":
            intake.start_edit()
        elif action == "E":
            if value not in Step.__members__.values():
                return ButtonResult(_("That answer can't be changed."), [])
            intake.edit_step(Step(value))
        else:
            return ButtonResult(_("That button isn't one I know."), [])
        return None

    def _tag_evidence(self, row: IntakeRow, who: Who, value: str) -> ButtonResult:
        """ "Which of these is it?": the file's item of the checklist."""
        intake = row.intake
        index_text, _sep, what = value.partition(":")
        index = whole_number(index_text, most_digits=4)
        if intake.step is not Step.EVIDENCE or index is None:
            return ButtonResult(_("That button is from an earlier step."), [])
        intake.tag_evidence(index, what[:32])
        self.ctx.save(row, who)
        if row.case_id is not None:
            self.ctx.store.save_evidence(row.case_id, who.user_id, intake.answers["evidence"])
        return ButtonResult(None, [self.questions.ask(row, who)])

    def _pick_charge(self, row: IntakeRow, value: str) -> ButtonResult | None:
        """A charge picked from the imported ones: its facts become the answers."""
        intake = row.intake
        step = intake.step
        charge_id = whole_number(value)
        if step not in PICKABLE or charge_id is None:
            return ButtonResult(_("That list is from an earlier step."), [])
        account_id = int(intake.answers["account_ref"])
        picked = self.ctx.store.transaction_rows(account_id, [charge_id])
        if not picked:
            return ButtonResult(_("That charge isn't here any more."), [])
        if picked[0].get("status") == ChargeStatus.FAILED:
            return ButtonResult(_("That payment failed: no money was taken."), [])
        if step is Step.CHARGE_DATE:
            intake.answers.pop("charges", None)  # one charge picked instead of a flag's
        intake.prefill(charge_answers(picked[0], other=step is Step.OTHER_CHARGE))
        return None

    def _at_the_review(
        self, row: IntakeRow, who: Who, action: str, value: str
    ) -> ButtonResult | None:
        """The review screen's buttons; None when the intake moved on ("I've sent it")."""
        intake = row.intake
        step = intake.step
        store = self.ctx.store
        team = team_of(row, who)
        if action == "S":
            if row.case_id is None:
                return ButtonResult(_("Nothing to send yet."), [])
            intake.sent()
            # The ticket typed next is this case's, not one another case's button asked for.
            store.clear_case_input(who.chat_id, who.user_id)
            track = self.ctx.followup.start(row.case_id, who, team)
            if track.reply_due_at is not None:
                intake.answers["reply_due_on"] = self.ctx.followup.local_date(
                    track.reply_due_at, team
                )
            return None
        if action == "C":
            intake.finish_without_sending()
            if row.case_id is not None:
                store.set_case_status(row.case_id, who.user_id, "closed", self.ctx.clock())
            self.ctx.save(row, who)
            closed = self.ctx.reply("closed", case_id=row.case_id)
            return ButtonResult(None, self.review.with_card(row, who, [closed]))
        if action == "r":
            return ButtonResult(_("Written again."), self.review.show(row, who))
        if action == "W" and step is Step.REVIEW and value in i18n.LANGUAGES:
            # The message to TikTok in another language (English unless asked): kept, so
            # "write again" and the .txt file follow it.
            intake.message_language = value
            bump(row)
            return ButtonResult(i18n.LANGUAGES[value].name, self.review.show(row, who))
        if action == "f":
            return ButtonResult(None, [self.review.message_file(row, who)], keep_buttons=True)
        if action == "G" and step is Step.REVIEW:
            if value == "no":
                # Asked once: the messages stay signed with the account's name (/settings
                # can still add a signature).
                store.set_signature(who.user_id, "", self.ctx.clock())
                intake.signing = False
                return ButtonResult(_("Not signed."), self.review.show(row, who))
            intake.signing = True
            bump(row)
            self.ctx.save(row, who)
            return ButtonResult(None, [self.review.signature_question(row, who)])
        return ButtonResult(_("That button isn't one I know."), [])

    def case_button(self, who: Who, pressed: Callback) -> ButtonResult:
        """A case's button. A drafted case's two ("Open the draft", "I've sent it") work on
        the intake; every other one is the follow-up's."""
        followup = self.ctx.followup
        if (
            pressed.kind is not ButtonKind.CASE
            or pressed.value
            or pressed.action not in (CaseAction.OPEN_DRAFT, CaseAction.SENT_DRAFT)
        ):
            return followup.on_button(who, pressed)
        case = followup.visible_case(who, pressed.token)
        if case is None:
            return ButtonResult(_("That case isn't here."), [])
        if not followup.may_change(who, case):
            return ButtonResult(_(NOT_ALLOWED), [])
        track = self.ctx.store.load_track(case.id)
        if track.status is not CaseStatus.DRAFTED:
            return ButtonResult(None, [followup.case_card(case, track)])
        if pressed.action == CaseAction.SENT_DRAFT and not case.message:
            return ButtonResult(_("Nothing to send yet."), [])
        row = self.ctx.load_once(who)
        # Questions answered beyond the first would be lost by opening the draft over them.
        busy = row is not None and row.intake.asking and bool(row.intake.history)
        if row is not None and busy and row.case_id != case.id:
            if pressed.action == CaseAction.OPEN_DRAFT:
                # Opening the draft would replace the questions being answered.
                return ButtonResult(_("Finish or /cancel the case you're answering first."), [])
            # Sent meanwhile: followed from now on; its ticket can be added from /case.
            return ButtonResult(None, [self._sent_meanwhile(who, case.id, case.team_id)])
        if row is None or row.case_id != case.id or row.intake.step is not Step.REVIEW:
            # The draft back at its verdict, with all its buttons (its answers as saved).
            row = IntakeRow(
                intake=Intake(
                    state=Step.REVIEW,
                    answers=dict(case.answers),
                    message_language=case.message_language,
                    saved_accounts_offered=case.saved_accounts_offered,
                ),
                token=new_token(),
                is_new=True,
                case_id=case.id,
                team_id=case.team_id if case.team_id != who.chat_id else None,
                last_update=who.known_update_id,
            )
        if pressed.action == CaseAction.SENT_DRAFT:
            with attached(row.intake):
                return self.apply(row, who, "S", "")
        bump(row)
        return ButtonResult(None, self.review.show(row, who))

    def _sent_meanwhile(self, who: Who, case_id: int, team_id: int) -> Reply:
        """A draft sent while another intake is being answered: followed from now on."""
        followup = self.ctx.followup
        track = followup.start(case_id, who, team_id)
        due = track.reply_due_at
        return self.ctx.reply(
            "done",
            case_id=case_id,
            ticket=None,
            due=followup.local_date(due, team_id) if due else None,
            days=followup.schedule(team_id).reply_wait,
        )

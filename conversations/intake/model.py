"""The intake model: `Intake`, put together from its parts.

`Intake` is one plain dataclass (its fields are in `core.IntakeCore`) built from
collaborating mixins, each holding one concern and all sharing the same fields:

- `core.IntakeCore`: the fields, where the intake is, and the moves through the
  one shared machine (`_fire`, `_advance`, `_fast_forward`);
- `questions.Conditions`: the conditions of the transition table, i.e. which
  questions this intake asks (`asks`, `asks_want`, `is_duplicate`, ...);
- `answering.Answering`: taking an answer (button, text, skip, date, file);
- `Intake` itself (here): what the chat does around the answers: saved accounts,
  the step count, Back, changing an answer, and the end of the intake.

They are mixins rather than helper objects because the machine looks its conditions up
on the model by name, and the model must stay the one object the machine holds.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from conversations.facts import Facts
from conversations.intake.answering import Answering
from conversations.intake.core import Purpose
from conversations.intake.machine import MACHINE, next_step
from conversations.intake.parsing import facts_from
from conversations.intake.questions import Conditions
from conversations.intake.steps import (
    ACCOUNT_FIELDS,
    ACCOUNT_STEPS,
    ANSWER_KEYS,
    EDITABLE,
    QUESTIONS,
    SPECS,
    USUAL_ANSWERS,
    Kind,
    Step,
)
from conversations.machines import attached as attach_model
from conversations.texts import InputError


@dataclass(eq=False)  # identity equality: the machine finds its models with ==
class Intake(Answering, Conditions):
    """One advertiser's intake in progress: the current step and every answer so far
    (the fields are `IntakeCore`'s; see the module's docstring for the parts)."""

    def facts(self) -> Facts:
        """The facts the eligibility engine judges, from the answers so far."""
        return facts_from(self.answers)

    # --- what the chat calls -------------------------------------------------

    def use_account(self, account: dict[str, Any]) -> None:
        """Fill the account answers from a saved account, and move on to what this reason
        still needs: a fact the account doesn't know yet, or the reason's questions."""
        self._fill_account(account)
        self._forward("pick_account")

    def _fill_account(self, account: dict[str, Any]) -> None:
        # Only what the account knows counts as answered; a fact never asked stays unknown
        # (and is asked if this reason needs it).
        for key in (*ACCOUNT_FIELDS, "account_ref"):
            self.answers.pop(key, None)
        for key in ACCOUNT_FIELDS:
            if account.get(key) is not None:
                self.answers[key] = account[key]
        if account.get("in_bc") is not None:
            # A Business Center ID left out when the account was added was asked (skipped).
            self.answers["bc_id"] = account.get("bc_id")
        self.answers["account_ref"] = account.get("ref")

    def begin_new_account(self, *, from_menu: bool = True) -> None:
        """Clear any account answers and ask for a new account's details. Not `from_menu`:
        there are no saved accounts to pick from, so the menu is passed over (and Back from
        the advertiser ID leads to the question before it)."""
        for key in (*ACCOUNT_FIELDS, "account_ref"):
            self.answers.pop(key, None)
        if from_menu:
            self._forward("add_account")
        else:
            self._fire("add_account")

    def progress(self) -> tuple[int, int | None]:
        """Where the user is: this step's number on the path, and how many steps the path has
        as far as the answers so far tell, the verdict included (None while the reason
        isn't known).

        The number counts the questions passed (so only Back makes it smaller); the total is
        those, this one, the questions still ahead for these answers, and the verdict."""
        passed = sum(1 for s in self.history if Step(s) in QUESTIONS)
        number = passed + 1
        if self.step is Step.REVIEW:
            return number, number  # the verdict: the path's last step
        if self.reason is None and not self.only_account:
            return number, None
        # Walk on from here with a copy of the answers, each question still open taken at
        # its usual answer (an ad account outside a Business Center, an admin, …).
        probe = Intake(
            state=self.step,
            answers=dict(self.answers),
            purpose=self.purpose,
            saved_accounts_offered=self.saved_accounts_offered,
        )
        ahead = 0
        seen: set[Step] = {self.step}
        step: Step | None = self.step
        while step is not None:
            step = probe._predicted_next(step)
            if step is None or step in seen or step not in QUESTIONS:
                break
            seen.add(step)
            ahead += 1
        return number, number + ahead + 1  # and the verdict

    def _predicted_next(self, step: Step) -> Step | None:
        """On a probe copy: where `step` leads once answered (its usual answer if open)."""
        if step is Step.ACCOUNT:
            if "advertiser_id" in self.answers or self.saved_accounts_offered:
                # A saved account whose facts are known (one lacking a fact adds a question).
                self.answers.setdefault("advertiser_id", "?")
                return next_step(self, step, "pick_account")
            return Step.ACCOUNT_ID
        keys = ANSWER_KEYS.get(step)
        if keys and keys[0] not in self.answers:
            spec = SPECS[step]
            usual: Any = "?"
            if step in USUAL_ANSWERS:
                usual = USUAL_ANSWERS[step]
            elif spec.kind is Kind.CHOICE and spec.choices:
                usual = spec.choices[0]
            self.answers[keys[0]] = usual
        return next_step(self, step)

    def back(self) -> bool:
        """Return to the previous question, keeping every answer; False at the first one."""
        self.pending = None
        if not self.history:
            return False
        previous = Step(self.history.pop())
        MACHINE.set_state(previous, model=self)
        if previous is Step.REVIEW:
            self.editing = False
        return True

    def start_edit(self) -> None:
        """Open the menu of answers that can be changed."""
        self.history.append(self.step)
        self._fire("edit")

    def edit_step(self, step: Step) -> None:
        """Jump to `step` to change its answer; afterwards the intake returns to review."""
        if self.step is not Step.EDIT or step not in self.editable_steps():
            raise InputError("That answer can't be changed from here.")
        self.editing = True
        self.pending = None
        self.history.append(self.step)
        MACHINE.set_state(step, model=self)

    def prefill(self, values: dict[str, Any]) -> None:
        """Answers taken from elsewhere (an imported charge): the questions they answer
        are passed over, now and as the intake goes on."""
        self.answers.update(values)
        self.pending = None
        if self.step is not Step.REVIEW:
            # Passed over also later on: an account fact still to ask comes first, and the
            # charge's questions after it are already answered.
            self.editing = True
            if self.answered(self.step):
                self._fast_forward()

    def edit_account(self, account: dict[str, Any]) -> None:
        """Start editing a saved account: its answers filled in, the list of fields shown."""
        for key in ACCOUNT_FIELDS:
            self.answers[key] = account.get(key)
        self.answers["account_ref"] = account.get("ref")
        self.purpose = Purpose.ACCOUNT
        MACHINE.set_state(Step.EDIT, model=self)

    def editable_steps(self) -> list[Step]:
        """The answered steps the user may change, in the order they were asked."""
        if self.only_account:
            # The advertiser ID names the account; a different ID is a different account.
            return [s for s in ACCOUNT_STEPS[1:] if s is not Step.ACCOUNT_BC_ID or self.answered(s)]
        # Only the questions of this case's path: a balance case and a charge case keep
        # their amount under the same key, and answers of an earlier reason may linger.
        path = self._path()
        steps = [s for s in EDITABLE if s is Step.ACCOUNT or (s in path and self.answered(s))]
        return [s for s in steps if s is not Step.ACCOUNT or "advertiser_id" in self.answers]

    def _path(self) -> frozenset[Step]:
        """The questions the machine asks for the answers given, from the reason on."""
        path: set[Step] = set()
        step = Step.REASON
        while step not in path and step is not Step.REVIEW:
            path.add(step)
            following = next_step(self, step)
            if following is None:
                break
            step = following
        return frozenset(path)

    def sent(self) -> None:
        """Record that the user sent the message; ask for the ticket number next."""
        self.history.append(self.step)
        self._fire("mark_sent")

    def finish_without_sending(self) -> None:
        """Close the intake at the review screen without sending anything."""
        self._fire("close")

    def abandon(self) -> None:
        """Cancel the intake (from any unfinished step)."""
        self.pending = None
        self._fire("cancel")


def attached(intake: Intake) -> AbstractContextManager[Intake]:
    """Attach `intake` to the shared machine for the length of one update (re-entrant)."""
    return attach_model(MACHINE, intake, intake.state)

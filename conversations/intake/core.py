"""The state every part of `Intake` shares: where the intake is, the answers so far, and
the moves through the shared machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from conversations.facts import Reason
from conversations.intake.machine import MACHINE
from conversations.intake.steps import (
    ANSWER_KEYS,
    FINISHED,
    PAST_THE_QUESTIONS,
    SPECS,
    Step,
    StepSpec,
)


class Purpose(StrEnum):
    """Why an intake was started, when it isn't a case."""

    ACCOUNT = "account"  # only adds or edits an ad account (/accounts, an import's account)


# Where a version of the bot before these were fields kept the intake's own bookkeeping:
# inside the answers (an intake or a case saved then still holds them there).
LEGACY_KEYS = frozenset({"_purpose", "_saved_accounts", "_message_language", "_signing"})


@dataclass(eq=False)  # identity equality: the machine finds its models with ==
class IntakeCore:
    """One advertiser's intake in progress: the current step and every answer so far.

    `answers` holds JSON-friendly values only, so the model can be stored as is.
    A key present with the value None means "asked and skipped".
    """

    state: Step = Step.REASON
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    editing: bool = False
    # Readings offered for an ambiguous date, kept until the user picks one.
    pending: list[dict[str, str | None]] | None = None
    # The intake's own bookkeeping, beside the answers: why it was started (None: a case),
    # whether /new found saved accounts to offer, the language the message to TikTok is
    # written in (None: English), and whether a typed signature is awaited at the review.
    purpose: Purpose | None = None
    saved_accounts_offered: bool = False
    message_language: str | None = None
    signing: bool = False

    def __post_init__(self) -> None:
        if not LEGACY_KEYS.isdisjoint(self.answers):
            self._take_legacy_keys()

    def _take_legacy_keys(self) -> None:
        """An intake (or case) saved by an earlier version: its bookkeeping comes out of
        the answers, where a field isn't set already, and is never written back there."""
        old = {key: self.answers[key] for key in LEGACY_KEYS if key in self.answers}
        self.answers = {k: v for k, v in self.answers.items() if k not in LEGACY_KEYS}
        if self.purpose is None and old.get("_purpose") == Purpose.ACCOUNT:
            self.purpose = Purpose.ACCOUNT
        if not self.saved_accounts_offered and old.get("_saved_accounts"):
            self.saved_accounts_offered = True
        if self.message_language is None and old.get("_message_language"):
            self.message_language = str(old["_message_language"])
        if not self.signing and old.get("_signing"):
            self.signing = True

    @property
    def reason(self) -> Reason | None:
        value = self.answers.get("reason")
        return Reason(value) if value else None

    @property
    def step(self) -> Step:
        state = self.state  # the machine sets a Step; read about a dozen times an update
        return state if type(state) is Step else Step(state)

    @property
    def spec(self) -> StepSpec:
        return SPECS[self.step]

    @property
    def finished(self) -> bool:
        return self.step in FINISHED

    @property
    def asking(self) -> bool:
        """Whether the intake is in the middle of its questions (a case being changed from
        "Change an answer" included): not at the verdict, not sent, not finished."""
        if self.finished:
            return False
        return self.step not in PAST_THE_QUESTIONS

    def answered(self, step: Step) -> bool:
        """Whether the user has answered (or skipped) `step`."""
        keys = ANSWER_KEYS.get(step, ())
        return bool(keys) and keys[0] in self.answers

    @property
    def only_account(self) -> bool:
        """Whether this intake only adds or edits an ad account (from /accounts)."""
        return self.purpose is Purpose.ACCOUNT

    # --- moving through the shared machine --------------------------------------

    def _fire(self, trigger: str) -> None:
        # Same as the model's bound `trigger(name)`; the model must be attached.
        MACHINE.events[trigger].trigger(self)

    def _forward(self, trigger: str) -> None:
        before = self.step
        self._fire(trigger)
        self.history.append(before)
        if self.editing:
            self._fast_forward()

    def _advance(self) -> None:
        self._forward("next")

    def _fast_forward(self) -> None:
        """While changing an answer, pass over later questions already answered."""
        while self.step is not Step.REVIEW and self.answered(self.step):
            before = self.step
            self._fire("next")
            self.history.append(before)
        if self.step is Step.REVIEW:
            self.editing = False
            # Back from review after an edit should lead to the edit menu, not through
            # the steps that were passed over.
            self.history = [s for s in self.history if s not in (Step.REVIEW, Step.EDIT)]

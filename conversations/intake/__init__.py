"""The refund intake: which questions are asked, in which order, and what an answer means.

The intake is a `transitions` state machine over a plain `Intake` model. One
`Machine` is shared by every intake: a caller loads an intake's state and
answers from storage, attaches it with `attached()`, fires triggers through
the model's methods, and saves it again. The model holds nothing else, so the
stored row is the only copy of a conversation.

The package's parts:

- `steps`: the questions (`Step`), how each is answered (`SPECS`) and the answer
  keys each fills (`ANSWER_KEYS`);
- `machine`: the transition table and the one shared `MACHINE`;
- `questions`: which questions a reason needs (the table's conditions);
- `parsing`: what a typed answer means (one parser per question), and the answers
  read back as the eligibility engine's `Facts`;
- `core`, `answering`, `model`: the `Intake` model, in parts (see `model`).
"""

from conversations.intake.core import Purpose
from conversations.intake.machine import MACHINE, TRANSITIONS, IntakeMachine, build_machine
from conversations.intake.model import Intake, attached
from conversations.intake.questions import (
    REASONS_ABOUT_A_CHARGE,
    REASONS_ABOUT_INVOICING,
    REASONS_ABOUT_THE_BALANCE,
    REASONS_BY_BILLING,
    REASONS_DECIDED_BY_THE_REASON,
    REASONS_WITH_A_STORY,
    REASONS_WITH_A_WANT,
)
from conversations.intake.steps import (
    ACCOUNT_FIELDS,
    ACCOUNT_QUESTIONS,
    ACCOUNT_STEPS,
    ANSWER_KEYS,
    CHOICES_WITH_TYPING,
    COMMON_CURRENCIES,
    EDITABLE,
    FINISHED,
    KNOWN_CURRENCIES,
    MAX_CHARGE_AGE_DAYS,
    PAST_THE_QUESTIONS,
    SPECS,
    STAGES,
    YES_NO,
    YES_NO_STEPS,
    Kind,
    Note,
    Step,
    StepSpec,
)

__all__ = [
    "ACCOUNT_FIELDS",
    "ACCOUNT_QUESTIONS",
    "ACCOUNT_STEPS",
    "ANSWER_KEYS",
    "CHOICES_WITH_TYPING",
    "COMMON_CURRENCIES",
    "EDITABLE",
    "FINISHED",
    "KNOWN_CURRENCIES",
    "MACHINE",
    "MAX_CHARGE_AGE_DAYS",
    "PAST_THE_QUESTIONS",
    "REASONS_ABOUT_A_CHARGE",
    "REASONS_ABOUT_INVOICING",
    "REASONS_ABOUT_THE_BALANCE",
    "REASONS_BY_BILLING",
    "REASONS_DECIDED_BY_THE_REASON",
    "REASONS_WITH_A_STORY",
    "REASONS_WITH_A_WANT",
    "SPECS",
    "STAGES",
    "TRANSITIONS",
    "YES_NO",
    "YES_NO_STEPS",
    "Intake",
    "IntakeMachine",
    "Kind",
    "Note",
    "Purpose",
    "Step",
    "StepSpec",
    "attached",
    "build_machine",
]

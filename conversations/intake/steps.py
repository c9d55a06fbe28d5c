"""The intake's questions: each step, how it is answered, where it sits in the outline,
and which answer keys it fills."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from babel.numbers import list_currencies

from conversations.facts import (
    AccountStatus,
    AddedBalance,
    Appeal,
    Billing,
    PaidVia,
    Reason,
    SpendAfterPause,
    Want,
)
from conversations.regions import COMMON_REGIONS

# How far back a charge may lie before we ask the user to check the year.
MAX_CHARGE_AGE_DAYS = 3 * 365


class Step(StrEnum):
    """A question of the intake (and the few states around them)."""

    ACCOUNT = "account"
    ACCOUNT_ID = "account_id"
    ACCOUNT_NAME = "account_name"
    ACCOUNT_BILLING = "account_billing"
    ACCOUNT_BC = "account_bc"
    ACCOUNT_BC_ID = "account_bc_id"
    ACCOUNT_CURRENCY = "account_currency"
    ACCOUNT_STATUS = "account_status"
    ACCOUNT_PAID_VIA = "account_paid_via"
    ACCOUNT_REGION = "account_region"
    REASON = "reason"
    CHARGE_DATE = "charge_date"
    CHARGE_AMOUNT = "charge_amount"
    BALANCE = "balance"
    CHARGE_CARD = "charge_card"
    CHARGE_INVOICE = "charge_invoice"
    CHARGE_CAMPAIGNS = "charge_campaigns"
    OTHER_CHARGE = "other_charge"
    OTHER_INVOICE = "other_invoice"
    PAUSED_ON = "paused_on"
    SPEND_AFTER_PAUSE = "spend_after_pause"
    INVOICE_PROBLEM = "invoice_problem"
    STORY = "story"
    WANT = "want"
    APPEAL = "appeal"
    ADMIN = "admin"
    ADDED_BALANCE = "added_balance"
    NOTICED = "noticed"
    EVIDENCE = "evidence"
    REVIEW = "review"
    EDIT = "edit"
    TICKET = "ticket"
    DONE = "done"
    CANCELLED = "cancelled"


class Kind(StrEnum):
    """How a step is answered."""

    CHOICE = "choice"  # one of a fixed set of buttons
    TEXT = "text"  # typed, checked by a parser
    DATE = "date"  # typed date (and maybe time); may need a choice when ambiguous
    FILES = "files"  # photos and documents, then Done
    MENU = "menu"  # a screen of actions rather than a question


@dataclass(frozen=True)
class StepSpec:
    """What the chat needs to know to ask a step: its kind, whether it can be skipped,
    its choices, and where it sits in the six-step outline shown to the user."""

    kind: Kind
    stage: int  # 1..6: account, reason, charge, details, evidence, verdict
    optional: bool = False
    choices: tuple[str, ...] = ()


STAGES = 6
COMMON_CURRENCIES = ("USD", "EUR", "GBP", "BRL", "IDR", "RUB")
YES_NO = ("yes", "no")
# Questions whose yes/no answer is stored as a boolean.
YES_NO_STEPS = frozenset({"account_bc", "admin"})
KNOWN_CURRENCIES = frozenset(list_currencies())
# Choice steps that also take a typed answer (any ISO currency code; any country's name).
CHOICES_WITH_TYPING = frozenset({"account_currency", "account_region"})

SPECS: dict[Step, StepSpec] = {
    Step.ACCOUNT: StepSpec(Kind.MENU, 1),
    Step.ACCOUNT_ID: StepSpec(Kind.TEXT, 1),
    Step.ACCOUNT_NAME: StepSpec(Kind.TEXT, 1, optional=True),
    Step.ACCOUNT_BILLING: StepSpec(Kind.CHOICE, 1, choices=tuple(Billing)),
    Step.ACCOUNT_BC: StepSpec(Kind.CHOICE, 1, choices=YES_NO),
    Step.ACCOUNT_BC_ID: StepSpec(Kind.TEXT, 1, optional=True),
    Step.ACCOUNT_CURRENCY: StepSpec(Kind.CHOICE, 1, choices=COMMON_CURRENCIES),
    Step.ACCOUNT_STATUS: StepSpec(Kind.CHOICE, 1, choices=tuple(AccountStatus)),
    Step.ACCOUNT_PAID_VIA: StepSpec(Kind.CHOICE, 1, choices=tuple(PaidVia)),
    Step.ACCOUNT_REGION: StepSpec(Kind.CHOICE, 1, optional=True, choices=COMMON_REGIONS),
    Step.REASON: StepSpec(Kind.CHOICE, 2, choices=tuple(Reason)),
    Step.CHARGE_DATE: StepSpec(Kind.DATE, 3),
    Step.CHARGE_AMOUNT: StepSpec(Kind.TEXT, 3),
    Step.BALANCE: StepSpec(Kind.TEXT, 3),
    Step.CHARGE_CARD: StepSpec(Kind.TEXT, 3, optional=True),
    Step.CHARGE_INVOICE: StepSpec(Kind.TEXT, 3, optional=True),
    Step.CHARGE_CAMPAIGNS: StepSpec(Kind.TEXT, 3, optional=True),
    Step.OTHER_CHARGE: StepSpec(Kind.DATE, 4),
    Step.OTHER_INVOICE: StepSpec(Kind.TEXT, 4, optional=True),
    Step.PAUSED_ON: StepSpec(Kind.DATE, 4),
    Step.SPEND_AFTER_PAUSE: StepSpec(Kind.CHOICE, 4, choices=tuple(SpendAfterPause)),
    Step.INVOICE_PROBLEM: StepSpec(Kind.TEXT, 4),
    Step.STORY: StepSpec(Kind.TEXT, 4),
    Step.WANT: StepSpec(Kind.CHOICE, 4, choices=tuple(Want)),
    Step.APPEAL: StepSpec(Kind.CHOICE, 4, choices=tuple(Appeal)),
    Step.ADMIN: StepSpec(Kind.CHOICE, 4, choices=YES_NO),
    Step.ADDED_BALANCE: StepSpec(Kind.CHOICE, 4, choices=tuple(AddedBalance)),
    Step.NOTICED: StepSpec(Kind.DATE, 4, choices=("today", "yesterday", "charge_day")),
    Step.EVIDENCE: StepSpec(Kind.FILES, 5, optional=True),
    Step.REVIEW: StepSpec(Kind.MENU, 6),
    Step.EDIT: StepSpec(Kind.MENU, 6),
    Step.TICKET: StepSpec(Kind.TEXT, 6, optional=True),
    Step.DONE: StepSpec(Kind.MENU, 6),
    Step.CANCELLED: StepSpec(Kind.MENU, 6),
}

# Steps whose answer the user can change from the review screen, in the order shown.
EDITABLE = (
    Step.ACCOUNT,
    Step.REASON,
    Step.CHARGE_DATE,
    Step.CHARGE_AMOUNT,
    Step.BALANCE,
    Step.CHARGE_CARD,
    Step.CHARGE_INVOICE,
    Step.CHARGE_CAMPAIGNS,
    Step.OTHER_CHARGE,
    Step.OTHER_INVOICE,
    Step.PAUSED_ON,
    Step.SPEND_AFTER_PAUSE,
    Step.INVOICE_PROBLEM,
    Step.STORY,
    Step.WANT,
    Step.APPEAL,
    Step.ADMIN,
    Step.ADDED_BALANCE,
    Step.NOTICED,
    Step.EVIDENCE,
)
FINISHED = frozenset({Step.DONE, Step.CANCELLED})
# For the step count ahead: the answer a question open yet usually gets (else its first
# choice). The count may change as real answers come, never the number of the step shown.
USUAL_ANSWERS: dict[Step, Any] = {
    Step.ACCOUNT_BC: False,
    Step.ADMIN: True,
    Step.APPEAL: Appeal.WON,
}
# States that ask the user something on the way to the verdict (counted by "Step N of M").
QUESTIONS = frozenset(Step) - {Step.REVIEW, Step.EDIT, Step.TICKET, Step.DONE, Step.CANCELLED}
# Past the questions: the verdict and its draft, the menu of answers to change, and the
# ticket question after sending. An intake here is not "in progress": its case is kept.
PAST_THE_QUESTIONS = frozenset({Step.REVIEW, Step.EDIT, Step.TICKET})
# The account's questions, in the order they are asked. What went wrong is asked first;
# then, for a new account (or a saved one missing a fact), only the facts that reason's
# verdict and message use (see `Intake.asks`): who is paid first (an agency decides
# everything), then the status, the billing option, the Business Center, and the currency
# just before an amount is asked. /accounts asks them all.
ACCOUNT_STEPS = (
    Step.ACCOUNT_ID,
    Step.ACCOUNT_NAME,
    Step.ACCOUNT_PAID_VIA,
    Step.ACCOUNT_STATUS,
    Step.ACCOUNT_BILLING,
    Step.ACCOUNT_BC,
    Step.ACCOUNT_BC_ID,
    Step.ACCOUNT_CURRENCY,
    # Optional, last: only where a regional note of the verdict depends on it (see `asks`).
    Step.ACCOUNT_REGION,
)
# The account facts asked after the advertiser ID (the ID itself is the account).
ACCOUNT_QUESTIONS = ACCOUNT_STEPS[1:]


ACCOUNT_FIELDS = (
    "advertiser_id",
    "account_name",
    "billing",
    "in_bc",
    "bc_id",
    "currency",
    "account_status",
    "paid_via",
    "region",
)

# The answer keys each step fills; the first one tells whether it was answered.
ANSWER_KEYS: dict[Step, tuple[str, ...]] = {
    Step.ACCOUNT: ("advertiser_id",),
    Step.ACCOUNT_ID: ("advertiser_id",),
    Step.ACCOUNT_NAME: ("account_name",),
    Step.ACCOUNT_BILLING: ("billing",),
    Step.ACCOUNT_BC: ("in_bc",),
    Step.ACCOUNT_BC_ID: ("bc_id",),
    Step.ACCOUNT_CURRENCY: ("currency",),
    Step.ACCOUNT_STATUS: ("account_status",),
    Step.ACCOUNT_PAID_VIA: ("paid_via",),
    Step.ACCOUNT_REGION: ("region",),
    Step.REASON: ("reason",),
    Step.CHARGE_DATE: ("charge_date", "charge_time"),
    Step.CHARGE_AMOUNT: ("amount", "amount_currency", "amount_text"),
    Step.BALANCE: ("amount", "amount_currency", "amount_text"),
    Step.CHARGE_CARD: ("card_last4",),
    Step.CHARGE_INVOICE: ("invoice_number",),
    Step.CHARGE_CAMPAIGNS: ("campaign_ids",),
    Step.OTHER_CHARGE: ("other_date", "other_time"),
    Step.OTHER_INVOICE: ("other_invoice",),
    Step.PAUSED_ON: ("paused_on",),
    Step.SPEND_AFTER_PAUSE: ("spend_after_pause",),
    Step.INVOICE_PROBLEM: ("invoice_problem",),
    Step.STORY: ("story",),
    Step.WANT: ("wants",),
    Step.APPEAL: ("appeal",),
    Step.ADMIN: ("is_admin",),
    Step.ADDED_BALANCE: ("added_balance",),
    Step.NOTICED: ("noticed",),
    Step.EVIDENCE: ("evidence",),
    Step.TICKET: ("ticket",),
}


@dataclass
class Note:
    """Something the chat should tell the user about the answer just taken."""

    key: str
    value: str = ""

"""The refund intake: which questions are asked, in which order, and what an answer means.

The intake is a `transitions` state machine over a plain `Intake` model. One
`Machine` is shared by every intake: a caller loads an intake's state and
answers from storage, attaches it with `attached()`, fires triggers through
the model's methods, and saves it again. The model holds nothing else, so the
stored row is the only copy of a conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from babel.numbers import list_currencies
from transitions import Machine

from conversations.dates import Ambiguous, When, parse_after, parse_when
from conversations.errors import InputError
from conversations.facts import (
    AccountStatus,
    AddedBalance,
    Appeal,
    Billing,
    ChargeStatus,
    Facts,
    Money,
    PaidVia,
    Reason,
    SpendAfterPause,
    Want,
)
from conversations.inputs import (
    clean_text,
    contains_card_number,
    mask_card_numbers,
    parse_advertiser_id,
    parse_business_center_id,
    parse_campaign_ids,
    parse_card_last4,
    parse_invoice_number,
    parse_ticket,
    whole_number,
)
from conversations.machines import SharedMachine
from conversations.machines import attached as attach_model
from conversations.money import parse_amount
from conversations.regions import COMMON_REGIONS, parse_region

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
REASONS_ABOUT_A_CHARGE = frozenset(
    {
        Reason.DUPLICATE,
        Reason.UNRECOGNISED,
        Reason.AFTER_PAUSE,
        Reason.NOT_DELIVERED,
        Reason.INVALID_TRAFFIC,
        Reason.WRONG_INVOICE,
        Reason.OTHER,
    }
)
REASONS_ABOUT_THE_BALANCE = frozenset({Reason.UNUSED_BALANCE, Reason.SUSPENDED})
REASONS_WITH_A_STORY = frozenset({Reason.NOT_DELIVERED, Reason.INVALID_TRAFFIC, Reason.OTHER})
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
_USUAL_ANSWERS: dict[Step, Any] = {
    Step.ACCOUNT_BC: False,
    Step.ADMIN: True,
    Step.APPEAL: Appeal.WON,
}
# States that ask the user something on the way to the verdict (counted by "Step N of M").
_QUESTIONS = frozenset(Step) - {Step.REVIEW, Step.EDIT, Step.TICKET, Step.DONE, Step.CANCELLED}
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
# Reasons whose verdict the reason alone decides, whoever was paid (POLICY.md rows 4, 9,
# 10): no message is written, so no account is asked for.
REASONS_DECIDED_BY_THE_REASON = frozenset(
    {Reason.POOR_RESULTS, Reason.AD_CREDITS, Reason.REJECTED_UNSPENT}
)
# Reasons whose verdict depends on the billing option (POLICY.md rows 1, 2, 5, 11).
REASONS_BY_BILLING = frozenset(
    {
        Reason.UNUSED_BALANCE,
        Reason.SUSPENDED,
        Reason.DUPLICATE,
        Reason.UNRECOGNISED,
        Reason.WRONG_INVOICE,
    }
)
# Reasons whose verdict on monthly invoicing is the account manager's look at the invoice,
# with a note on when invoices appear in the account's region (policy.toml
# "charge_query_invoicing"); a wrong invoice has the note whatever the billing option.
REASONS_ABOUT_INVOICING = frozenset({Reason.DUPLICATE, Reason.UNRECOGNISED})
# Reasons whose message asks for something the reason leaves open (POLICY.md §1.5): money
# back, a credit, a corrected invoice or an explanation. A wrong invoice asks for a
# corrected one; a balance asks for the money back.
REASONS_WITH_A_WANT = frozenset(
    {
        Reason.DUPLICATE,
        Reason.UNRECOGNISED,
        Reason.AFTER_PAUSE,
        Reason.NOT_DELIVERED,
        Reason.INVALID_TRAFFIC,
        Reason.OTHER,
    }
)

S = Step


def _onward(source: Step | list[Step], trigger: str = "next") -> list[dict[str, Any]]:
    """From the reason or an account question: the reason if it isn't known yet (an intake
    begun in the old order, account first), the account if the reason needs one, the next
    account fact the reason needs, and then the reason's own questions."""
    return [
        {"trigger": trigger, "source": source, "dest": S.REASON, "conditions": "lacks_reason"},
        {"trigger": trigger, "source": source, "dest": S.ACCOUNT, "conditions": "lacks_account"},
        *(
            {"trigger": trigger, "source": source, "dest": step, "conditions": f"asks_{step}"}
            for step in ACCOUNT_QUESTIONS
        ),
        # Adding or editing an account on its own (/accounts): done once its questions are.
        *(
            {"trigger": trigger, "source": source, "dest": dest, "conditions": condition}
            for dest, condition in (
                (S.DONE, "adds_an_account"),
                (S.CHARGE_DATE, "is_about_a_charge"),
                (S.BALANCE, "is_about_the_balance"),
            )
        ),
        # Poor results, ad credits, rejected ads: the reason alone decides the verdict.
        {"trigger": trigger, "source": source, "dest": S.REVIEW},
    ]


# Order matters: for one trigger and source, the first transition whose
# conditions hold is taken.
TRANSITIONS: list[dict[str, Any]] = [
    *_onward(S.REASON),
    *_onward(S.ACCOUNT, "pick_account"),
    # From the menu of saved accounts, or (/accounts: an account on its own) at once.
    {"trigger": "add_account", "source": [S.ACCOUNT, S.REASON], "dest": S.ACCOUNT_ID},
    *(t for step in ACCOUNT_STEPS for t in _onward(step)),
    {"trigger": "next", "source": S.CHARGE_DATE, "dest": S.CHARGE_AMOUNT},
    {
        "trigger": "next",
        "source": S.CHARGE_AMOUNT,
        "dest": S.CHARGE_CARD,
        "conditions": "pays_by_card",
    },
    {"trigger": "next", "source": S.CHARGE_AMOUNT, "dest": S.CHARGE_INVOICE},
    {"trigger": "next", "source": S.CHARGE_CARD, "dest": S.CHARGE_INVOICE},
    {"trigger": "next", "source": S.CHARGE_INVOICE, "dest": S.CHARGE_CAMPAIGNS},
    {
        "trigger": "next",
        "source": S.CHARGE_CAMPAIGNS,
        "dest": S.OTHER_CHARGE,
        "conditions": "is_duplicate",
    },
    {
        "trigger": "next",
        "source": S.CHARGE_CAMPAIGNS,
        "dest": S.PAUSED_ON,
        "conditions": "is_after_pause",
    },
    {
        "trigger": "next",
        "source": S.CHARGE_CAMPAIGNS,
        "dest": S.INVOICE_PROBLEM,
        "conditions": "is_wrong_invoice",
    },
    {"trigger": "next", "source": S.CHARGE_CAMPAIGNS, "dest": S.STORY, "conditions": "needs_story"},
    {
        "trigger": "next",
        "source": S.CHARGE_CAMPAIGNS,
        "dest": S.WANT,
        "conditions": "asks_want",
    },
    {"trigger": "next", "source": S.CHARGE_CAMPAIGNS, "dest": S.NOTICED},
    {"trigger": "next", "source": S.WANT, "dest": S.NOTICED},
    {"trigger": "next", "source": S.OTHER_CHARGE, "dest": S.OTHER_INVOICE},
    {"trigger": "next", "source": S.OTHER_INVOICE, "dest": S.WANT, "conditions": "asks_want"},
    {"trigger": "next", "source": S.OTHER_INVOICE, "dest": S.NOTICED},
    {"trigger": "next", "source": S.PAUSED_ON, "dest": S.SPEND_AFTER_PAUSE},
    {"trigger": "next", "source": S.SPEND_AFTER_PAUSE, "dest": S.WANT, "conditions": "asks_want"},
    {"trigger": "next", "source": S.SPEND_AFTER_PAUSE, "dest": S.NOTICED},
    {"trigger": "next", "source": S.INVOICE_PROBLEM, "dest": S.NOTICED},
    {"trigger": "next", "source": S.STORY, "dest": S.WANT, "conditions": "asks_want"},
    {"trigger": "next", "source": S.STORY, "dest": S.NOTICED},
    {"trigger": "next", "source": S.NOTICED, "dest": S.EVIDENCE},
    {
        "trigger": "next",
        "source": S.BALANCE,
        "dest": S.APPEAL,
        "conditions": "account_is_suspended",
    },
    {"trigger": "next", "source": S.BALANCE, "dest": S.ADMIN},
    {"trigger": "next", "source": S.APPEAL, "dest": S.ADMIN, "conditions": "appeal_was_won"},
    # An appeal not (yet) won blocks the refund: nothing more to ask or attach.
    {"trigger": "next", "source": S.APPEAL, "dest": S.REVIEW},
    # Only an admin can ask for the balance back: a non-admin hears so at once, before
    # being asked for anything more (the verdict is blocked whatever else they answer).
    {"trigger": "next", "source": S.ADMIN, "dest": S.REVIEW, "conditions": "is_not_admin"},
    # On automatic payment only money added to the balance is refunded this way (T1).
    {
        "trigger": "next",
        "source": S.ADMIN,
        "dest": S.ADDED_BALANCE,
        "conditions": "pays_automatically",
    },
    {"trigger": "next", "source": S.ADMIN, "dest": S.EVIDENCE},
    {"trigger": "next", "source": S.ADDED_BALANCE, "dest": S.EVIDENCE},
    {"trigger": "next", "source": S.EVIDENCE, "dest": S.REVIEW},
    {"trigger": "edit", "source": S.REVIEW, "dest": S.EDIT},
    {"trigger": "mark_sent", "source": S.REVIEW, "dest": S.TICKET},
    {"trigger": "next", "source": S.TICKET, "dest": S.DONE},
    {"trigger": "close", "source": S.REVIEW, "dest": S.DONE},
    {"trigger": "cancel", "source": [s for s in Step if s not in FINISHED], "dest": S.CANCELLED},
]


class IntakeMachine(SharedMachine):
    """The shared intake machine."""


def build_machine(machine_cls: type[Machine] = IntakeMachine, **kwargs: Any) -> Machine:
    """Build the intake machine (a `GraphMachine` class may be passed to draw it)."""
    return machine_cls(
        model=None,
        states=Step,
        transitions=TRANSITIONS,
        initial=Step.REASON,
        auto_transitions=False,
        **kwargs,
    )


MACHINE = build_machine()


@dataclass
class Note:
    """Something the chat should tell the user about the answer just taken."""

    key: str
    value: str = ""


@dataclass(eq=False)  # identity equality: the machine finds its models with ==
class Intake:
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

    # Conditions of the transition table, named after the rule they check.
    def adds_an_account(self) -> bool:
        return self.only_account

    def lacks_reason(self) -> bool:
        return not self.only_account and self.reason is None

    def lacks_account(self) -> bool:
        return self.needs_an_account() and "advertiser_id" not in self.answers

    def needs_an_account(self) -> bool:
        """Whether this reason's verdict or message needs the ad account at all."""
        reason = self.reason
        return reason is not None and reason not in REASONS_DECIDED_BY_THE_REASON

    def asks(self, step: Step) -> bool:
        """Whether the account question `step` is asked: not answered yet, and either the
        account is being added on its own (/accounts: all of them) or this reason's verdict
        or message needs the fact (POLICY.md §1, §2)."""
        a = self.answers
        if self.answered(step):
            return False
        if step is Step.ACCOUNT_BC_ID:
            # Only for an account in a Business Center, once that is known.
            return a.get("in_bc") is True
        if self.only_account:
            return True
        reason = self.reason
        if step is Step.ACCOUNT_REGION and reason is Reason.AD_CREDITS:
            # No account is asked for ad credits, but where promo codes are self-serve
            # depends on the account's country (policy.toml [[regional_note]]).
            return True
        if not self.needs_an_account() or "advertiser_id" not in a:
            return False
        by_agency = a.get("paid_via") == PaidVia.AGENCY
        about_the_balance = reason in REASONS_ABOUT_THE_BALANCE
        if step is Step.ACCOUNT_PAID_VIA:
            return True  # an agency-paid account goes to the agency, whatever the reason
        if step is Step.ACCOUNT_STATUS:
            # Suspended or closed changes a balance's verdict (the agency's wording too);
            # "Account suspended, money left" says it already.
            return reason is Reason.UNUSED_BALANCE
        if step is Step.ACCOUNT_BILLING:
            return not by_agency and reason in REASONS_BY_BILLING
        if step is Step.ACCOUNT_BC:
            # The balance's route (and the message) goes through a Business Center.
            return (
                not by_agency
                and about_the_balance
                and a.get("billing") in (Billing.MANUAL, Billing.AUTOMATIC)
            )
        if step is Step.ACCOUNT_CURRENCY:
            # The amount questions read an amount in the account's currency.
            return "amount" not in a and (reason in REASONS_ABOUT_A_CHARGE or about_the_balance)
        if step is Step.ACCOUNT_REGION:
            # When invoices appear differs in Japan and Latin America: a note under the
            # verdicts of a wrong invoice, and of a charge queried on monthly invoicing.
            return not by_agency and (
                reason is Reason.WRONG_INVOICE
                or (reason in REASONS_ABOUT_INVOICING and a.get("billing") == Billing.INVOICING)
            )
        return False  # the name: only /accounts asks it

    def asks_want(self) -> bool:
        """What the advertiser wants, asked where the reason leaves it open (POLICY.md
        §1.5); after a pause, only once spend after it is shown (else nothing is sent)."""
        if self.reason is Reason.AFTER_PAUSE:
            return self.answers.get("spend_after_pause") == SpendAfterPause.YES
        return self.reason in REASONS_WITH_A_WANT

    def is_about_a_charge(self) -> bool:
        return self.reason in REASONS_ABOUT_A_CHARGE

    def is_about_the_balance(self) -> bool:
        return self.reason in REASONS_ABOUT_THE_BALANCE

    def pays_by_card(self) -> bool:
        return self.answers.get("billing") != Billing.INVOICING

    def is_duplicate(self) -> bool:
        return self.reason is Reason.DUPLICATE

    def is_after_pause(self) -> bool:
        return self.reason is Reason.AFTER_PAUSE

    def is_wrong_invoice(self) -> bool:
        return self.reason is Reason.WRONG_INVOICE

    def needs_story(self) -> bool:
        return self.reason in REASONS_WITH_A_STORY

    def account_is_suspended(self) -> bool:
        return (
            self.reason is Reason.SUSPENDED
            or self.answers.get("account_status") == AccountStatus.SUSPENDED
        )

    def is_not_admin(self) -> bool:
        return self.answers.get("is_admin") is False

    def pays_automatically(self) -> bool:
        return self.answers.get("billing") == Billing.AUTOMATIC

    def appeal_was_won(self) -> bool:
        return self.answers.get("appeal") == Appeal.WON

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

    def facts(self) -> Facts:
        """The facts the eligibility engine judges, from the answers so far."""
        a = self.answers
        reason = self.reason
        if reason is None:
            raise ValueError("facts() needs the reason")
        charge_amount = None
        if a.get("amount") is not None:
            charge_amount = Money(Decimal(a["amount"]), a["amount_currency"])
        is_admin = a.get("is_admin")
        status = AccountStatus(a["account_status"]) if a.get("account_status") else None
        if status is None and reason is Reason.SUSPENDED:
            status = AccountStatus.SUSPENDED  # the reason says so
        in_bc = a.get("in_bc")
        return Facts(
            reason=reason,
            billing=Billing(a["billing"]) if a.get("billing") else None,
            in_business_center=None if in_bc is None else bool(in_bc),
            account_status=status,
            paid_via=PaidVia(a["paid_via"]) if a.get("paid_via") else None,
            charge_date=_date_or_none(a.get("charge_date")),
            charge_amount=charge_amount,
            appeal=Appeal(a["appeal"]) if a.get("appeal") else None,
            is_admin=None if is_admin is None else bool(is_admin),
            paused_on=_date_or_none(a.get("paused_on")),
            spend_after_pause=(
                SpendAfterPause(a["spend_after_pause"]) if a.get("spend_after_pause") else None
            ),
            region=a.get("region"),
            charge_status=_charge_status(a.get("charge_status")),
            added_balance=(AddedBalance(a["added_balance"]) if a.get("added_balance") else None),
            charge_time=_time_or_none(a.get("charge_time")),
            other_charge_date=_date_or_none(a.get("other_date")),
            other_charge_time=_time_or_none(a.get("other_time")),
        )

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
        passed = sum(1 for s in self.history if Step(s) in _QUESTIONS)
        number = passed + 1
        if self.step is Step.REVIEW:
            return number, number  # the verdict: the path's last step
        if self.reason is None and not self.only_account:
            return number, None
        # Walk on from here with a copy of the answers, each question still open taken at
        # its usual answer (an ad account outside a Business Center, an admin, …).
        probe = Intake(state=self.step, answers=dict(self.answers))
        ahead = 0
        seen: set[Step] = {self.step}
        step: Step | None = self.step
        while step is not None:
            step = probe._predicted_next(step)
            if step is None or step in seen or step not in _QUESTIONS:
                break
            seen.add(step)
            ahead += 1
        return number, number + ahead + 1  # and the verdict

    def _predicted_next(self, step: Step) -> Step | None:
        """On a probe copy: where `step` leads once answered (its usual answer if open)."""
        if step is Step.ACCOUNT:
            if "advertiser_id" in self.answers or self.answers.get("_saved_accounts"):
                # A saved account whose facts are known (one lacking a fact adds a question).
                self.answers.setdefault("advertiser_id", "?")
                return _next_step(self, step, "pick_account")
            return Step.ACCOUNT_ID
        keys = ANSWER_KEYS.get(step)
        if keys and keys[0] not in self.answers:
            spec = SPECS[step]
            usual: Any = "?"
            if step in _USUAL_ANSWERS:
                usual = _USUAL_ANSWERS[step]
            elif spec.kind is Kind.CHOICE and spec.choices:
                usual = spec.choices[0]
            self.answers[keys[0]] = usual
        return _next_step(self, step)

    def choose(self, value: str, today: date) -> list[Note]:
        """Take a button's value as the answer to the current step."""
        step = self.step
        if self.pending is not None:
            return self._choose_pending(value)
        if step is Step.NOTICED:
            return self._answer_noticed_button(value, today)
        spec = self.spec
        if spec.kind is not Kind.CHOICE or value not in spec.choices:
            if step in CHOICES_WITH_TYPING:
                return self.submit_text(value, today)
            raise InputError("Please pick one of the buttons.")
        key = ANSWER_KEYS[step][0]
        if step in YES_NO_STEPS:
            self.answers[key] = value == "yes"
        else:
            self.answers[key] = value
        if step is Step.ACCOUNT_BC and value == "no":
            self.answers["bc_id"] = None
        self._advance()
        return []

    def submit_text(self, text: str, today: date, locale: str = "en") -> list[Note]:
        """Take typed text as the answer to the current step; raise InputError if unusable.

        `locale` is the chat's language code: amounts and dates are read the way it
        writes them (``1.234,56``, ``09.11.2026``, ``3 ноября``)."""
        step = self.step
        spec = self.spec
        if self.pending is not None:
            raise InputError("Please pick one of the dates on the buttons, or type it again.")
        if spec.kind is Kind.DATE:
            return self._answer_date(step, text, today, locale)
        if step in _AMOUNT_STEPS:
            notes = _parse_amount(self, text, locale)
            self.answers.pop("charges", None)  # a typed amount is about one charge
            self._advance()
            return notes
        parser = _TEXT_PARSERS.get(step)
        if parser is None:
            if spec.kind is Kind.FILES:
                raise InputError("Send a photo or a file, or tap Done when you're finished.")
            raise InputError("Please pick one of the buttons.")
        notes = parser(self, text)
        self._advance()
        return notes

    def skip(self) -> None:
        """Skip an optional step, recording that it was asked."""
        if not self.spec.optional:
            raise InputError("This one I need to judge your case — please answer it.")
        for key in ANSWER_KEYS[self.step]:
            self.answers.setdefault(key, None)
        if self.step is Step.EVIDENCE:
            self.answers.setdefault("evidence", [])
        self._advance()

    def add_evidence(
        self, file_id: str, kind: str, caption: str | None, name: str | None
    ) -> tuple[int, bool]:
        """Keep a photo or document (by its file id) as evidence, at any step.

        Returns how many files there are and whether the caption or file name held
        a full card number (masked before it is kept; the user should be told).
        """
        if self.finished:
            raise InputError("This case is finished — send /new to start another.")
        had_card = any(contains_card_number(t) for t in (caption, name) if t)
        items: list[dict[str, Any]] = self.answers.setdefault("evidence", [])
        if not any(item["file_id"] == file_id for item in items):
            items.append(
                {
                    "file_id": file_id,
                    "kind": kind,
                    "caption": _clean_or_none(caption, 300),
                    "name": _clean_or_none(name, 120),
                }
            )
        return len(items), had_card

    def tag_evidence(self, index: int, what: str) -> None:
        """Note which checklist item a file is (for the checklist and the message)."""
        items: list[dict[str, Any]] = self.answers.get("evidence") or []
        if not 0 <= index < len(items):
            raise InputError("That file isn't here any more.")
        items[index]["covers"] = what

    def evidence_done(self) -> None:
        """Finish the evidence step (with or without files)."""
        self.answers.setdefault("evidence", [])
        self._advance()

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

    @property
    def only_account(self) -> bool:
        """Whether this intake only adds or edits an ad account (from /accounts)."""
        return self.answers.get("_purpose") == "account"

    def edit_account(self, account: dict[str, Any]) -> None:
        """Start editing a saved account: its answers filled in, the list of fields shown."""
        for key in ACCOUNT_FIELDS:
            self.answers[key] = account.get(key)
        self.answers["account_ref"] = account.get("ref")
        self.answers["_purpose"] = "account"
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
            following = _next_step(self, step)
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

    # --- internals -----------------------------------------------------------

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

    def _answer_date(self, step: Step, text: str, today: date, locale: str) -> list[Note]:
        if step is Step.CHARGE_DATE:
            # A typed charge is no longer the imported row whose status was known, nor
            # the several charges of an import's flag.
            self.answers.pop("charge_status", None)
            self.answers.pop("charges", None)
        first = _date_or_none(self.answers.get("charge_date"))
        parsed: When | Ambiguous | None = None
        if step is Step.OTHER_CHARGE and first is not None:
            # "same day", "a few minutes later": told from the first charge.
            first_when = When(first, _time_or_none(self.answers.get("charge_time")))
            parsed = parse_after(text, first_when, today, locale=locale)
        if parsed is None:
            parsed = parse_when(
                text,
                today,
                max_age_days=MAX_CHARGE_AGE_DAYS,
                allow_time=step in (Step.CHARGE_DATE, Step.OTHER_CHARGE),
                locale=locale,
            )
        if isinstance(parsed, Ambiguous):
            self.pending = [_when_to_json(option) for option in parsed.options]
            return [Note("ambiguous_date")]
        self._store_when(step, parsed)
        return self._after_date(step)

    def _choose_pending(self, value: str) -> list[Note]:
        assert self.pending is not None
        index = whole_number(value, most_digits=2)
        if index is None or index >= len(self.pending):
            raise InputError("Please pick one of the dates on the buttons.")
        chosen = self.pending[index]
        self.pending = None
        when = When(date.fromisoformat(str(chosen["day"])), _time_or_none(chosen["at"]))
        self._store_when(self.step, when)
        return self._after_date(self.step)

    def _after_date(self, step: Step) -> list[Note]:
        notes: list[Note] = []
        charge_day = _date_or_none(self.answers.get("charge_date"))
        if step is Step.PAUSED_ON and charge_day is not None:
            paused = _date_or_none(self.answers.get("paused_on"))
            if paused is not None and paused > charge_day:
                notes.append(Note("paused_after_charge"))
        if step is Step.OTHER_CHARGE and charge_day is not None:
            # Two charges on one day without times are a pair like any other (the verdict
            # does not need the times); only the very same minute is the same charge.
            other_time = self.answers.get("other_time")
            if (
                self.answers.get("other_date") == self.answers.get("charge_date")
                and other_time is not None
                and other_time == self.answers.get("charge_time")
            ):
                self.answers.pop("other_date", None)
                self.answers.pop("other_time", None)
                raise InputError(
                    "That's the same date and time as the first charge. When was the other one?"
                )
        self._advance()
        return notes

    def _store_when(self, step: Step, when: When) -> None:
        keys = ANSWER_KEYS[step]
        self.answers[keys[0]] = when.day.isoformat()
        if len(keys) > 1:
            self.answers[keys[1]] = when.at.strftime("%H:%M") if when.at else None

    def _answer_noticed_button(self, value: str, today: date) -> list[Note]:
        if value == "today":
            day = today
        elif value == "yesterday":
            day = date.fromordinal(today.toordinal() - 1)
        elif value == "charge_day" and self.answers.get("charge_date"):
            day = date.fromisoformat(self.answers["charge_date"])
        else:
            raise InputError("Please pick one of the buttons, or type a date.")
        self.answers["noticed"] = day.isoformat()
        self._advance()
        return []


def _asks_method(step: Step) -> Callable[[Intake], bool]:
    def asks(self: Intake) -> bool:
        return self.asks(step)

    asks.__name__ = f"asks_{step}"
    return asks


# One condition per account question (the transition table names them: asks_account_bc, ...).
for _step in ACCOUNT_QUESTIONS:
    setattr(Intake, f"asks_{_step}", _asks_method(_step))


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


def _next_step(intake: Intake, step: Step, trigger: str = "next") -> Step | None:
    """Where `trigger` leads from `step` for these answers: the first transition whose
    conditions hold (as the machine picks it), or None."""
    transitions = MACHINE.events[trigger].transitions.get(step.name, [])
    for transition in transitions:
        if all(bool(getattr(intake, str(c.func))()) == c.target for c in transition.conditions):
            return Step[str(transition.dest)]
    return None


def _parse_account_id(intake: Intake, text: str) -> list[Note]:
    intake.answers["advertiser_id"] = parse_advertiser_id(text)
    return []


def _parse_account_name(intake: Intake, text: str) -> list[Note]:
    intake.answers["account_name"] = clean_text(text, max_len=80)
    return []


def _parse_bc_id(intake: Intake, text: str) -> list[Note]:
    intake.answers["bc_id"] = parse_business_center_id(text)
    return []


def _parse_currency(intake: Intake, text: str) -> list[Note]:
    code = text.strip().upper()
    if code not in KNOWN_CURRENCIES:
        raise InputError("Type the currency as its 3-letter code, like USD or EUR.")
    intake.answers["currency"] = code
    return []


def _parse_region(intake: Intake, text: str) -> list[Note]:
    intake.answers["region"] = parse_region(text)
    return []


def _parse_amount(intake: Intake, text: str, locale: str) -> list[Note]:
    if contains_card_number(text):
        raise InputError(
            "That looks like a card number, and I never keep those. What was the amount "
            "charged? Type it like 120.50 USD."
        )
    money = parse_amount(text, intake.answers.get("currency"), locale, ask_when_unclear=True)
    intake.answers["amount"] = str(money.amount)
    intake.answers["amount_currency"] = money.currency
    intake.answers["amount_text"] = clean_text(text, max_len=60)
    notes = []
    account_currency = intake.answers.get("currency")
    if account_currency and money.currency != account_currency:
        notes.append(Note("currency_differs", account_currency))
    return notes


def _parse_card(intake: Intake, text: str) -> list[Note]:
    last4, was_full = parse_card_last4(text)
    intake.answers["card_last4"] = last4
    return [Note("card_masked", last4)] if was_full else []


def _parse_invoice(intake: Intake, text: str) -> list[Note]:
    intake.answers["invoice_number"] = parse_invoice_number(text)
    return []


def _parse_other_invoice(intake: Intake, text: str) -> list[Note]:
    number = parse_invoice_number(text)
    if number == intake.answers.get("invoice_number"):
        raise InputError("That's the first charge's document number. What's the other one's?")
    intake.answers["other_invoice"] = number
    return []


def _parse_campaigns(intake: Intake, text: str) -> list[Note]:
    intake.answers["campaign_ids"] = list(parse_campaign_ids(text))
    return []


Parser = Callable[[Intake, str], list[Note]]


def _free_text(key: str, max_len: int) -> Parser:
    def parse(intake: Intake, text: str) -> list[Note]:
        intake.answers[key] = clean_text(text, max_len=max_len)
        return []

    return parse


def _parse_ticket(intake: Intake, text: str) -> list[Note]:
    intake.answers["ticket"] = parse_ticket(text)
    return []


# Steps answered with an amount, read in the chat's locale (see Intake.submit_text).
_AMOUNT_STEPS = frozenset({Step.CHARGE_AMOUNT, Step.BALANCE})

_TEXT_PARSERS: dict[Step, Parser] = {
    Step.ACCOUNT_ID: _parse_account_id,
    Step.ACCOUNT_NAME: _parse_account_name,
    Step.ACCOUNT_BC_ID: _parse_bc_id,
    Step.ACCOUNT_CURRENCY: _parse_currency,
    Step.ACCOUNT_REGION: _parse_region,
    Step.CHARGE_CARD: _parse_card,
    Step.CHARGE_INVOICE: _parse_invoice,
    Step.CHARGE_CAMPAIGNS: _parse_campaigns,
    Step.OTHER_INVOICE: _parse_other_invoice,
    Step.INVOICE_PROBLEM: _free_text("invoice_problem", 1000),
    Step.STORY: _free_text("story", 1000),
    Step.TICKET: _parse_ticket,
}


def _clean_or_none(text: str | None, max_len: int) -> str | None:
    if not text:
        return None
    # Mask before any cut, so a card number is never split into an unmasked part.
    masked = mask_card_numbers(text)
    for candidate in (masked, masked[:max_len]):
        try:
            return clean_text(candidate, max_len=max_len)
        except InputError:
            continue
    # A caption that cleans to nothing is not worth losing the file over.
    return None


def _date_or_none(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _charge_status(value: str | None) -> ChargeStatus | None:
    """An imported row's status; a word the export used that is none of TikTok's three
    is treated as unknown (the charge is judged as if it went through)."""
    try:
        return ChargeStatus(value) if value else None
    except ValueError:
        return None


def _time_or_none(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def _when_to_json(when: When) -> dict[str, str | None]:
    return {"day": when.day.isoformat(), "at": when.at.strftime("%H:%M") if when.at else None}


def attached(intake: Intake) -> AbstractContextManager[Intake]:
    """Attach `intake` to the shared machine for the length of one update (re-entrant)."""
    return attach_model(MACHINE, intake, intake.state)

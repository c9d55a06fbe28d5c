"""Shared by the intake-machine tests (test_intake_*.py): a saved account, a valid answer for
each question, and a user who starts an intake and answers until the review."""

from __future__ import annotations

from datetime import date

from conversations.facts import AccountStatus, Appeal, Billing, PaidVia, Reason, SpendAfterPause
from conversations.intake import (
    Intake,
    Step,
    attached,
)

TODAY = date(2026, 11, 26)
ACCOUNT = {
    "ref": 1,
    "advertiser_id": "7289000011112221010",
    "account_name": "Northwind",
    "billing": Billing.AUTOMATIC,
    "in_bc": False,
    "bc_id": None,
    "currency": "USD",
    "account_status": AccountStatus.ACTIVE,
    "paid_via": PaidVia.TIKTOK,
    "region": None,
}

# A valid answer for each question, as a user would give it.
ANSWERS: dict[Step, tuple[str, str]] = {
    Step.ACCOUNT_REGION: ("skip", ""),
    Step.CHARGE_DATE: ("text", "9 Nov 10:02"),
    Step.CHARGE_AMOUNT: ("text", "189.90 USD"),
    Step.BALANCE: ("text", "420 USD"),
    Step.CHARGE_CARD: ("text", "1881"),
    Step.CHARGE_INVOICE: ("text", "BDUS2026550101"),
    Step.CHARGE_CAMPAIGNS: ("skip", ""),
    Step.OTHER_CHARGE: ("text", "9 Nov 10:08"),
    Step.OTHER_INVOICE: ("skip", ""),
    Step.PAUSED_ON: ("text", "5 Nov"),
    Step.SPEND_AFTER_PAUSE: ("choose", SpendAfterPause.NO),
    Step.INVOICE_PROBLEM: ("text", "Billed 1,200 USD, spent 950 USD"),
    Step.STORY: ("text", "Delivery stopped on 8 Nov"),
    Step.WANT: ("choose", "money_back"),
    Step.APPEAL: ("choose", Appeal.PENDING),
    Step.ADMIN: ("choose", "yes"),
    Step.ADDED_BALANCE: ("choose", "yes"),
    Step.NOTICED: ("choose", "today"),
    Step.EVIDENCE: ("skip", ""),
}


def where(intake: Intake) -> Step:
    """The current step (a call, so mypy does not narrow it across triggers)."""
    return intake.step


def walk(intake: Intake) -> list[Step]:
    """Answer every question until the review; return the questions asked, in order."""
    asked: list[Step] = []
    with attached(intake):
        while intake.step is not Step.REVIEW:
            step = intake.step
            asked.append(step)
            kind, value = ANSWERS[step]
            if kind == "text":
                intake.submit_text(value, TODAY)
            elif kind == "choose":
                intake.choose(value, TODAY)
            else:
                intake.skip()
    return asked


def started(reason: Reason, **account: object) -> Intake:
    """The reason chosen first, then the saved account picked (if the reason needs one)."""
    intake = Intake()
    with attached(intake):
        intake.choose(reason, TODAY)
        if intake.step is Step.ACCOUNT:
            intake.use_account({**ACCOUNT, **account})
    return intake

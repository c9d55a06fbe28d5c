"""The intake machine's questions: which ones each reason asks, for a new or a saved account,
in order, and an honest step count."""

from __future__ import annotations

import pytest

from conversations.facts import AccountStatus, Appeal, Billing, PaidVia, Reason
from conversations.intake import (
    ACCOUNT_STEPS,
    SPECS,
    Intake,
    Kind,
    Purpose,
    Step,
    attached,
)
from tests.intake_walk import ACCOUNT, ANSWERS, TODAY, started, walk, where

CHARGE = [
    Step.CHARGE_DATE,
    Step.CHARGE_AMOUNT,
    Step.CHARGE_CARD,
    Step.CHARGE_INVOICE,
    Step.CHARGE_CAMPAIGNS,
]


@pytest.mark.parametrize(
    ("reason", "account", "expected"),
    [
        (
            Reason.DUPLICATE,
            {},
            [
                *CHARGE,
                Step.OTHER_CHARGE,
                Step.OTHER_INVOICE,
                Step.WANT,
                Step.NOTICED,
                Step.EVIDENCE,
            ],
        ),
        (Reason.UNRECOGNISED, {}, [*CHARGE, Step.WANT, Step.NOTICED, Step.EVIDENCE]),
        (
            Reason.AFTER_PAUSE,
            {},
            [*CHARGE, Step.PAUSED_ON, Step.SPEND_AFTER_PAUSE, Step.NOTICED, Step.EVIDENCE],
        ),
        (Reason.NOT_DELIVERED, {}, [*CHARGE, Step.STORY, Step.WANT, Step.NOTICED, Step.EVIDENCE]),
        (
            Reason.INVALID_TRAFFIC,
            {},
            [*CHARGE, Step.STORY, Step.WANT, Step.NOTICED, Step.EVIDENCE],
        ),
        (Reason.OTHER, {}, [*CHARGE, Step.STORY, Step.WANT, Step.NOTICED, Step.EVIDENCE]),
        # The saved account's country isn't known: a wrong invoice's note on when invoices
        # appear depends on it, so it is asked (optional) before the charge.
        (
            Reason.WRONG_INVOICE,
            {"billing": Billing.INVOICING},
            [
                Step.ACCOUNT_REGION,
                Step.CHARGE_DATE,
                Step.CHARGE_AMOUNT,
                Step.CHARGE_INVOICE,
                Step.CHARGE_CAMPAIGNS,
                Step.INVOICE_PROBLEM,
                Step.NOTICED,
                Step.EVIDENCE,
            ],
        ),
        # Automatic payment: only money added to the balance is refunded this way (T1).
        (
            Reason.UNUSED_BALANCE,
            {},
            [Step.BALANCE, Step.ADMIN, Step.ADDED_BALANCE, Step.EVIDENCE],
        ),
        (
            Reason.UNUSED_BALANCE,
            {"billing": Billing.MANUAL},
            [Step.BALANCE, Step.ADMIN, Step.EVIDENCE],
        ),
        (
            Reason.UNUSED_BALANCE,
            {"account_status": AccountStatus.SUSPENDED},
            [Step.BALANCE, Step.APPEAL],
        ),
        (Reason.SUSPENDED, {}, [Step.BALANCE, Step.APPEAL]),
        (
            Reason.WRONG_INVOICE,
            {"billing": Billing.INVOICING, "region": "JP"},
            [
                Step.CHARGE_DATE,
                Step.CHARGE_AMOUNT,
                Step.CHARGE_INVOICE,
                Step.CHARGE_CAMPAIGNS,
                Step.INVOICE_PROBLEM,
                Step.NOTICED,
                Step.EVIDENCE,
            ],
        ),
        # A duplicate on monthly invoicing: the note on invoice timing depends on the country.
        (
            Reason.DUPLICATE,
            {"billing": Billing.INVOICING},
            [
                Step.ACCOUNT_REGION,
                Step.CHARGE_DATE,
                Step.CHARGE_AMOUNT,
                Step.CHARGE_INVOICE,
                Step.CHARGE_CAMPAIGNS,
                Step.OTHER_CHARGE,
                Step.OTHER_INVOICE,
                Step.WANT,
                Step.NOTICED,
                Step.EVIDENCE,
            ],
        ),
        (Reason.POOR_RESULTS, {}, []),
        # No account, but where promo codes are self-serve depends on its country.
        (Reason.AD_CREDITS, {}, [Step.ACCOUNT_REGION]),
        (Reason.REJECTED_UNSPENT, {}, []),
    ],
)
def test_each_reason_asks_only_what_it_needs(
    reason: Reason, account: dict[str, object], expected: list[Step]
) -> None:
    """After the reason, exactly these questions are asked, in this order."""
    assert walk(started(reason, **account)) == expected


def test_won_appeal_goes_on_to_the_admin_question() -> None:
    """A won appeal continues as a balance refund: admin role, then evidence."""
    intake = started(Reason.SUSPENDED)
    with attached(intake):
        intake.submit_text("300 USD", TODAY)
        intake.choose(Appeal.WON, TODAY)
    assert where(intake) is Step.ADMIN


def test_a_non_admin_hears_the_verdict_before_being_asked_for_evidence() -> None:
    """Only an admin can ask for the balance back: answering "no" to the admin question
    goes straight to the verdict, with no evidence or further questions asked (issue 16
    B.8; before, the evidence question came first)."""
    intake = started(Reason.UNUSED_BALANCE)
    with attached(intake):
        intake.submit_text("420 USD", TODAY)
        intake.choose("no", TODAY)
    assert where(intake) is Step.REVIEW
    assert intake.facts().is_admin is False


def test_new_account_questions_in_order() -> None:
    """Adding an account on its own (/accounts) asks every fact: ID, name, who is paid,
    status, billing, BC (and its ID if in one), currency, and last the country (optional);
    then it is done."""
    intake = Intake()
    intake.purpose = Purpose.ACCOUNT
    with attached(intake):
        intake.begin_new_account()
        seen = [intake.step]
        intake.submit_text("7289000011112221010", TODAY)
        seen.append(intake.step)
        intake.submit_text("Northwind", TODAY)
        seen.append(intake.step)
        intake.choose(PaidVia.AGENCY, TODAY)
        seen.append(intake.step)
        intake.choose(AccountStatus.ACTIVE, TODAY)
        seen.append(intake.step)
        intake.choose(Billing.MANUAL, TODAY)
        seen.append(intake.step)
        intake.choose("yes", TODAY)
        seen.append(intake.step)
        intake.skip()
        seen.append(intake.step)
        intake.submit_text("chf", TODAY)
        seen.append(intake.step)
        intake.submit_text("Japón", TODAY)
        seen.append(intake.step)
    assert seen == [
        Step.ACCOUNT_ID,
        Step.ACCOUNT_NAME,
        Step.ACCOUNT_PAID_VIA,
        Step.ACCOUNT_STATUS,
        Step.ACCOUNT_BILLING,
        Step.ACCOUNT_BC,
        Step.ACCOUNT_BC_ID,
        Step.ACCOUNT_CURRENCY,
        Step.ACCOUNT_REGION,
        Step.DONE,
    ]
    assert intake.answers["in_bc"] is True and intake.answers["bc_id"] is None
    assert intake.answers["currency"] == "CHF"
    assert intake.answers["region"] == "JP"  # "Japón" typed: read in any language the bot speaks


def _new_account_questions(reason: Reason, *choices: str) -> list[Step]:
    """The reason first, then a new account: the account questions asked, answering each
    choice question with the first of `choices` it offers (else its first button)."""
    intake = Intake()
    asked: list[Step] = []
    with attached(intake):
        intake.choose(reason, TODAY)
        if intake.step is Step.ACCOUNT:
            intake.begin_new_account()
        while intake.step in ACCOUNT_STEPS:
            step = intake.step
            asked.append(step)
            if step is Step.ACCOUNT_ID:
                intake.submit_text("7289000011112221010", TODAY)
            elif step is Step.ACCOUNT_BC_ID:
                intake.skip()
            else:
                offered = SPECS[step].choices
                intake.choose(next((c for c in choices if c in offered), offered[0]), TODAY)
    return asked


PAID = Step.ACCOUNT_PAID_VIA
REGION = Step.ACCOUNT_REGION


@pytest.mark.parametrize(
    ("reason", "choices", "expected"),
    [
        # The billing option decides a charge's verdict (POLICY.md rows 5, 11); the amount
        # asks for the currency. No status, no Business Center, no name.
        (
            Reason.DUPLICATE,
            (),
            [Step.ACCOUNT_ID, PAID, Step.ACCOUNT_BILLING, Step.ACCOUNT_CURRENCY],
        ),
        (
            Reason.UNRECOGNISED,
            (),
            [Step.ACCOUNT_ID, PAID, Step.ACCOUNT_BILLING, Step.ACCOUNT_CURRENCY],
        ),
        # When invoices appear differs by region (a note under the verdict): a wrong
        # invoice, and a charge queried on monthly invoicing, ask the country last.
        (
            Reason.WRONG_INVOICE,
            (),
            [Step.ACCOUNT_ID, PAID, Step.ACCOUNT_BILLING, Step.ACCOUNT_CURRENCY, REGION],
        ),
        (
            Reason.DUPLICATE,
            ("invoicing",),
            [Step.ACCOUNT_ID, PAID, Step.ACCOUNT_BILLING, Step.ACCOUNT_CURRENCY, REGION],
        ),
        (
            Reason.UNRECOGNISED,
            ("invoicing",),
            [Step.ACCOUNT_ID, PAID, Step.ACCOUNT_BILLING, Step.ACCOUNT_CURRENCY, REGION],
        ),
        (Reason.WRONG_INVOICE, ("agency",), [Step.ACCOUNT_ID, PAID, Step.ACCOUNT_CURRENCY]),
        # No verdict depends on the billing option: only who is paid and the currency.
        (Reason.AFTER_PAUSE, (), [Step.ACCOUNT_ID, PAID, Step.ACCOUNT_CURRENCY]),
        (Reason.NOT_DELIVERED, (), [Step.ACCOUNT_ID, PAID, Step.ACCOUNT_CURRENCY]),
        (Reason.OTHER, (), [Step.ACCOUNT_ID, PAID, Step.ACCOUNT_CURRENCY]),
        # An agency-paid account goes to the agency: nothing more about billing.
        (Reason.DUPLICATE, ("agency",), [Step.ACCOUNT_ID, PAID, Step.ACCOUNT_CURRENCY]),
        # The balance: status (suspended, closed), billing, and the Business Center for a
        # prepaid balance (rows 1, 2, 3).
        (
            Reason.UNUSED_BALANCE,
            ("manual", "no"),
            [
                Step.ACCOUNT_ID,
                PAID,
                Step.ACCOUNT_STATUS,
                Step.ACCOUNT_BILLING,
                Step.ACCOUNT_BC,
                Step.ACCOUNT_CURRENCY,
            ],
        ),
        (
            Reason.UNUSED_BALANCE,
            ("manual", "yes"),
            [
                Step.ACCOUNT_ID,
                PAID,
                Step.ACCOUNT_STATUS,
                Step.ACCOUNT_BILLING,
                Step.ACCOUNT_BC,
                Step.ACCOUNT_BC_ID,
                Step.ACCOUNT_CURRENCY,
            ],
        ),
        # Monthly invoicing has no prepaid balance: no Business Center question.
        (
            Reason.UNUSED_BALANCE,
            ("invoicing",),
            [
                Step.ACCOUNT_ID,
                PAID,
                Step.ACCOUNT_STATUS,
                Step.ACCOUNT_BILLING,
                Step.ACCOUNT_CURRENCY,
            ],
        ),
        # "Account suspended" says the status already.
        (
            Reason.SUSPENDED,
            ("manual", "no"),
            [Step.ACCOUNT_ID, PAID, Step.ACCOUNT_BILLING, Step.ACCOUNT_BC, Step.ACCOUNT_CURRENCY],
        ),
        # The reason alone decides: no account at all. Ad credits asks only the country
        # (where promo codes are self-serve depends on it).
        (Reason.POOR_RESULTS, (), []),
        (Reason.AD_CREDITS, (), [REGION]),
        (Reason.REJECTED_UNSPENT, (), []),
    ],
)
def test_a_new_account_is_asked_only_what_its_reason_needs(
    reason: Reason, choices: tuple[str, ...], expected: list[Step]
) -> None:
    """Issue 16 A.5: what went wrong comes first; a new account is then asked only the
    facts that reason's verdict and message use."""
    assert _new_account_questions(reason, *choices) == expected


def test_a_saved_account_is_asked_only_the_facts_it_lacks() -> None:
    """An account saved by a duplicate-charge case (no status, no Business Center) picked for
    an unused balance: only those two are asked, then the balance."""
    intake = Intake()
    partial = {k: v for k, v in ACCOUNT.items() if k not in ("account_status", "in_bc", "bc_id")}
    partial["billing"] = Billing.MANUAL
    asked = []
    with attached(intake):
        intake.choose(Reason.UNUSED_BALANCE, TODAY)
        intake.use_account({**partial, "account_status": None, "in_bc": None})
        while intake.step in ACCOUNT_STEPS:
            asked.append(intake.step)
            intake.choose("no" if intake.step is Step.ACCOUNT_BC else AccountStatus.ACTIVE, TODAY)
    assert asked == [Step.ACCOUNT_STATUS, Step.ACCOUNT_BC]
    assert where(intake) is Step.BALANCE


def test_the_step_count_is_honest_and_never_goes_back() -> None:
    """ "Step N of M": N counts the questions passed (up by one per answer, down only by
    Back), M the steps of this path as the answers tell it, the verdict included."""
    intake = Intake()
    seen = [intake.progress()]
    with attached(intake):
        intake.choose(Reason.DUPLICATE, TODAY)
        intake.begin_new_account(from_menu=False)
        for answer in ("7289000011112221010", PaidVia.TIKTOK, Billing.INVOICING, "USD"):
            seen.append(intake.progress())
            if intake.spec.kind is Kind.CHOICE:
                intake.choose(answer, TODAY)
            else:
                intake.submit_text(answer, TODAY)
        while intake.step is not Step.REVIEW:
            seen.append(intake.progress())
            kind, value = ANSWERS[intake.step]
            if kind == "text":
                intake.submit_text(value, TODAY)
            elif kind == "choose":
                intake.choose(value, TODAY)
            else:
                intake.skip()
        seen.append(intake.progress())
        numbers = [n for n, _total in seen]
        assert numbers == list(range(1, len(seen) + 1))
        # Invoicing: no card question; the count says so from the billing answer on.
        assert seen[0] == (1, None)
        assert all(total == len(seen) for _n, total in seen[4:])
        assert intake.back() is True
        assert intake.progress()[0] == len(seen) - 1

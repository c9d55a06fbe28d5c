"""The intake machine: which questions each reason asks, Back, Skip and changing an answer."""
# Over 400 lines: every reason's question path side by side, on one walker.

from __future__ import annotations

from datetime import date

import pytest

from conversations.facts import AccountStatus, Appeal, Billing, PaidVia, Reason, SpendAfterPause
from conversations.intake import (
    ACCOUNT_STEPS,
    MACHINE,
    SPECS,
    TRANSITIONS,
    Intake,
    Kind,
    Purpose,
    Step,
    attached,
)
from conversations.texts import InputError

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


def test_an_intake_begun_in_the_old_order_carries_on() -> None:
    """An intake stored by the old order (account first) mid-account, without a reason: its
    step still loads; the next answer leads to the reason, then what the reason still needs."""
    intake = Intake(
        state=Step.ACCOUNT_STATUS,
        answers={
            "advertiser_id": "7289000011112221010",
            "account_name": "Northwind",
            "billing": "automatic",
            "in_bc": False,
            "bc_id": None,
            "currency": "USD",
        },
        history=[
            "account",
            "account_id",
            "account_name",
            "account_billing",
            "account_bc",
            "account_currency",
        ],
    )
    with attached(intake):
        intake.choose(AccountStatus.ACTIVE, TODAY)
        assert where(intake) is Step.REASON
        intake.choose(Reason.DUPLICATE, TODAY)
        assert where(intake) is Step.ACCOUNT_PAID_VIA
        intake.choose(PaidVia.TIKTOK, TODAY)
        assert where(intake) is Step.CHARGE_DATE
        assert intake.back() and where(intake) is Step.ACCOUNT_PAID_VIA
        assert intake.back() and where(intake) is Step.REASON


def test_unknown_currency_code_is_refused() -> None:
    """A made-up currency code is refused and the question stays."""
    intake = Intake(state=Step.ACCOUNT_CURRENCY)
    with attached(intake), pytest.raises(InputError):
        intake.submit_text("XYZQ", TODAY)
    assert where(intake) is Step.ACCOUNT_CURRENCY


def test_back_keeps_answers_and_stops_at_the_first_question() -> None:
    """Back returns step by step without losing answers; at the start it says so."""
    intake = started(Reason.DUPLICATE)
    with attached(intake):
        intake.submit_text("9 Nov 10:02", TODAY)
        assert intake.back() is True
        assert where(intake) is Step.CHARGE_DATE
        assert intake.answers["charge_date"] == "2026-11-09"
        assert intake.back() is True
        assert where(intake) is Step.ACCOUNT
        assert intake.back() is True
        assert where(intake) is Step.REASON
        assert intake.back() is False
    assert intake.answers["reason"] == Reason.DUPLICATE


def test_skip_only_where_optional() -> None:
    """A required question can't be skipped; an optional one records None."""
    intake = started(Reason.DUPLICATE)
    with attached(intake):
        with pytest.raises(InputError):
            intake.skip()
        intake.submit_text("9 Nov", TODAY)
        intake.submit_text("10 USD", TODAY)
        intake.skip()
    assert intake.answers["card_last4"] is None
    assert where(intake) is Step.CHARGE_INVOICE


def test_full_card_number_keeps_only_last_four() -> None:
    """A full card number typed at the card question keeps only its last 4 digits."""
    intake = started(Reason.DUPLICATE)
    with attached(intake):
        intake.submit_text("9 Nov", TODAY)
        intake.submit_text("10 USD", TODAY)
        notes = intake.submit_text("4111 1111 1111 1111", TODAY)
    assert intake.answers["card_last4"] == "1111"
    assert [n.key for n in notes] == ["card_masked"]


def test_ambiguous_date_waits_for_a_pick() -> None:
    """03/11/2026 keeps the question open with two readings until one is picked."""
    intake = started(Reason.DUPLICATE)
    with attached(intake):
        notes = intake.submit_text("03/11/2026", TODAY)
        assert [n.key for n in notes] == ["ambiguous_date"]
        assert where(intake) is Step.CHARGE_DATE
        assert intake.pending is not None
        with pytest.raises(InputError):
            intake.submit_text("189 USD", TODAY)
        intake.choose("1", TODAY)
    assert intake.answers["charge_date"] == "2026-03-11"
    assert where(intake) is Step.CHARGE_AMOUNT


def test_the_other_charge_cannot_be_the_first_one() -> None:
    """The other charge of a duplicate pair must differ from the first."""
    intake = started(Reason.DUPLICATE)
    walk_until = [Step.OTHER_CHARGE]
    with attached(intake):
        while intake.step not in walk_until:
            kind, value = ANSWERS[intake.step]
            if kind == "text":
                intake.submit_text(value, TODAY)
            else:
                intake.skip()
        with pytest.raises(InputError):
            intake.submit_text("9 Nov 10:02", TODAY)
    assert where(intake) is Step.OTHER_CHARGE


def test_edit_fast_forwards_over_answered_questions() -> None:
    """Changing the amount from the review asks only the amount, then returns to review."""
    intake = started(Reason.DUPLICATE)
    walk(intake)
    with attached(intake):
        intake.start_edit()
        assert Step.CHARGE_AMOUNT in intake.editable_steps()
        intake.edit_step(Step.CHARGE_AMOUNT)
        intake.submit_text("199 USD", TODAY)
    assert where(intake) is Step.REVIEW
    assert intake.answers["amount"] == "199.00"
    assert intake.answers["other_date"] == "2026-11-09"


def test_edit_reason_asks_the_new_reasons_questions() -> None:
    """Changing the reason asks the questions the new reason needs and no others."""
    intake = started(Reason.DUPLICATE)
    walk(intake)
    with attached(intake):
        intake.start_edit()
        intake.edit_step(Step.REASON)
        intake.choose(Reason.AFTER_PAUSE, TODAY)
        assert where(intake) is Step.PAUSED_ON
        intake.submit_text("5 Nov", TODAY)
        intake.choose(SpendAfterPause.YES, TODAY)
    assert where(intake) is Step.REVIEW
    assert intake.facts().spend_after_pause is SpendAfterPause.YES


def test_facts_are_typed_from_the_answers() -> None:
    """facts() turns stored answers into the engine's typed Facts."""
    intake = started(Reason.AFTER_PAUSE)
    walk(intake)
    facts = intake.facts()
    assert facts.reason is Reason.AFTER_PAUSE
    assert facts.billing is Billing.AUTOMATIC
    assert facts.charge_date == date(2026, 11, 9)
    assert facts.charge_amount is not None and str(facts.charge_amount.amount) == "189.90"
    assert facts.paused_on == date(2026, 11, 5)
    assert facts.spend_after_pause is SpendAfterPause.NO


def test_cancel_from_any_unfinished_step() -> None:
    """Cancel is possible from every question and ends the intake."""
    for step in Step:
        if step in (Step.DONE, Step.CANCELLED):
            continue
        intake = Intake(state=step)
        with attached(intake):
            intake.abandon()
        assert intake.finished


def test_every_state_is_reachable_and_specified() -> None:
    """Each state has a spec and appears in the transition table."""
    named = {t["dest"] for t in TRANSITIONS} | {Step.ACCOUNT, Step.EDIT}
    for step in Step:
        assert step in SPECS
        assert step in named or step is Step.ACCOUNT, step
    assert all(SPECS[s].kind is Kind.CHOICE for s in (Step.REASON, Step.APPEAL))


def test_attach_is_reentrant_and_detaches() -> None:
    """Nested attach of the same intake is harmless and leaves the machine empty."""
    intake = Intake()
    with attached(intake), attached(intake):
        assert intake in MACHINE.models
    assert intake not in MACHINE.models


def _at_other_charge(first: str) -> Intake:
    intake = started(Reason.DUPLICATE)
    with attached(intake):
        intake.submit_text(first, TODAY)
        intake.submit_text("250 USD", TODAY)
        for _step in range(3):  # card, document number, campaign IDs
            intake.skip()
    assert where(intake) is Step.OTHER_CHARGE
    return intake


@pytest.mark.parametrize(
    ("first", "other", "other_time"),
    [
        ("yesterday", "yesterday", None),
        ("yesterday", "same day", None),
        ("yesterday", "yesterday, a few minutes later", None),
        ("yesterday", "same day, 10:06am", "10:06"),
        ("yesterday 10:00", "6 minutes later", "10:06"),
    ],
)
def test_a_same_day_pair_needs_no_times(first: str, other: str, other_time: str | None) -> None:
    """Issue 16 A.2: two charges on one day without times are a pair (the verdict does not
    need the times); "same day" and "minutes later" are read from the first charge."""
    intake = _at_other_charge(first)
    with attached(intake):
        intake.submit_text(other, TODAY)
    assert where(intake) is Step.OTHER_INVOICE
    assert (intake.answers["other_date"], intake.answers["other_time"]) == (
        "2026-11-25",
        other_time,
    )
    facts = intake.facts()
    assert facts.other_charge_date == facts.charge_date


def test_the_same_minute_twice_is_refused() -> None:
    intake = _at_other_charge("yesterday 10:00")
    with attached(intake), pytest.raises(InputError, match="same date and time"):
        intake.submit_text("same day 10:00", TODAY)
    assert where(intake) is Step.OTHER_CHARGE


def test_an_intake_of_the_previous_version_takes_its_bookkeeping_out_of_its_answers() -> None:
    """An intake (or case) saved when the bookkeeping lived among the answers: each key
    sets its field (unless the field is set already), and leaves the answers."""
    old = {
        "reason": "duplicate",
        "_purpose": "account",
        "_saved_accounts": True,
        "_message_language": "id",
        "_signing": True,
    }
    intake = Intake(state=Step.REVIEW, answers=old)
    assert intake.answers == {"reason": "duplicate"}
    assert intake.purpose is Purpose.ACCOUNT and intake.only_account
    assert intake.saved_accounts_offered and intake.signing
    assert intake.message_language == "id"
    assert "_purpose" in old, "the dict handed in is left as it was"
    kept = Intake(answers={"_message_language": "es"}, message_language="ru")
    assert (kept.message_language, kept.answers) == ("ru", {})
    assert Intake().purpose is None and not Intake().saved_accounts_offered

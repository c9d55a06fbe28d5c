"""The eligibility engine's details against the real policy data: the charge-age warnings,
that every case gets a verdict, and the rulebook's details (issue 16)."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from conversations.eligibility import (
    assess,
    charge_age_warning,
    first_matching_situation,
)
from conversations.facts import (
    AccountStatus,
    AddedBalance,
    Appeal,
    Billing,
    ChargeStatus,
    Facts,
    Finding,
    Money,
    Outcome,
    PaidVia,
    Reason,
    SpendAfterPause,
)
from conversations.findings import NearbyCharge, others_near_pair, raised_promptly
from conversations.policy import Policy
from conversations.texts import PolicyText
from tests.eligibility_facts import (
    BLOCKED,
    CATCH_ALL,
    NO,
    TODAY,
    B,
    P,
    R,
    days_ago,
    facts,
)

# --- the charge-age warning ---------------------------------------------------------------

LATENESS = [
    pytest.param(3, "fresh", id="3-days"),
    pytest.param(8, "over_7", id="8-days"),
    pytest.param(31, "over_30", id="31-days"),
    pytest.param(61, "over_60", id="61-days"),
]


def lateness_text(policy: Policy, key: str, days: int) -> str:
    raw = policy.lateness.fresh if key == "fresh" else dict(policy.lateness.over)[int(key[5:])]
    return raw.format_map({**policy.timing.placeholders(), "days": days})


@pytest.mark.parametrize(("days", "key"), LATENESS)
def test_lateness_warning_follows_the_charge_age(policy: Policy, days: int, key: str) -> None:
    """A charge 3, 8, 31 or 61 days old gets the fresh, >7, >30 or >60 day warning, first."""
    verdict = assess(facts(R.DUPLICATE, charge_date=days_ago(days)), policy, TODAY)
    expected = lateness_text(policy, key, days)
    assert verdict.warnings[0] == expected
    assert charge_age_warning(days_ago(days), TODAY, policy) == expected


def test_lateness_warnings_differ_and_name_the_age(policy: Policy) -> None:
    """The four charge-age warnings are all different, and the late ones say how old it is."""
    texts = [charge_age_warning(days_ago(d), TODAY, policy) for d in (3, 8, 31, 61)]
    assert len(set(texts)) == 4
    assert texts[0] == (
        "Report it soon — within 7 days to be safe. TikTok publishes no deadline; "
        "other ad platforms allow 30–60 days."
    )
    for days, text in zip((8, 31, 61), texts[1:], strict=True):
        assert f"{days} days old" in text
        # Translated from the text as written, filled in with the same age.
        assert isinstance(text, PolicyText)
        assert "{days}" in text.template
        assert text.params["days"] == days


@pytest.mark.parametrize(
    ("days", "key"),
    [(0, "fresh"), (7, "fresh"), (30, "over_7"), (60, "over_30")],
)
def test_lateness_steps_start_after_the_limit(policy: Policy, days: int, key: str) -> None:
    """A charge exactly 7, 30 or 60 days old still gets the milder warning."""
    assert charge_age_warning(days_ago(days), TODAY, policy) == lateness_text(policy, key, days)


def test_not_eligible_gets_no_lateness_warning(policy: Policy) -> None:
    """A "not refundable" verdict is not told to hurry, however old the charge."""
    verdict = assess(
        facts(R.AFTER_PAUSE, spend_after_pause=SpendAfterPause.NO, charge_date=days_ago(61)),
        policy,
        TODAY,
    )
    assert verdict.outcome is NO
    assert verdict.warnings == (policy.warnings["chargeback"],)


def test_blocked_dispute_keeps_its_lateness_warning(policy: Policy) -> None:
    """A charge dispute blocked until the agency is asked still warns about the charge's age."""
    verdict = assess(facts(R.DUPLICATE, paid_via=P.AGENCY, charge_date=days_ago(8)), policy, TODAY)
    assert verdict.outcome is BLOCKED
    assert verdict.warnings == (charge_age_warning(days_ago(8), TODAY, policy),)


def test_future_charge_gets_no_lateness_warning(policy: Policy) -> None:
    """A charge dated after today gets no age warning (and the function returns "")."""
    tomorrow = TODAY + timedelta(days=1)
    assert charge_age_warning(tomorrow, TODAY, policy) == ""
    verdict = assess(facts(R.DUPLICATE, charge_date=tomorrow), policy, TODAY)
    assert verdict.warnings == (
        policy.warnings["verification_charge"],
        policy.warnings["chargeback"],
    )


def test_no_charge_date_no_lateness_warning(policy: Policy) -> None:
    """Without a charge date there is nothing to age, so no age warning."""
    verdict = assess(facts(R.NOT_DELIVERED), policy, TODAY)
    assert verdict.warnings == (
        policy.warnings["credits_not_refunded"],
        policy.warnings["chargeback"],
    )


# --- every case gets a verdict --------------------------------------------------------------


def every_combination() -> list[Facts]:
    """All enum values of every matched fact, with None where the fact may be unknown."""
    return [
        Facts(
            reason=reason,
            billing=billing,
            in_business_center=in_bc,
            account_status=status,
            paid_via=paid_via,
            appeal=appeal,
            is_admin=is_admin,
            spend_after_pause=spend,
            added_balance=added,
            charge_status=status_of_charge,
        )
        for (
            reason,
            billing,
            in_bc,
            status,
            paid_via,
            appeal,
            is_admin,
            spend,
            (added, status_of_charge),
        ) in itertools.product(
            Reason,
            Billing,
            (True, False),
            AccountStatus,
            PaidVia,
            (*Appeal, None),
            (True, False, None),
            (*SpendAfterPause, None),
            # One of the two at a time: a charge has a status, a balance a top-up answer.
            [(None, None), *((a, None) for a in AddedBalance), *((None, c) for c in ChargeStatus)],
        )
    ]


def test_every_combination_gets_a_verdict(policy: Policy) -> None:
    """Every combination of enum values (and unknowns) is matched, and every entry is reachable."""
    reached: set[str] = set()
    for case in every_combination():
        verdict = assess(case, policy, TODAY)
        assert verdict.outcome in Outcome
        reached.add(verdict.situation)
        # Only "Something else" may fall through to the catch-all; any other
        # reason landing there means an entry is missing or mis-ordered.
        if case.reason is not Reason.OTHER:
            assert verdict.situation != CATCH_ALL, case
    assert reached == {s.id for s in policy.situations}


def test_assess_is_pure(policy: Policy) -> None:
    """The same facts, policy and day always give the same verdict."""
    case = facts(R.DUPLICATE, charge_date=days_ago(10))
    assert assess(case, policy, TODAY) == assess(case, policy, TODAY)


# --- issue 16: the rulebook's details ------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome", "situation"),
    [
        (ChargeStatus.FAILED, Outcome.NOT_ELIGIBLE, "charge_failed"),
        (ChargeStatus.PROCESSING, Outcome.BLOCKED, "charge_processing"),
    ],
)
@pytest.mark.parametrize("paid_via", list(PaidVia))
@pytest.mark.parametrize("reason", [R.DUPLICATE, R.UNRECOGNISED, R.OTHER, R.NOT_DELIVERED])
def test_a_charge_that_took_no_money_gets_no_refund_request(
    policy: Policy,
    status: ChargeStatus,
    outcome: Outcome,
    situation: str,
    paid_via: PaidVia,
    reason: Reason,
) -> None:
    """POLICY.md §1.4: a Failed or Processing charge took no money (yet). The verdict says
    so and names no message to send, whoever was paid (issue 16 B.4)."""
    verdict = assess(
        facts(reason, paid_via=paid_via, charge_status=status, charge_date=days_ago(2)),
        policy,
        TODAY,
    )
    assert (verdict.outcome, verdict.situation) == (outcome, situation)
    assert verdict.template is None and verdict.recipient == ""
    assert "no money" in verdict.title
    success = assess(facts(reason, charge_status=ChargeStatus.SUCCESS), policy, TODAY)
    assert success.template is not None


@pytest.mark.parametrize("added", [AddedBalance.NO, AddedBalance.UNSURE])
def test_automatic_payment_without_a_top_up_is_not_called_eligible(
    policy: Policy, added: AddedBalance
) -> None:
    """The balance refund covers manual payment and "automatic payment add balance": an
    automatic-payment account whose owner added no money to the balance (or isn't sure)
    is worth asking about, not "eligible" (issue 16 B.5)."""
    verdict = assess(facts(R.UNUSED_BALANCE, is_admin=True, added_balance=added), policy, TODAY)
    assert verdict.outcome is Outcome.NEEDS_REVIEW
    assert verdict.situation == "balance_automatic_no_top_up"
    assert any("Add balance" in line for line in verdict.reasons)
    topped_up = assess(
        facts(R.UNUSED_BALANCE, is_admin=True, added_balance=AddedBalance.YES), policy, TODAY
    )
    assert topped_up.outcome is Outcome.ELIGIBLE


def test_something_else_on_an_agency_account_goes_to_the_agency(policy: Policy) -> None:
    """Every problem with an agency-paid account goes to the agency first, "Something
    else" included (issue 16 B.7)."""
    for status in AccountStatus:
        verdict = assess(facts(R.OTHER, paid_via=PaidVia.AGENCY, status=status), policy, TODAY)
        assert verdict.recipient == "agency"
        assert verdict.template == "agency_refund"


def test_fresh_charges_are_told_to_report_within_seven_days(policy: Policy) -> None:
    """The rulebook's "within 7 days to be safe" is said for a fresh charge (B.11)."""
    assert "within 7 days to be safe" in charge_age_warning(days_ago(1), TODAY, policy)


def test_wrong_invoice_says_when_the_invoice_copy_arrives(policy: Policy) -> None:
    """T18: the invoice copy is emailed within 5 business days of a payment (B.11)."""
    verdict = assess(facts(R.WRONG_INVOICE, billing=B.AUTOMATIC), policy, TODAY)
    assert any("within 5 business days" in line for line in verdict.reasons)
    assert "T18" in verdict.sources


def test_a_duplicate_pair_minutes_apart_is_a_finding(policy: Policy) -> None:
    """Two charges six minutes apart on one day: the verdict carries that fact, with the
    amount and how many other imported charges of that amount lie near them (A.12)."""
    pair = facts(
        R.DUPLICATE,
        charge_date=days_ago(3),
        charge_amount=Money(Decimal("250.00"), "USD"),
        charge_time=time(10, 2),
        other_charge_date=days_ago(3),
        other_charge_time=time(10, 8),
    )
    verdict = assess(pair, policy, TODAY, others_nearby=0)
    found = [f for f in verdict.findings if f.kind == "pair_minutes_apart"]
    assert found == [
        Finding(
            "pair_minutes_apart",
            amount=Money(Decimal("250.00"), "USD"),
            minutes=6,
            others_nearby=0,
        )
    ]
    apart = dataclasses.replace(pair, other_charge_date=days_ago(1))
    assert next(f.kind for f in assess(apart, policy, TODAY).findings) == "pair_days_apart"


def test_others_near_a_pair_are_counted_from_imported_charges(policy: Policy) -> None:
    """An equal successful charge within threshold_series_hours of the pair counts; the
    pair itself, other amounts, failed rows and far-away charges do not."""
    day = days_ago(3)
    pair = facts(
        R.DUPLICATE,
        charge_date=day,
        charge_amount=Money(Decimal("250.00"), "USD"),
        charge_time=time(10, 2),
        other_charge_date=day,
        other_charge_time=time(10, 8),
    )

    def charge(at: time, amount: str = "250.00", took: bool = True, on: date = day) -> NearbyCharge:
        return NearbyCharge(on, at, Decimal(amount), "USD", took)

    rows = [charge(time(10, 2)), charge(time(10, 8))]
    assert others_near_pair(pair, rows, policy) == 0
    rows += [charge(time(11, 0), "99.00"), charge(time(12, 0), took=False)]
    rows += [charge(time(10, 0), on=days_ago(10))]
    assert others_near_pair(pair, rows, policy) == 0
    rows.append(charge(time(16, 0)))
    assert others_near_pair(pair, rows, policy) == 1


def test_the_verification_window_ends_fifteen_days_after_the_charge(policy: Policy) -> None:
    """An unrecognised charge on automatic payment: the verdict knows when a card
    verification charge would be reversed (15 days, T5), and whether that has passed (B.3)."""
    recent = assess(facts(R.UNRECOGNISED, charge_date=days_ago(1)), policy, TODAY)
    assert [f for f in recent.findings if f.kind == "verification_window"] == [
        Finding("verification_window", day=days_ago(1) + timedelta(days=15), passed=False)
    ]
    old = assess(facts(R.UNRECOGNISED, charge_date=days_ago(40)), policy, TODAY)
    assert [f.passed for f in old.findings if f.kind == "verification_window"] == [True]
    manual = assess(facts(R.UNRECOGNISED, billing=B.MANUAL, charge_date=days_ago(1)), policy, TODAY)
    assert not manual.findings


def test_raised_promptly_only_within_seven_days_of_noticing(policy: Policy) -> None:
    """ "We are raising it promptly" is true only within the first charge-age step of
    noticing (B.1): not for a charge noticed 70 days ago."""
    assert raised_promptly(days_ago(0), TODAY, policy)
    assert raised_promptly(days_ago(7), TODAY, policy)
    assert not raised_promptly(days_ago(8), TODAY, policy)
    assert not raised_promptly(days_ago(70), TODAY, policy)
    assert not raised_promptly(None, TODAY, policy)


# --- issue 16 A.6: a closed account whose balance has not come back ---------------------


@pytest.mark.parametrize(
    ("billing", "in_bc", "more"),
    [
        (Billing.MANUAL, False, {}),
        (Billing.MANUAL, True, {}),
        (Billing.AUTOMATIC, False, {"added_balance": AddedBalance.YES}),
    ],
)
def test_a_closed_accounts_balance_is_worth_asking_about(
    policy: Policy, billing: Billing, in_bc: bool, more: dict[str, Any]
) -> None:
    """POLICY.md §1.3 counts "closed": the refund usually arrives within 60 days of closing
    (row 1), and past that TikTok publishes nothing — worded as a hedge, with no warning
    that a refund would close the account (it is closed already)."""
    verdict = assess(
        facts(
            Reason.UNUSED_BALANCE,
            billing=billing,
            in_bc=in_bc,
            status=AccountStatus.CLOSED,
            is_admin=True,
            **more,
        ),
        policy,
        TODAY,
    )
    assert verdict.situation == "balance_account_closed"
    assert verdict.outcome is Outcome.NEEDS_REVIEW
    assert verdict.template == "other_issue"
    assert any("within 60 days" in reason for reason in verdict.reasons)
    assert any("does not publish" in reason for reason in verdict.reasons)
    assert policy.warnings["closes_account"] not in verdict.warnings


@pytest.mark.parametrize(
    ("changes", "situation"),
    [
        ({"paid_via": PaidVia.AGENCY}, "agency_paid"),
        ({"billing": Billing.INVOICING}, "unused_balance_invoicing"),
        ({"is_admin": False}, "balance_not_admin"),
    ],
)
def test_a_closed_account_keeps_the_earlier_rules(
    policy: Policy, changes: dict[str, Any], situation: str
) -> None:
    """The agency, invoicing and admin rules still come first for a closed account."""
    base = facts(Reason.UNUSED_BALANCE, status=AccountStatus.CLOSED, is_admin=True)
    assert first_matching_situation(dataclasses.replace(base, **changes), policy).id == situation

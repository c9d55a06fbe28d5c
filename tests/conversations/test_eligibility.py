"""The eligibility engine against the real policy data: every POLICY.md §2 row, the
preconditions around them, the charge-age warnings, and that every case gets a verdict."""
# Over 400 lines: one table of POLICY.md §2 rows and their verdicts, read side by side.

from __future__ import annotations

import dataclasses
import itertools
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import pytest

from conversations.eligibility import (
    NoSituationMatched,
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
from conversations.policy import Policy, load_policy
from conversations.texts import PolicyText

TODAY = date(2026, 11, 26)
CATCH_ALL = "something_else"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def facts(
    reason: Reason,
    *,
    billing: Billing = Billing.AUTOMATIC,
    in_bc: bool = False,
    status: AccountStatus = AccountStatus.ACTIVE,
    paid_via: PaidVia = PaidVia.TIKTOK,
    appeal: Appeal | None = None,
    is_admin: bool | None = None,
    spend_after_pause: SpendAfterPause | None = None,
    charge_date: date | None = None,
    region: str | None = None,
    **more: Any,
) -> Facts:
    """Facts for one case; the defaults are an active, TikTok-paid account outside a BC.
    `more` sets any other fact (added_balance, charge_status, the pair's times…)."""
    return Facts(
        reason=reason,
        billing=billing,
        in_business_center=in_bc,
        account_status=status,
        paid_via=paid_via,
        appeal=appeal,
        is_admin=is_admin,
        spend_after_pause=spend_after_pause,
        charge_date=charge_date,
        region=region,
        **more,
    )


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


class Case(NamedTuple):
    """One line of the table: the facts, and what the engine must answer for them."""

    facts: Facts
    outcome: Outcome
    situation: str
    row: int
    sources: tuple[str, ...]
    recipient: str = ""  # nothing to send
    template: str | None = None


R, B, S, P, A = Reason, Billing, AccountStatus, PaidVia, Appeal
SUSPENDED, ACTIVE = S.SUSPENDED, S.ACTIVE
ELIGIBLE, REVIEW, NO, BLOCKED = (
    Outcome.ELIGIBLE,
    Outcome.NEEDS_REVIEW,
    Outcome.NOT_ELIGIBLE,
    Outcome.BLOCKED,
)

CASES = [
    # Row 1: unspent balance, no Business Center.
    pytest.param(
        Case(
            facts=facts(R.UNUSED_BALANCE, billing=B.MANUAL, is_admin=True),
            outcome=ELIGIBLE,
            situation="unspent_balance",
            row=1,
            sources=("T1", "T3"),
            recipient="tiktok_support",
            template="balance_refund",
        ),
        id="row1-manual-payment",
    ),
    pytest.param(
        Case(
            facts=facts(
                R.UNUSED_BALANCE,
                billing=B.AUTOMATIC,
                is_admin=True,
                added_balance=AddedBalance.YES,
            ),
            outcome=ELIGIBLE,
            situation="unspent_balance",
            row=1,
            sources=("T1", "T3"),
            recipient="tiktok_support",
            template="balance_refund",
        ),
        id="row1-automatic-payment-add-balance",
    ),
    # Row 2: the same, with a Business Center.
    pytest.param(
        Case(
            facts=facts(R.UNUSED_BALANCE, billing=B.MANUAL, in_bc=True, is_admin=True),
            outcome=ELIGIBLE,
            situation="unspent_balance_bc",
            row=2,
            sources=("T2", "T7", "T8"),
            recipient="sales_rep",
            template="balance_refund_bc",
        ),
        id="row2-business-center",
    ),
    # Row 3: suspended, the appeal not won.
    pytest.param(
        Case(
            facts=facts(R.SUSPENDED, status=SUSPENDED, appeal=A.PENDING),
            outcome=BLOCKED,
            situation="suspended_appeal_first",
            row=3,
            sources=("T1", "T3", "T12"),
        ),
        id="row3-appeal-pending",
    ),
    pytest.param(
        Case(
            facts=facts(R.SUSPENDED, status=SUSPENDED, appeal=A.NOT_APPEALED),
            outcome=BLOCKED,
            situation="suspended_appeal_first",
            row=3,
            sources=("T1", "T3", "T12"),
        ),
        id="row3-not-appealed",
    ),
    pytest.param(
        Case(
            facts=facts(R.SUSPENDED, status=ACTIVE),
            outcome=BLOCKED,
            situation="suspended_appeal_first",
            row=3,
            sources=("T1", "T3", "T12"),
        ),
        id="row3-reason-suspended-even-if-status-says-active",
    ),
    pytest.param(
        Case(
            facts=facts(R.UNUSED_BALANCE, billing=B.MANUAL, status=SUSPENDED, appeal=A.PENDING),
            outcome=BLOCKED,
            situation="balance_while_suspended",
            row=3,
            sources=("T1", "T3", "T12"),
        ),
        id="row3-balance-asked-on-a-suspended-account",
    ),
    # Row 3 resolved: an appeal won continues as row 1 or 2.
    pytest.param(
        Case(
            facts=facts(
                R.SUSPENDED, billing=B.MANUAL, status=SUSPENDED, appeal=A.WON, is_admin=True
            ),
            outcome=ELIGIBLE,
            situation="unspent_balance",
            row=1,
            sources=("T1", "T3"),
            recipient="tiktok_support",
            template="balance_refund",
        ),
        id="row3-appeal-won-becomes-row1",
    ),
    pytest.param(
        Case(
            facts=facts(
                R.UNUSED_BALANCE,
                in_bc=True,
                status=SUSPENDED,
                appeal=A.WON,
                is_admin=True,
                added_balance=AddedBalance.YES,
            ),
            outcome=ELIGIBLE,
            situation="unspent_balance_bc",
            row=2,
            sources=("T2", "T7", "T8"),
            recipient="sales_rep",
            template="balance_refund_bc",
        ),
        id="row3-appeal-won-becomes-row2",
    ),
    pytest.param(
        Case(
            facts=facts(R.SUSPENDED, status=SUSPENDED, appeal=A.LOST),
            outcome=NO,
            situation="suspended_appeal_lost",
            row=0,
            sources=("T1", "T12"),
        ),
        id="appeal-lost",
    ),
    pytest.param(
        Case(
            facts=facts(R.UNUSED_BALANCE, status=SUSPENDED, appeal=A.LOST),
            outcome=NO,
            situation="balance_suspended_appeal_lost",
            row=0,
            sources=("T1", "T12"),
        ),
        id="appeal-lost-balance",
    ),
    # Precondition of rows 1 and 2: only an admin can ask.
    pytest.param(
        Case(
            facts=facts(R.UNUSED_BALANCE, billing=B.MANUAL, is_admin=False),
            outcome=BLOCKED,
            situation="balance_not_admin",
            row=0,
            sources=("T1",),
        ),
        id="balance-asked-by-non-admin",
    ),
    pytest.param(
        Case(
            facts=facts(R.UNUSED_BALANCE, billing=B.INVOICING, is_admin=True),
            outcome=REVIEW,
            situation="unused_balance_invoicing",
            row=0,
            sources=("T1", "T4"),
            recipient="account_manager",
            template="other_issue",
        ),
        id="balance-on-monthly-invoicing",
    ),
    # Row 4: ads rejected, prepaid money unspent.
    pytest.param(
        Case(
            facts=facts(R.REJECTED_UNSPENT, billing=B.MANUAL),
            outcome=NO,
            situation="rejected_ads_unspent",
            row=4,
            sources=("T4",),
        ),
        id="row4-rejected-ads",
    ),
    # Row 5: duplicate or unexpected charge on automatic payment.
    pytest.param(
        Case(
            facts=facts(R.DUPLICATE),
            outcome=REVIEW,
            situation="duplicate_charge",
            row=5,
            sources=("T4", "T5", "T6"),
            recipient="tiktok_support",
            template="duplicate_charge",
        ),
        id="row5-duplicate",
    ),
    pytest.param(
        Case(
            facts=facts(R.UNRECOGNISED),
            outcome=REVIEW,
            situation="unrecognised_charge",
            row=5,
            sources=("T4", "T5", "T6", "T11"),
            recipient="tiktok_support",
            template="unrecognised_charge",
        ),
        id="row5-unrecognised",
    ),
    pytest.param(
        Case(
            facts=facts(R.DUPLICATE, billing=B.MANUAL),
            outcome=REVIEW,
            situation="duplicate_top_up",
            row=0,
            sources=("T4", "T11"),
            recipient="tiktok_support",
            template="duplicate_charge",
        ),
        id="duplicate-top-up-on-manual-payment",
    ),
    pytest.param(
        Case(
            facts=facts(R.UNRECOGNISED, billing=B.MANUAL),
            outcome=REVIEW,
            situation="unrecognised_top_up",
            row=0,
            sources=("T4", "T11"),
            recipient="tiktok_support",
            template="unrecognised_charge",
        ),
        id="unrecognised-top-up-on-manual-payment",
    ),
    pytest.param(
        Case(
            facts=facts(R.DUPLICATE, billing=B.INVOICING),
            outcome=REVIEW,
            situation="charge_query_invoicing",
            row=0,
            sources=("T4", "T9"),
            recipient="account_manager",
            template="invoice_correction",
        ),
        id="duplicate-on-monthly-invoicing",
    ),
    # Row 6: charged after pausing.
    pytest.param(
        Case(
            facts=facts(R.AFTER_PAUSE, spend_after_pause=SpendAfterPause.NO),
            outcome=NO,
            situation="after_pause_earlier_spend",
            row=6,
            sources=("T6", "T16"),
        ),
        id="row6-no-spend-after-pause",
    ),
    pytest.param(
        Case(
            facts=facts(R.AFTER_PAUSE, spend_after_pause=SpendAfterPause.UNSURE),
            outcome=NO,
            situation="after_pause_earlier_spend",
            row=6,
            sources=("T6", "T16"),
        ),
        id="row6-unsure",
    ),
    pytest.param(
        Case(
            facts=facts(R.AFTER_PAUSE),
            outcome=NO,
            situation="after_pause_earlier_spend",
            row=6,
            sources=("T6", "T16"),
        ),
        id="row6-not-asked",
    ),
    pytest.param(
        Case(
            facts=facts(R.AFTER_PAUSE, spend_after_pause=SpendAfterPause.YES),
            outcome=REVIEW,
            situation="after_pause_spend_shown",
            row=6,
            sources=("T6", "T16"),
            recipient="tiktok_support",
            template="charge_after_pause",
        ),
        id="row6-spend-after-pause-shown",
    ),
    # Rows 7 and 8: case by case.
    pytest.param(
        Case(
            facts=facts(R.NOT_DELIVERED),
            outcome=REVIEW,
            situation="not_delivered",
            row=7,
            sources=("T3",),
            recipient="tiktok_support",
            template="not_delivered",
        ),
        id="row7-not-delivered",
    ),
    pytest.param(
        Case(
            facts=facts(R.INVALID_TRAFFIC),
            outcome=REVIEW,
            situation="invalid_traffic",
            row=8,
            sources=("T15",),
            recipient="tiktok_support",
            template="invalid_traffic",
        ),
        id="row8-invalid-traffic",
    ),
    # Rows 9 and 10: never cash, whoever was paid.
    pytest.param(
        Case(
            facts=facts(R.AD_CREDITS),
            outcome=NO,
            situation="ad_credits",
            row=9,
            sources=("T7", "T13", "T19"),
        ),
        id="row9-ad-credits",
    ),
    pytest.param(
        Case(
            facts=facts(R.POOR_RESULTS),
            outcome=NO,
            situation="poor_results",
            row=10,
            sources=("T3", "T14"),
        ),
        id="row10-poor-results",
    ),
    pytest.param(
        Case(
            facts=facts(R.POOR_RESULTS, paid_via=P.AGENCY),
            outcome=NO,
            situation="poor_results",
            row=10,
            sources=("T3", "T14"),
        ),
        id="row10-poor-results-even-via-agency",
    ),
    # Row 11: a wrong invoice on monthly invoicing.
    pytest.param(
        Case(
            facts=facts(R.WRONG_INVOICE, billing=B.INVOICING),
            outcome=REVIEW,
            situation="wrong_invoice",
            row=11,
            sources=("T4", "T9"),
            recipient="account_manager",
            template="invoice_correction",
        ),
        id="row11-wrong-invoice",
    ),
    pytest.param(
        Case(
            facts=facts(R.WRONG_INVOICE, billing=B.MANUAL),
            outcome=REVIEW,
            situation="wrong_invoice_other_billing",
            row=0,
            sources=("T4", "T9", "T10", "T18"),
            recipient="tiktok_support",
            template="invoice_correction",
        ),
        id="wrong-invoice-without-monthly-invoicing",
    ),
    # Row 12: the agency was paid, so the agency is asked first.
    pytest.param(
        Case(
            facts=facts(R.UNUSED_BALANCE, billing=B.MANUAL, paid_via=P.AGENCY, is_admin=True),
            outcome=BLOCKED,
            situation="agency_paid",
            row=12,
            sources=("T2", "T7"),
            recipient="agency",
            template="agency_refund",
        ),
        id="row12-agency-unused-balance",
    ),
    pytest.param(
        Case(
            facts=facts(R.DUPLICATE, paid_via=P.AGENCY),
            outcome=BLOCKED,
            situation="agency_paid",
            row=12,
            sources=("T2", "T7"),
            recipient="agency",
            template="agency_refund",
        ),
        id="row12-agency-duplicate",
    ),
    pytest.param(
        Case(
            facts=facts(R.SUSPENDED, status=SUSPENDED, paid_via=P.AGENCY, appeal=A.PENDING),
            outcome=BLOCKED,
            situation="agency_suspended",
            row=12,
            sources=("T2", "T7"),
            recipient="agency",
            template="agency_refund",
        ),
        id="row12-agency-suspended-account",
    ),
    # "Something else".
    pytest.param(
        Case(
            facts=facts(R.OTHER),
            outcome=REVIEW,
            situation="something_else",
            row=0,
            sources=("T12",),
            recipient="tiktok_support",
            template="other_issue",
        ),
        id="something-else",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_situation_and_verdict(policy: Policy, case: Case) -> None:
    """Each case of POLICY.md §2 gets its row's outcome, entry, sources and message."""
    verdict = assess(case.facts, policy, TODAY)
    assert verdict.outcome is case.outcome
    assert verdict.situation == case.situation
    assert verdict.row == case.row
    assert verdict.sources == case.sources
    assert verdict.recipient == case.recipient
    assert verdict.template == case.template


def test_verdict_carries_the_situation_texts_and_policy_version(policy: Policy) -> None:
    """The verdict copies the entry's texts and names the policy version it was judged by."""
    verdict = assess(facts(R.UNUSED_BALANCE, billing=B.MANUAL, is_admin=True), policy, TODAY)
    situation = next(s for s in policy.situations if s.id == "unspent_balance")
    assert verdict.title == situation.title
    assert verdict.reasons == situation.reasons
    assert verdict.where == situation.where
    assert verdict.instead == situation.instead
    assert verdict.policy_version == "2026-11-26"
    assert any("within 60 days" in reason for reason in verdict.reasons)


def test_balance_refund_warns_it_closes_the_account(policy: Policy) -> None:
    """Row 1 warns that the refund closes the account and leaves out taxes. Row 2 does not
    say the refund closes "the ad account": moving the balance to the Business Center keeps
    it open, and only the refund route closes all its accounts (issue 16 B.6)."""
    row1 = assess(facts(R.UNUSED_BALANCE, billing=B.MANUAL, is_admin=True), policy, TODAY)
    row2 = assess(
        facts(R.UNUSED_BALANCE, billing=B.MANUAL, in_bc=True, is_admin=True), policy, TODAY
    )
    closes = policy.warnings["closes_account"]
    assert closes in row1.warnings
    assert policy.warnings["taxes_excluded"] in row1.warnings
    assert closes not in row2.warnings
    assert policy.warnings["bc_closes_accounts"] in row2.warnings
    assert "keeps the ad account open" in policy.warnings["bc_closes_accounts"]
    assert policy.warnings["bc_transfer_wait"] in row2.warnings
    assert row2.instead is not None
    assert "Business Center → Finance → Payment Management" in row2.instead


def test_duplicate_charge_warns_about_verification_and_chargeback(policy: Policy) -> None:
    """Row 5 explains the card verification charge and warns against a chargeback."""
    verdict = assess(facts(R.DUPLICATE), policy, TODAY)
    assert verdict.warnings == (
        policy.warnings["verification_charge"],
        policy.warnings["chargeback"],
    )


def test_blocked_and_not_eligible_say_what_to_do(policy: Policy) -> None:
    """Row 3's verdict gives the appeal path as the thing to do first."""
    verdict = assess(facts(R.SUSPENDED, status=SUSPENDED, appeal=A.NOT_APPEALED), policy, TODAY)
    assert verdict.instead is not None
    assert "Account Suspension Appeal" in verdict.instead
    assert verdict.where == ""


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


# --- regions and a missing catch-all ---------------------------------------------------------


def test_region_limited_entry_applies_only_in_its_regions(policy: Policy) -> None:
    """An entry with `regions` matches only accounts known to be in one of those countries."""
    catch_all = policy.situations[-1]
    japan_only = dataclasses.replace(catch_all, id="japan_only", regions=frozenset({"JP"}))
    regional = dataclasses.replace(policy, situations=(japan_only, *policy.situations))
    assert first_matching_situation(facts(R.DUPLICATE, region="JP"), regional).id == "japan_only"
    assert first_matching_situation(facts(R.DUPLICATE, region="jp"), regional).id == "japan_only"
    assert first_matching_situation(facts(R.DUPLICATE, region="VN"), regional).id != "japan_only"
    assert first_matching_situation(facts(R.DUPLICATE), regional).id != "japan_only"


def test_no_matching_situation_raises(policy: Policy) -> None:
    """Without a catch-all, facts no entry fits raise a clear NoSituationMatched."""
    only_poor_results = dataclasses.replace(policy, situations=policy.situations[:1])
    with pytest.raises(NoSituationMatched, match="catch-all"):
        assess(facts(R.DUPLICATE), only_poor_results, TODAY)


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

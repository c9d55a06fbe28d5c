"""The eligibility engine against the real policy data: every POLICY.md §2 row and the
preconditions around them, the texts each verdict carries, regions and a missing catch-all."""
# Over 400 lines: one table of POLICY.md §2 rows and their verdicts, read side by side.

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import pytest

from conversations.eligibility import (
    NoSituationMatched,
    assess,
    first_matching_situation,
)
from conversations.facts import (
    AddedBalance,
    Facts,
    Outcome,
    SpendAfterPause,
)
from conversations.policy import Policy, load_policy
from tests.eligibility_facts import (
    ACTIVE,
    BLOCKED,
    ELIGIBLE,
    NO,
    REVIEW,
    SUSPENDED,
    TODAY,
    A,
    B,
    P,
    R,
    facts,
)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


class Case(NamedTuple):
    """One line of the table: the facts, and what the engine must answer for them."""

    facts: Facts
    outcome: Outcome
    situation: str
    row: int
    sources: tuple[str, ...]
    recipient: str = ""  # nothing to send
    template: str | None = None


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

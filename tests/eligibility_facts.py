"""Shared by the eligibility tests (test_eligibility*.py): one case's facts, with defaults,
dates counted back from a fixed today, and short names for the enums."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from conversations.facts import (
    AccountStatus,
    Appeal,
    Billing,
    Facts,
    Outcome,
    PaidVia,
    Reason,
    SpendAfterPause,
)

TODAY = date(2026, 11, 26)
CATCH_ALL = "something_else"


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


R, B, S, P, A = Reason, Billing, AccountStatus, PaidVia, Appeal
SUSPENDED, ACTIVE = S.SUSPENDED, S.ACTIVE
ELIGIBLE, REVIEW, NO, BLOCKED = (
    Outcome.ELIGIBLE,
    Outcome.NEEDS_REVIEW,
    Outcome.NOT_ELIGIBLE,
    Outcome.BLOCKED,
)

"""What a case's own facts say, beside the general rule a verdict quotes.

A verdict explains the rule ("automatic payments may result in multiple charges"); these
findings say what the advertiser's answers show against it ("the two charges were six
minutes apart, with no other charge of that amount around them"). They are data: the bot
words them. Pure: `today` and the imported charges near the pair are passed in, and every
number comes from the policy's [timing] and [import] tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from conversations.facts import Billing, Facts, Finding, Reason
from conversations.policy import Policy

# The reasons whose verdict warns about the card-verification charge (POLICY.md §2 row 5).
_CHARGE_QUERIES = frozenset({Reason.DUPLICATE, Reason.UNRECOGNISED})


def find(
    facts: Facts,
    policy: Policy,
    today: date,
    *,
    warnings: tuple[str, ...] = (),
    others_nearby: int | None = None,
) -> tuple[Finding, ...]:
    """The findings for `facts`. `warnings` are the keys of the verdict's policy warnings
    (a verification window is worth showing only where the verification warning is);
    `others_nearby` counts the imported charges of the same amount near a duplicate pair
    (None: nothing imported to compare with)."""
    found: list[Finding] = []
    if facts.reason is Reason.DUPLICATE:
        found.extend(_pair(facts, policy, others_nearby))
    if facts.reason is Reason.AFTER_PAUSE and facts.charge_date and facts.paused_on:
        days = (facts.charge_date - facts.paused_on).days
        if days >= 0:
            found.append(Finding("charged_after_pause", amount=facts.charge_amount, days=days))
    if (
        "verification_charge" in warnings
        and facts.reason in _CHARGE_QUERIES
        and facts.billing is Billing.AUTOMATIC
        and facts.charge_date is not None
        and facts.charge_date <= today
    ):
        ends = facts.charge_date + timedelta(days=policy.timing.verification_reversal_days)
        found.append(Finding("verification_window", day=ends, passed=ends < today))
    return tuple(found)


def _pair(facts: Facts, policy: Policy, others_nearby: int | None) -> list[Finding]:
    first, second = facts.charge_date, facts.other_charge_date
    if first is None or second is None:
        return []
    if first != second:
        return [
            Finding("pair_days_apart", amount=facts.charge_amount, days=abs(second - first).days)
        ]
    if facts.charge_time is None or facts.other_charge_time is None:
        return []
    apart = abs(
        datetime.combine(second, facts.other_charge_time)
        - datetime.combine(first, facts.charge_time)
    )
    minutes = int(apart.total_seconds() // 60)
    # Only a pair inside the import rules' duplicate window reads as a double charge; a
    # wider gap on one day may be two threshold charges, so it is stated without a claim.
    if minutes > policy.import_rules.duplicate_window_minutes:
        return [Finding("pair_same_day", amount=facts.charge_amount, minutes=minutes)]
    return [
        Finding(
            "pair_minutes_apart",
            amount=facts.charge_amount,
            minutes=minutes,
            others_nearby=others_nearby,
        )
    ]


@dataclass(frozen=True)
class NearbyCharge:
    """An imported charge of the account, as the duplicate check compares it."""

    day: date | None
    at: time | None
    amount: Decimal
    currency: str
    took_money: bool  # a successful payment (not failed, a refund or a verification)


def others_near_pair(facts: Facts, charges: list[NearbyCharge], policy: Policy) -> int | None:
    """How many charges of the pair's amount, other than the pair, lie within the import
    rules' `threshold_series_hours` of it: such a series reads as threshold billing, which
    TikTok says "may result in multiple charges" (T5, T6). None when the pair's times or
    amount are not known."""
    amount = facts.charge_amount
    first, second = facts.charge_date, facts.other_charge_date
    if amount is None or first is None or second is None:
        return None
    if facts.charge_time is None or facts.other_charge_time is None:
        return None
    pair = {
        datetime.combine(first, facts.charge_time),
        datetime.combine(second, facts.other_charge_time),
    }
    window = timedelta(hours=policy.import_rules.threshold_series_hours)
    start, end = min(pair) - window, max(pair) + window
    count = 0
    for charge in charges:
        if charge.day is None or charge.at is None or not charge.took_money:
            continue
        if charge.amount != amount.amount or charge.currency != amount.currency:
            continue
        moment = datetime.combine(charge.day, charge.at)
        if moment not in pair and start <= moment <= end:
            count += 1
    return count


def raised_promptly(noticed: date | None, today: date, policy: Policy) -> bool:
    """Whether a request sent today raises the problem promptly: within the first
    charge-age step (`lateness_warn_days[0]`, "within 7 days to be safe") of noticing it.
    A message says "we are raising it promptly" only then."""
    if noticed is None or noticed > today:
        return False
    return (today - noticed).days <= policy.timing.lateness_warn_days[0]

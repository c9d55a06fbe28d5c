"""The facts a verdict is judged on and the verdict itself.

These types are the contract between the intake (which collects answers), the
eligibility engine (which judges them against the policy data) and the
renderers (which word the result).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from enum import StrEnum


class Reason(StrEnum):
    """What went wrong, in the advertiser's words (one per POLICY.md §2 situation)."""

    DUPLICATE = "duplicate"  # "I was charged twice"
    UNRECOGNISED = "unrecognised"  # "A charge I don't recognise"
    AFTER_PAUSE = "after_pause"  # "Charged after I paused"
    NOT_DELIVERED = "not_delivered"  # "My ads didn't run" / technical error
    INVALID_TRAFFIC = "invalid_traffic"  # "Fake clicks or bots"
    UNUSED_BALANCE = "unused_balance"  # "I want my unused balance back"
    SUSPENDED = "suspended"  # "Account suspended, money left"
    REJECTED_UNSPENT = "rejected_unspent"  # "Ads rejected, prepaid money unspent"
    POOR_RESULTS = "poor_results"  # "I'm unhappy with the results"
    AD_CREDITS = "ad_credits"  # "Ad credits or a coupon"
    WRONG_INVOICE = "wrong_invoice"  # "Wrong invoice"
    OTHER = "other"  # "Something else"


class Billing(StrEnum):
    """The ad account's billing option (POLICY.md §1.1)."""

    MANUAL = "manual"  # prepaid balance
    AUTOMATIC = "automatic"  # card charged at threshold or bill date
    INVOICING = "invoicing"  # monthly invoicing, credit line


class AccountStatus(StrEnum):
    """The ad account's status (POLICY.md §1.3)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"  # closed, its balance not (yet) refunded


class PaidVia(StrEnum):
    """Who the advertiser paid: TikTok directly, or an agency that provides the account."""

    TIKTOK = "tiktok"
    AGENCY = "agency"


class Appeal(StrEnum):
    """Where a suspension appeal stands."""

    WON = "won"
    PENDING = "pending"
    LOST = "lost"
    NOT_APPEALED = "not_appealed"


class SpendAfterPause(StrEnum):
    """Whether the advertiser can show spend that happened after the pause."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


class ChargeStatus(StrEnum):
    """A charge's status in Finance → Transactions (POLICY.md §1.4): only a successful
    charge took money."""

    SUCCESS = "success"
    PROCESSING = "processing"
    FAILED = "failed"


class AddedBalance(StrEnum):
    """On automatic payment: whether money was added to the balance ("Add balance"), the
    only money of such an account the balance refund covers (POLICY.md §2 row 1)."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


class Want(StrEnum):
    """What the advertiser asks for (POLICY.md §1.5), where the reason leaves it open."""

    MONEY_BACK = "money_back"  # money back to the payment method
    CREDIT = "credit"  # a credit to the ad account's balance
    CORRECTED_INVOICE = "corrected_invoice"
    EXPLANATION = "explanation"  # what the charge covers; no refund asked for yet


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs_review"
    NOT_ELIGIBLE = "not_eligible"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Money:
    """An amount of money: never a float."""

    amount: Decimal
    currency: str  # ISO 4217, upper case


@dataclass(frozen=True)
class Facts:
    """Everything the engine needs to judge one case; None means not asked / not known."""

    reason: Reason
    # The account's facts: None when the intake didn't need them for this reason (a new
    # account is asked only what its reason's verdict and message use).
    billing: Billing | None
    in_business_center: bool | None
    account_status: AccountStatus | None
    paid_via: PaidVia | None
    charge_date: date | None = None
    charge_amount: Money | None = None
    appeal: Appeal | None = None
    is_admin: bool | None = None
    paused_on: date | None = None
    spend_after_pause: SpendAfterPause | None = None
    region: str | None = None  # ISO 3166 alpha-2 of the ad account, when known
    # Known only for a charge picked from an imported export; a typed charge is None.
    charge_status: ChargeStatus | None = None
    added_balance: AddedBalance | None = None
    # The facts the verdict's explanation quotes (conversations/findings.py).
    charge_time: time | None = None
    other_charge_date: date | None = None
    other_charge_time: time | None = None


@dataclass(frozen=True)
class Verdict:
    """The engine's answer: what to expect, why, from which rule, and what to do."""

    outcome: Outcome
    situation: str  # the policy entry's id, e.g. "unspent_balance"
    row: int  # its row in POLICY.md §2 (0 for entries outside the table)
    title: str  # one line in plain words
    reasons: tuple[str, ...]  # why, in plain words; hedged where the policy marks [I]
    sources: tuple[str, ...]  # source keys, e.g. ("T1", "T3")
    where: str  # where to send the request, or "" when nothing should be sent
    recipient: str  # "tiktok_support", "sales_rep", "account_manager", "agency" or ""
    template: str | None  # support-message template name, or None when none is worth sending
    instead: str | None  # what to do instead / first, when not eligible or blocked
    warnings: tuple[str, ...] = field(default_factory=tuple)
    policy_version: str = ""
    # What this case's own facts say, beside the general rule (conversations/findings.py).
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    # What differs in the account's region (policy.toml [[regional_note]]): worded for its
    # region, or as "If your account is in …" when the region isn't known.
    regional_notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Finding:
    """A fact of this case that bears on the verdict, as data; the bot words it.

    `kind` names the sentence: "pair_minutes_apart" (two equal charges `minutes` apart on
    one day; `others_nearby` is how many other imported charges of that amount lie near
    them, None when nothing was imported), "pair_same_day" (`minutes` apart, more than the
    import rules' duplicate window), "pair_days_apart" (`days` apart),
    "charged_after_pause" (the charge came `days` after the pause), "verification_window"
    (a card-verification charge would be reversed by `day`; `passed` when that is before
    today).
    """

    kind: str
    amount: Money | None = None
    minutes: int | None = None
    days: int | None = None
    day: date | None = None
    passed: bool = False
    others_nearby: int | None = None

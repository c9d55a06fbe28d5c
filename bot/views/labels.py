"""Button labels and short names for the chat, keyed by the domain's values."""

from __future__ import annotations

from collections.abc import Mapping

from bot.views.i18n import Words, gettext
from conversations.facts import (
    AccountStatus,
    AddedBalance,
    Appeal,
    Billing,
    PaidVia,
    Reason,
    SpendAfterPause,
    Want,
)
from conversations.intake import Step
from conversations.texts import N_

REASONS = Words(
    {
        Reason.DUPLICATE: N_("I was charged twice"),
        Reason.UNRECOGNISED: N_("A charge I don't recognise"),
        Reason.AFTER_PAUSE: N_("Charged after I paused"),
        Reason.NOT_DELIVERED: N_("My ads didn't run"),
        Reason.INVALID_TRAFFIC: N_("Fake clicks or bots"),
        Reason.UNUSED_BALANCE: N_("I want my unused balance back"),
        Reason.SUSPENDED: N_("Account suspended, money left"),
        Reason.REJECTED_UNSPENT: N_("Ads rejected, money unspent"),
        Reason.POOR_RESULTS: N_("I'm unhappy with the results"),
        Reason.AD_CREDITS: N_("Ad credits or a coupon"),
        Reason.WRONG_INVOICE: N_("Wrong invoice"),
        Reason.OTHER: N_("Something else"),
    }
)

# The reason as the advertiser's message words it ("We would like to ask about …").
REASON_PHRASES = Words(
    {
        Reason.DUPLICATE: N_("a charge that was taken twice"),
        Reason.UNRECOGNISED: N_("a charge we don't recognise"),
        Reason.AFTER_PAUSE: N_("a charge after we paused our campaign"),
        Reason.NOT_DELIVERED: N_("a charge for ads that did not run"),
        Reason.INVALID_TRAFFIC: N_("spend on traffic we believe was invalid"),
        Reason.UNUSED_BALANCE: N_("the unused balance of the account"),
        Reason.SUSPENDED: N_("the balance left on the suspended account"),
        Reason.REJECTED_UNSPENT: N_("prepaid money left after our ads were rejected"),
        Reason.POOR_RESULTS: N_("the results of our campaigns"),
        Reason.AD_CREDITS: N_("ad credits on the account"),
        Reason.WRONG_INVOICE: N_("an invoice we believe is wrong"),
        Reason.OTHER: N_("a billing question"),
    }
)

_CHOICES_ENGLISH: dict[Step, dict[str, str]] = {
    Step.ACCOUNT_BILLING: {
        Billing.MANUAL: N_("Manual payment (prepaid)"),
        Billing.AUTOMATIC: N_("Automatic payment (card)"),
        Billing.INVOICING: N_("Monthly invoicing"),
    },
    Step.ACCOUNT_BC: {"yes": N_("Yes, it's in a Business Center"), "no": N_("No")},
    Step.ACCOUNT_CURRENCY: {code: code for code in ("USD", "EUR", "GBP", "BRL", "IDR", "RUB")},
    Step.ACCOUNT_STATUS: {
        AccountStatus.ACTIVE: N_("Active"),
        AccountStatus.SUSPENDED: N_("Suspended"),
        # Translators: a button: the ad account is closed, its balance not refunded yet.
        AccountStatus.CLOSED: N_("Closed, balance not refunded"),
    },
    Step.ACCOUNT_PAID_VIA: {
        PaidVia.TIKTOK: N_("TikTok directly"),
        PaidVia.AGENCY: N_("Through an agency"),
    },
    Step.REASON: REASONS.english,
    Step.SPEND_AFTER_PAUSE: {
        SpendAfterPause.YES: N_("Yes, I can show it"),
        SpendAfterPause.NO: N_("No"),
        SpendAfterPause.UNSURE: N_("Not sure"),
    },
    Step.WANT: {
        Want.MONEY_BACK: N_("My money back"),
        Want.CREDIT: N_("A credit to the ad account"),
        Want.CORRECTED_INVOICE: N_("A corrected invoice"),
        Want.EXPLANATION: N_("Just an explanation"),
    },
    Step.APPEAL: {
        Appeal.WON: N_("Appeal won — account back"),
        Appeal.PENDING: N_("Appeal still pending"),
        Appeal.LOST: N_("Appeal was turned down"),
        Appeal.NOT_APPEALED: N_("I haven't appealed"),
    },
    Step.ADMIN: {"yes": N_("Yes, I'm an admin"), "no": N_("No")},
    Step.ADDED_BALANCE: {
        AddedBalance.YES: N_("Yes, we added money"),
        AddedBalance.NO: N_("No"),
        AddedBalance.UNSURE: N_("Not sure"),
    },
    Step.NOTICED: {
        "today": N_("Today"),
        "yesterday": N_("Yesterday"),
        "charge_day": N_("On the charge day"),
    },
}

CHOICES: dict[Step, Words] = {step: Words(table) for step, table in _CHOICES_ENGLISH.items()}

# Short names of the answers, for the "change an answer" menu and summaries.
STEP_NAMES_ENGLISH: dict[Step, str] = {
    Step.ACCOUNT: N_("Ad account"),
    Step.ACCOUNT_NAME: N_("Name"),
    Step.ACCOUNT_BILLING: N_("Billing option"),
    Step.ACCOUNT_BC: N_("Business Center"),
    Step.ACCOUNT_BC_ID: N_("Business Center ID"),
    Step.ACCOUNT_CURRENCY: N_("Currency"),
    Step.ACCOUNT_STATUS: N_("Status"),
    Step.ACCOUNT_PAID_VIA: N_("Who you pay"),
    Step.ACCOUNT_REGION: N_("Country or region"),
    Step.REASON: N_("What went wrong"),
    Step.CHARGE_DATE: N_("Charge date"),
    Step.CHARGE_AMOUNT: N_("Amount"),
    Step.BALANCE: N_("Balance left"),
    Step.CHARGE_CARD: N_("Card"),
    Step.CHARGE_INVOICE: N_("Document number"),
    Step.CHARGE_CAMPAIGNS: N_("Campaign IDs"),
    Step.OTHER_CHARGE: N_("The other charge"),
    Step.OTHER_INVOICE: N_("Other document number"),
    Step.PAUSED_ON: N_("Pause date"),
    Step.SPEND_AFTER_PAUSE: N_("Spend after the pause"),
    Step.INVOICE_PROBLEM: N_("What's wrong with the invoice"),
    Step.STORY: N_("What happened"),
    Step.WANT: N_("What you ask for"),
    Step.APPEAL: N_("Suspension appeal"),
    Step.ADMIN: N_("Admin role"),
    Step.ADDED_BALANCE: N_("Money added to the balance"),
    Step.NOTICED: N_("When you noticed"),
    Step.EVIDENCE: N_("Evidence"),
}

STEP_NAMES = Words({str(step): name for step, name in STEP_NAMES_ENGLISH.items()})

BILLING_WORDS = Words(
    {
        Billing.MANUAL: N_("manual payment"),
        Billing.AUTOMATIC: N_("automatic payment"),
        Billing.INVOICING: N_("monthly invoicing"),
    }
)

OUTCOME_WORDS = Words(
    {
        "eligible": N_("Eligible"),
        "needs_review": N_("Worth asking"),
        "not_eligible": N_("Not refundable"),
        "blocked": N_("Blocked for now"),
    }
)

STATUS_WORDS = Words(
    {
        "drafted": N_("Drafted"),
        "sent": N_("Sent"),
        "awaiting_reply": N_("Waiting for TikTok"),
        "overdue": N_("Overdue"),
        "followed_up": N_("Followed up"),
        "answered": N_("TikTok replied"),
        "approved": N_("Approved, refund on its way"),
        "refunded": N_("Refunded"),
        "partly_refunded": N_("Partly refunded"),
        "denied": N_("Denied"),
        "closed": N_("Closed"),
        "cancelled": N_("Cancelled"),
    }
)

FILTER_WORDS = Words(
    {
        "open": N_("Open"),
        "overdue": N_("Overdue"),
        "closed": N_("Closed"),
        "all": N_("All"),
    }
)

# The case timeline in words (event names are the domain's trigger names).
EVENT_WORDS = Words(
    {
        "drafted": N_("Drafted"),
        "redrafted": N_("Message rewritten"),
        "send": N_("Sent to TikTok"),
        "ticket": N_("Ticket"),
        "deadline_passed": N_("Reply overdue"),
        "follow_up": N_("Followed up"),
        "reply": N_("TikTok replied"),
        "approve": N_("Refund approved"),
        "refund_arrived": N_("Refunded"),
        "partly_refunded": N_("Partly refunded"),
        "refunded_amount": N_("Amount refunded"),
        "deny": N_("Denied"),
        "close": N_("Closed"),
        "closed": N_("Closed"),
        "cancel": N_("Cancelled"),
        "cancelled": N_("Cancelled"),
        "reopen": N_("Reopened"),
        "snooze": N_("Snoozed"),
        "remind": N_("Reminder sent"),
    }
)
# Bookkeeping events the timeline leaves out.
QUIET_EVENTS = frozenset({"await_reply"})

PING_WORDS = Words(
    {
        "reply_overdue": N_("no reply yet"),
        "followup_overdue": N_("no reply to the follow-up"),
        "decision_pending": N_("waiting for a decision"),
        "refund_overdue": N_("refund late"),
    }
)


def event_detail(
    what: str,
    detail: str | None,
    person: int | None = None,
    names: Mapping[int, tuple[str, str | None]] | None = None,
) -> str:
    """An event's detail in words: outcomes and reminder kinds are stored as codes, and the
    member an event is about (`person`) by id, named from the team's `names` (user id →
    first name, username) as they are now: someone the team no longer knows, who left or
    was forgotten, is "a team member"."""
    if person is not None:
        first, username = (names or {}).get(person, (gettext("a team member"), None))
        return f"@{username}" if username else first
    if not detail:
        return ""
    if what in ("drafted", N_("redrafted")):
        code = detail.removeprefix("verdict ").strip()
        return gettext("verdict: %(outcome)s") % {"outcome": OUTCOME_WORDS.get(code, code)}
    if what == "remind":
        return PING_WORDS.get(detail, detail)
    return detail


# What helps TikTok review each reason, as checklist items the user can tick by tagging
# the files they send ("which of these is it?").
EVIDENCE_CHECKLIST_ENGLISH: dict[str, list[tuple[str, str]]] = {
    Reason.DUPLICATE: [
        ("transactions", N_("Screenshot of both charges in Finance → Transactions")),
        ("statement", N_("Bank or card statement")),
    ],
    Reason.UNRECOGNISED: [
        ("transactions", N_("Screenshot of the charge in Finance → Transactions")),
        ("statement", N_("Card statement")),
    ],
    Reason.AFTER_PAUSE: [
        ("paused", N_("Screenshot showing when the campaign was paused")),
        ("spend", N_("Daily spend report after that date")),
    ],
    Reason.NOT_DELIVERED: [
        ("error", N_("Screenshot of the error or campaign status")),
        ("delivery", N_("Delivery report for the time window")),
    ],
    Reason.INVALID_TRAFFIC: [
        ("ivt", N_("Third-party invalid-traffic report")),
        ("campaign", N_("Campaign report for the same dates")),
    ],
    Reason.WRONG_INVOICE: [
        ("invoice", N_("The invoice (Finance → Invoices)")),
        ("spend", N_("Spend report for the month")),
    ],
    Reason.UNUSED_BALANCE: [("balance", N_("Screenshot of the balance in Finance → Payment"))],
    Reason.SUSPENDED: [("balance", N_("Screenshot of the balance in Finance → Payment"))],
    Reason.OTHER: [
        ("screenshot", N_("Screenshot of what you saw")),
        ("transactions", N_("The charge in Finance → Transactions")),
    ],
}


def checklist(reason: str) -> list[tuple[str, str]]:
    """What helps TikTok review `reason`: (key, item) pairs, in the reader's language."""
    return [(key, gettext(item)) for key, item in EVIDENCE_CHECKLIST_ENGLISH.get(reason, [])]

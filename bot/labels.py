"""Button labels and short names for the chat, keyed by the domain's values."""

from __future__ import annotations

from conversations.facts import AccountStatus, Appeal, Billing, PaidVia, Reason, SpendAfterPause
from conversations.intake import Step

REASONS: dict[str, str] = {
    Reason.DUPLICATE: "I was charged twice",
    Reason.UNRECOGNISED: "A charge I don't recognise",
    Reason.AFTER_PAUSE: "Charged after I paused",
    Reason.NOT_DELIVERED: "My ads didn't run",
    Reason.INVALID_TRAFFIC: "Fake clicks or bots",
    Reason.UNUSED_BALANCE: "I want my unused balance back",
    Reason.SUSPENDED: "Account suspended, money left",
    Reason.REJECTED_UNSPENT: "Ads rejected, money unspent",
    Reason.POOR_RESULTS: "I'm unhappy with the results",
    Reason.AD_CREDITS: "Ad credits or a coupon",
    Reason.WRONG_INVOICE: "Wrong invoice",
    Reason.OTHER: "Something else",
}

# The reason as the advertiser's message words it ("We would like to ask about …").
REASON_PHRASES: dict[str, str] = {
    Reason.DUPLICATE: "a charge that was taken twice",
    Reason.UNRECOGNISED: "a charge we don't recognise",
    Reason.AFTER_PAUSE: "a charge after we paused our campaign",
    Reason.NOT_DELIVERED: "a charge for ads that did not run",
    Reason.INVALID_TRAFFIC: "spend on traffic we believe was invalid",
    Reason.UNUSED_BALANCE: "the unused balance of the account",
    Reason.SUSPENDED: "the balance left on the suspended account",
    Reason.REJECTED_UNSPENT: "prepaid money left after our ads were rejected",
    Reason.POOR_RESULTS: "the results of our campaigns",
    Reason.AD_CREDITS: "ad credits on the account",
    Reason.WRONG_INVOICE: "an invoice we believe is wrong",
    Reason.OTHER: "a billing question",
}

CHOICES: dict[Step, dict[str, str]] = {
    Step.ACCOUNT_BILLING: {
        Billing.MANUAL: "Manual payment (prepaid)",
        Billing.AUTOMATIC: "Automatic payment (card)",
        Billing.INVOICING: "Monthly invoicing",
    },
    Step.ACCOUNT_BC: {"yes": "Yes, it's in a Business Center", "no": "No"},
    Step.ACCOUNT_CURRENCY: {code: code for code in ("USD", "EUR", "GBP", "BRL", "IDR", "RUB")},
    Step.ACCOUNT_STATUS: {AccountStatus.ACTIVE: "Active", AccountStatus.SUSPENDED: "Suspended"},
    Step.ACCOUNT_PAID_VIA: {
        PaidVia.TIKTOK: "TikTok directly",
        PaidVia.AGENCY: "Through an agency",
    },
    Step.REASON: REASONS,
    Step.SPEND_AFTER_PAUSE: {
        SpendAfterPause.YES: "Yes, I can show it",
        SpendAfterPause.NO: "No",
        SpendAfterPause.UNSURE: "Not sure",
    },
    Step.APPEAL: {
        Appeal.WON: "Appeal won — account back",
        Appeal.PENDING: "Appeal still pending",
        Appeal.LOST: "Appeal was turned down",
        Appeal.NOT_APPEALED: "I haven't appealed",
    },
    Step.ADMIN: {"yes": "Yes, I'm an admin", "no": "No"},
    Step.NOTICED: {"today": "Today", "yesterday": "Yesterday", "charge_day": "On the charge day"},
}

# Short names of the answers, for the "change an answer" menu and summaries.
STEP_NAMES: dict[Step, str] = {
    Step.ACCOUNT: "Ad account",
    Step.ACCOUNT_NAME: "Name",
    Step.ACCOUNT_BILLING: "Billing option",
    Step.ACCOUNT_BC: "Business Center",
    Step.ACCOUNT_BC_ID: "Business Center ID",
    Step.ACCOUNT_CURRENCY: "Currency",
    Step.ACCOUNT_STATUS: "Status",
    Step.ACCOUNT_PAID_VIA: "Who you pay",
    Step.REASON: "What went wrong",
    Step.CHARGE_DATE: "Charge date",
    Step.CHARGE_AMOUNT: "Amount",
    Step.BALANCE: "Balance left",
    Step.CHARGE_CARD: "Card",
    Step.CHARGE_INVOICE: "Document number",
    Step.CHARGE_CAMPAIGNS: "Campaign IDs",
    Step.OTHER_CHARGE: "The other charge",
    Step.OTHER_INVOICE: "Other document number",
    Step.PAUSED_ON: "Pause date",
    Step.SPEND_AFTER_PAUSE: "Spend after the pause",
    Step.INVOICE_PROBLEM: "What's wrong with the invoice",
    Step.STORY: "What happened",
    Step.APPEAL: "Suspension appeal",
    Step.ADMIN: "Admin role",
    Step.NOTICED: "When you noticed",
    Step.EVIDENCE: "Evidence",
}

BILLING_WORDS: dict[str, str] = {
    Billing.MANUAL: "manual payment",
    Billing.AUTOMATIC: "automatic payment",
    Billing.INVOICING: "monthly invoicing",
}

OUTCOME_WORDS: dict[str, str] = {
    "eligible": "Eligible",
    "needs_review": "Worth asking",
    "not_eligible": "Not refundable",
    "blocked": "Blocked for now",
}

STATUS_WORDS: dict[str, str] = {
    "drafted": "Drafted",
    "sent": "Sent",
    "awaiting_reply": "Waiting for TikTok",
    "overdue": "Overdue",
    "followed_up": "Followed up",
    "answered": "TikTok replied",
    "approved": "Approved, refund on its way",
    "refunded": "Refunded",
    "partly_refunded": "Partly refunded",
    "denied": "Denied",
    "closed": "Closed",
    "cancelled": "Cancelled",
}

FILTER_WORDS: dict[str, str] = {
    "open": "Open",
    "overdue": "Overdue",
    "closed": "Closed",
    "all": "All",
}

# The case timeline in words (event names are the domain's trigger names).
EVENT_WORDS: dict[str, str] = {
    "drafted": "Drafted",
    "redrafted": "Message rewritten",
    "send": "Sent to TikTok",
    "ticket": "Ticket",
    "deadline_passed": "Reply overdue",
    "follow_up": "Followed up",
    "reply": "TikTok replied",
    "approve": "Refund approved",
    "refund_arrived": "Refunded",
    "partly_refunded": "Partly refunded",
    "deny": "Denied",
    "close": "Closed",
    "closed": "Closed",
    "cancel": "Cancelled",
    "cancelled": "Cancelled",
    "reopen": "Reopened",
    "snooze": "Snoozed",
    "remind": "Reminder sent",
}
# Bookkeeping events the timeline leaves out.
QUIET_EVENTS = frozenset({"await_reply"})

PING_WORDS: dict[str, str] = {
    "reply_overdue": "no reply yet",
    "followup_overdue": "no reply to the follow-up",
    "decision_pending": "waiting for a decision",
    "refund_overdue": "refund late",
}


def event_detail(what: str, detail: str | None) -> str:
    """An event's detail in words: outcomes and reminder kinds are stored as codes."""
    if not detail:
        return ""
    if what in ("drafted", "redrafted"):
        code = detail.removeprefix("verdict ").strip()
        return f"verdict: {OUTCOME_WORDS.get(code, code)}"
    if what == "remind":
        return PING_WORDS.get(detail, detail)
    return detail


# What helps TikTok review each reason, as checklist items the user can tick by tagging
# the files they send ("which of these is it?").
EVIDENCE_CHECKLIST: dict[str, list[tuple[str, str]]] = {
    Reason.DUPLICATE: [
        ("transactions", "Screenshot of both charges in Finance → Transactions"),
        ("statement", "Bank or card statement"),
    ],
    Reason.UNRECOGNISED: [
        ("transactions", "Screenshot of the charge in Finance → Transactions"),
        ("statement", "Card statement"),
    ],
    Reason.AFTER_PAUSE: [
        ("paused", "Screenshot showing when the campaign was paused"),
        ("spend", "Daily spend report after that date"),
    ],
    Reason.NOT_DELIVERED: [
        ("error", "Screenshot of the error or campaign status"),
        ("delivery", "Delivery report for the time window"),
    ],
    Reason.INVALID_TRAFFIC: [
        ("ivt", "Third-party invalid-traffic report"),
        ("campaign", "Campaign report for the same dates"),
    ],
    Reason.WRONG_INVOICE: [
        ("invoice", "The invoice (Finance → Invoices)"),
        ("spend", "Spend report for the month"),
    ],
    Reason.UNUSED_BALANCE: [("balance", "Screenshot of the balance in Finance → Payment")],
    Reason.SUSPENDED: [("balance", "Screenshot of the balance in Finance → Payment")],
    Reason.OTHER: [
        ("screenshot", "Screenshot of what you saw"),
        ("transactions", "The charge in Finance → Transactions"),
    ],
}

"""Cases made straight in the store, for benchmarks and multi-process tests: a saved account,
a duplicate charge's answers as the intake stores them, and a sent case."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.app.cases.service import FollowUpService

ACCOUNT: dict[str, Any] = {
    "advertiser_id": "7289000011112221010",
    "account_name": "Northwind Apparel",
    "billing": "automatic",
    "in_bc": False,
    "bc_id": None,
    "currency": "USD",
    "account_status": "active",
    "paid_via": "tiktok",
}
# A duplicate charge as the intake stores it (strings, never floats).
ANSWERS: dict[str, Any] = {
    **ACCOUNT,
    "reason": "duplicate",
    "charge_date": "2026-10-29",
    "charge_time": "10:02",
    "amount": "189.90",
    "amount_currency": "USD",
    "amount_text": "$189.90",
    "card_last4": "1881",
    "invoice_number": "BDUS2026550101",
    "campaign_ids": ["1790000000000001", "1790000000000002"],
    "other_date": "2026-10-29",
    "other_time": "10:08",
    "other_invoice": "BDUS2026550102",
    "noticed": "2026-10-30",
    "evidence": [],
}
SUBJECT = "Duplicate charge on ad account 7289000011112221010 (Northwind Apparel)"
MESSAGE = (
    f"Subject: {SUBJECT}\n\n"
    "Hello TikTok Ads support team,\n\n"
    "We were charged twice for the same billing period on our ad account "
    "7289000011112221010 (Northwind Apparel), paid by automatic payment with the card "
    "ending in 1881.\n\n"
    "- Charge 1: 29 Oct 2026, 10:02, USD 189.90, document BDUS2026550101\n"
    "- Charge 2: 29 Oct 2026, 10:08, USD 189.90, document BDUS2026550102\n\n"
    "Both charges cover the same spend of campaigns 1790000000000001 and "
    "1790000000000002; the second one does not correspond to any additional delivery. "
    "Please refund the duplicate charge of USD 189.90 to the original payment method.\n\n"
    "Screenshots of both charges from the Payments page are attached. We noticed the "
    "duplicate on 30 Oct 2026.\n\n"
    "Thank you,\nNorthwind Apparel"
)


def make_real_case(followup: FollowUpService, chat_id: int, sent_at: datetime) -> int:
    """A case as the bot makes one: team, account, draft, ticket, "I've sent it"."""
    case_id = make_sent_case(followup, chat_id, chat_id, sent_at)
    followup.store.set_case_ticket(case_id, chat_id, f"TT-{case_id:08d}", sent_at)
    return case_id


def make_sent_case(
    followup: FollowUpService, team_id: int, owner_id: int, sent_at: datetime
) -> int:
    """A duplicate-charge case of the team (a private chat when `team_id` is the owner's),
    drafted three minutes before `sent_at` and sent then, waiting for TikTok's reply."""
    store = followup.store
    kind = "private" if team_id == owner_id else "supergroup"
    store.ensure_team(team_id, kind, None if kind == "private" else "Agency team")
    ref = store.save_account(team_id, ACCOUNT)
    case_id = store.save_draft_case(
        case_id=None,
        team_id=team_id,
        owner_user_id=owner_id,
        answers={**ANSWERS, "account_ref": ref},
        outcome="eligible",
        situation="duplicate_charge",
        policy_version=followup.policy.version,
        subject=SUBJECT,
        message=MESSAGE,
        now=sent_at - timedelta(minutes=3),
    )
    track = store.load_track(case_id)
    track.send(sent_at, owner_id, followup.schedule(team_id))
    store.save_track(case_id, team_id, track)
    return case_id

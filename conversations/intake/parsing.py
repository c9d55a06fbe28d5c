"""What a typed answer means: one parser per text question, each writing the answers
it reads (or raising InputError), and the conversions of stored answers back to values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from decimal import Decimal
from typing import Any

from conversations.dates import When
from conversations.facts import (
    AccountStatus,
    AddedBalance,
    Appeal,
    Billing,
    ChargeStatus,
    Facts,
    Money,
    PaidVia,
    Reason,
    SpendAfterPause,
)
from conversations.inputs import (
    clean_text,
    contains_card_number,
    mask_card_numbers,
    parse_advertiser_id,
    parse_business_center_id,
    parse_campaign_ids,
    parse_card_last4,
    parse_invoice_number,
    parse_ticket,
)
from conversations.intake.steps import KNOWN_CURRENCIES, Note, Step
from conversations.money import parse_amount
from conversations.regions import parse_region
from conversations.texts import InputError


def _parse_account_id(answers: dict[str, Any], text: str) -> list[Note]:
    answers["advertiser_id"] = parse_advertiser_id(text)
    return []


def _parse_account_name(answers: dict[str, Any], text: str) -> list[Note]:
    answers["account_name"] = clean_text(text, max_len=80)
    return []


def _parse_bc_id(answers: dict[str, Any], text: str) -> list[Note]:
    answers["bc_id"] = parse_business_center_id(text)
    return []


def _parse_currency(answers: dict[str, Any], text: str) -> list[Note]:
    code = text.strip().upper()
    if code not in KNOWN_CURRENCIES:
        raise InputError("Type the currency as its 3-letter code, like USD or EUR.")
    answers["currency"] = code
    return []


def _parse_region(answers: dict[str, Any], text: str) -> list[Note]:
    answers["region"] = parse_region(text)
    return []


def parse_amount_answer(answers: dict[str, Any], text: str, locale: str) -> list[Note]:
    if contains_card_number(text):
        raise InputError(
            "That looks like a card number, and I never keep those. What was the amount "
            "charged? Type it like 120.50 USD."
        )
    money = parse_amount(text, answers.get("currency"), locale, ask_when_unclear=True)
    answers["amount"] = str(money.amount)
    answers["amount_currency"] = money.currency
    answers["amount_text"] = clean_text(text, max_len=60)
    notes = []
    account_currency = answers.get("currency")
    if account_currency and money.currency != account_currency:
        notes.append(Note("currency_differs", account_currency))
    return notes


def _parse_card(answers: dict[str, Any], text: str) -> list[Note]:
    last4, was_full = parse_card_last4(text)
    answers["card_last4"] = last4
    return [Note("card_masked", last4)] if was_full else []


def _parse_invoice(answers: dict[str, Any], text: str) -> list[Note]:
    answers["invoice_number"] = parse_invoice_number(text)
    return []


def _parse_other_invoice(answers: dict[str, Any], text: str) -> list[Note]:
    number = parse_invoice_number(text)
    if number == answers.get("invoice_number"):
        raise InputError("That's the first charge's document number. What's the other one's?")
    answers["other_invoice"] = number
    return []


def _parse_campaigns(answers: dict[str, Any], text: str) -> list[Note]:
    answers["campaign_ids"] = list(parse_campaign_ids(text))
    return []


Parser = Callable[[dict[str, Any], str], list[Note]]


def _free_text(key: str, max_len: int) -> Parser:
    def parse(answers: dict[str, Any], text: str) -> list[Note]:
        answers[key] = clean_text(text, max_len=max_len)
        return []

    return parse


def _parse_ticket(answers: dict[str, Any], text: str) -> list[Note]:
    answers["ticket"] = parse_ticket(text)
    return []


# Steps answered with an amount, read in the chat's locale (see Intake.submit_text).
AMOUNT_STEPS = frozenset({Step.CHARGE_AMOUNT, Step.BALANCE})

TEXT_PARSERS: dict[Step, Parser] = {
    Step.ACCOUNT_ID: _parse_account_id,
    Step.ACCOUNT_NAME: _parse_account_name,
    Step.ACCOUNT_BC_ID: _parse_bc_id,
    Step.ACCOUNT_CURRENCY: _parse_currency,
    Step.ACCOUNT_REGION: _parse_region,
    Step.CHARGE_CARD: _parse_card,
    Step.CHARGE_INVOICE: _parse_invoice,
    Step.CHARGE_CAMPAIGNS: _parse_campaigns,
    Step.OTHER_INVOICE: _parse_other_invoice,
    Step.INVOICE_PROBLEM: _free_text("invoice_problem", 1000),
    Step.STORY: _free_text("story", 1000),
    Step.TICKET: _parse_ticket,
}


def clean_or_none(text: str | None, max_len: int) -> str | None:
    if not text:
        return None
    # Mask before any cut, so a card number is never split into an unmasked part.
    masked = mask_card_numbers(text)
    for candidate in (masked, masked[:max_len]):
        try:
            return clean_text(candidate, max_len=max_len)
        except InputError:
            continue
    # A caption that cleans to nothing is not worth losing the file over.
    return None


def date_or_none(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def charge_status(value: str | None) -> ChargeStatus | None:
    """An imported row's status; a word the export used that is none of TikTok's three
    is treated as unknown (the charge is judged as if it went through)."""
    try:
        return ChargeStatus(value) if value else None
    except ValueError:
        return None


def time_or_none(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def when_to_json(when: When) -> dict[str, str | None]:
    return {"day": when.day.isoformat(), "at": when.at.strftime("%H:%M") if when.at else None}


def facts_from(a: dict[str, Any]) -> Facts:
    """The facts the eligibility engine judges, from an intake's answers so far."""
    value = a.get("reason")
    reason = Reason(value) if value else None
    if reason is None:
        raise ValueError("facts() needs the reason")
    charge_amount = None
    if a.get("amount") is not None:
        charge_amount = Money(Decimal(a["amount"]), a["amount_currency"])
    is_admin = a.get("is_admin")
    status = AccountStatus(a["account_status"]) if a.get("account_status") else None
    if status is None and reason is Reason.SUSPENDED:
        status = AccountStatus.SUSPENDED  # the reason says so
    in_bc = a.get("in_bc")
    return Facts(
        reason=reason,
        billing=Billing(a["billing"]) if a.get("billing") else None,
        in_business_center=None if in_bc is None else bool(in_bc),
        account_status=status,
        paid_via=PaidVia(a["paid_via"]) if a.get("paid_via") else None,
        charge_date=date_or_none(a.get("charge_date")),
        charge_amount=charge_amount,
        appeal=Appeal(a["appeal"]) if a.get("appeal") else None,
        is_admin=None if is_admin is None else bool(is_admin),
        paused_on=date_or_none(a.get("paused_on")),
        spend_after_pause=(
            SpendAfterPause(a["spend_after_pause"]) if a.get("spend_after_pause") else None
        ),
        region=a.get("region"),
        charge_status=charge_status(a.get("charge_status")),
        added_balance=(AddedBalance(a["added_balance"]) if a.get("added_balance") else None),
        charge_time=time_or_none(a.get("charge_time")),
        other_charge_date=date_or_none(a.get("other_date")),
        other_charge_time=time_or_none(a.get("other_time")),
    )

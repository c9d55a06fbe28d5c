"""An intake's answers, typed: what the templates, the views and the tests read.

The intake keeps its answers as a JSON-ready mapping (they are stored with the intake and
the case, and old rows must keep loading), so `IntakeAnswers.of(mapping)` reads that
mapping into named, typed fields once, where a screen or a message is about to be written:
a date is a `date`, an amount a `Money`, a reason a `Reason`. A template that names a field
that doesn't exist fails (the fields are fixed, and the templates run with
`StrictUndefined`), and so does a mapping with a key no question writes: a test fixture
can't drift from what the intake stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from conversations.facts import (
    AccountStatus,
    AddedBalance,
    Appeal,
    Billing,
    Money,
    PaidVia,
    Reason,
    SpendAfterPause,
    Want,
)


@dataclass(frozen=True)
class Charge:
    """One charge a case is about (a case started from an import's flag lists several)."""

    date: date
    time: str | None
    amount: Decimal
    currency: str
    invoice: str | None = None
    card: str | None = None

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> Charge:
        return cls(
            date=_date(item["date"]) or date.min,
            time=item.get("time"),
            amount=Decimal(str(item["amount"])),
            currency=str(item["currency"]),
            invoice=item.get("invoice"),
            card=item.get("card"),
        )


@dataclass(frozen=True)
class Evidence:
    """A file sent as evidence: Telegram's file id, photo or document, and what it shows."""

    file_id: str
    kind: str
    caption: str | None = None
    name: str | None = None
    covers: str | None = None  # the checklist item it was tagged with

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> Evidence:
        return cls(
            file_id=str(item["file_id"]),
            kind=str(item.get("kind") or "document"),
            caption=item.get("caption"),
            name=item.get("name"),
            covers=item.get("covers"),
        )


@dataclass(frozen=True)
class IntakeAnswers:
    """Every answer an intake can hold; None where it wasn't asked (or was skipped)."""

    # The ad account.
    advertiser_id: str | None = None
    account_name: str | None = None
    account_ref: int | None = None
    billing: Billing | None = None
    in_bc: bool | None = None
    bc_id: str | None = None
    currency: str | None = None
    account_status: AccountStatus | None = None
    paid_via: PaidVia | None = None
    region: str | None = None
    # What went wrong, and the charge.
    reason: Reason | None = None
    charge_date: date | None = None
    charge_time: str | None = None
    amount: Decimal | None = None
    amount_currency: str | None = None
    amount_text: str | None = None  # the amount as the advertiser wrote it
    card_last4: str | None = None
    invoice_number: str | None = None
    campaign_ids: tuple[str, ...] | None = None
    charge_status: str | None = None  # an imported charge's status in the export
    charges: tuple[Charge, ...] | None = None
    # The other charge of a duplicate pair.
    other_date: date | None = None
    other_time: str | None = None
    other_invoice: str | None = None
    # The reason's own questions.
    paused_on: date | None = None
    spend_after_pause: SpendAfterPause | None = None
    invoice_problem: str | None = None
    story: str | None = None
    wants: Want | None = None
    appeal: Appeal | None = None
    is_admin: bool | None = None
    added_balance: AddedBalance | None = None
    noticed: date | None = None
    evidence: tuple[Evidence, ...] | None = None
    # Once the message is sent: TikTok's ticket, when a reply is due, and what came back.
    ticket: str | None = None
    reply_due_on: date | None = None
    refunded_amount: Money | None = None

    @property
    def money(self) -> Money | None:
        """The charge's amount with its currency, when one was given."""
        if self.amount is None or self.amount_currency is None:
            return None
        return Money(self.amount, self.amount_currency)

    @classmethod
    def of(cls, answers: Mapping[str, Any], *, strict: bool = False) -> IntakeAnswers:
        """The answers of `answers` (as the intake keeps them), typed. `strict` (the tests)
        refuses a key that is not an answer; otherwise such a key (from a version of the
        bot that asked something else, or kept its bookkeeping among the answers, like
        "_purpose") is left out, so an old case still shows."""
        if strict and (unknown := set(answers) - _NAMES):
            raise ValueError(f"not an answer of the intake: {', '.join(sorted(unknown))}")
        # Only the answers given are read (every question renders this): the others keep
        # their default, None.
        values: dict[str, Any] = dict(_DEFAULTS)
        for name, raw in answers.items():
            read = _READERS.get(name)
            if read is not None and raw is not None:
                values[name] = read(raw)
        # Filled in directly: the frozen dataclass's __init__ sets its 40 fields one by one
        # through object.__setattr__ (4 µs), on every question shown.
        typed = object.__new__(cls)
        typed.__dict__.update(values)
        return typed


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _ref(value: Any) -> int | None:
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() else None


def _text(value: Any) -> str:
    return str(value)


_READERS: dict[str, Any] = {
    "advertiser_id": _text,
    "account_name": _text,
    "account_ref": _ref,
    "billing": Billing,
    "in_bc": bool,
    "bc_id": _text,
    "currency": _text,
    "account_status": AccountStatus,
    "paid_via": PaidVia,
    "region": _text,
    "reason": Reason,
    "charge_date": _date,
    "charge_time": _text,
    "amount": _decimal,
    "amount_currency": _text,
    "amount_text": _text,
    "card_last4": _text,
    "invoice_number": _text,
    "campaign_ids": lambda ids: tuple(str(i) for i in ids),
    "charge_status": _text,
    "charges": lambda items: tuple(Charge.of(item) for item in items),
    "other_date": _date,
    "other_time": _text,
    "other_invoice": _text,
    "paused_on": _date,
    "spend_after_pause": SpendAfterPause,
    "invoice_problem": _text,
    "story": _text,
    "wants": Want,
    "appeal": Appeal,
    "is_admin": bool,
    "added_balance": AddedBalance,
    "noticed": _date,
    "evidence": lambda items: tuple(Evidence.of(item) for item in items),
    "ticket": _text,
    "reply_due_on": _date,
    "refunded_amount": lambda kept: Money(Decimal(str(kept["amount"])), str(kept["currency"])),
}
_NAMES = frozenset(f.name for f in fields(IntakeAnswers))
_DEFAULTS = {f.name: f.default for f in fields(IntakeAnswers)}

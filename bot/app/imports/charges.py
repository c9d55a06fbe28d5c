"""Which cases are about which charges: a case's charges, an imported row's, and the
team's cases about any of them (a flag raised again by a re-import finds its case)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.db.records import CaseRecord
from bot.db.store import Store
from conversations.anomalies import CHARGED_AFTER_PAUSE, DUPLICATE_CHARGE
from conversations.billing import ChargeRow
from conversations.cases import CaseStatus


@dataclass(frozen=True)
class ChargeKey:
    """What tells one charge from another across cases and imports: its document number,
    else its day, amount, currency and card."""

    account_ref: int | None
    document: str | None
    day: str | None  # ISO date
    amount: Decimal | None
    currency: str | None
    card: str | None

    def same(self, other: ChargeKey) -> bool:
        if self.account_ref != other.account_ref:
            return False
        if self.document and other.document:
            return self.document == other.document
        return (
            self.day is not None
            and self.amount is not None
            and bool(self.card)
            and (self.day, self.amount, self.currency, self.card)
            == (other.day, other.amount, other.currency, other.card)
        )


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def case_charges(answers: Mapping[str, Any]) -> list[ChargeKey]:
    """The charges a case is about: its charge, and the other one of a duplicate pair."""
    ref = answers.get("account_ref")
    account = int(ref) if isinstance(ref, int | str) and str(ref).isdigit() else None
    amount = _decimal(answers.get("amount"))
    currency = answers.get("amount_currency")
    card = answers.get("card_last4")
    keys = [
        ChargeKey(
            account,
            answers.get("invoice_number"),
            answers.get("charge_date"),
            amount,
            currency,
            card,
        )
    ]
    if answers.get("other_date") or answers.get("other_invoice"):
        keys.append(
            ChargeKey(
                account,
                answers.get("other_invoice"),
                answers.get("other_date"),
                amount,
                currency,
                card,
            )
        )
    # A case started from a flag of several charges (charges after a pause, a burst of
    # equal charges) is about every one of them.
    for charge in answers.get("charges") or []:
        if isinstance(charge, Mapping):
            keys.append(
                ChargeKey(
                    account,
                    charge.get("invoice"),
                    charge.get("date"),
                    _decimal(charge.get("amount")),
                    charge.get("currency"),
                    charge.get("card"),
                )
            )
    return keys


def stored_charge(account_id: int, row: ChargeRow) -> ChargeKey:
    """An imported row as `case_charges` sees a charge."""
    return ChargeKey(
        account_id,
        row.document,
        row.happened_at.date().isoformat(),
        row.amount,
        row.currency,
        row.card_last4,
    )


# A case that is still about its charge: anything but one cancelled before it was sent.
_FORGOTTEN = frozenset({CaseStatus.CANCELLED})


def cases_about(
    store: Store, team_id: int, charges: list[ChargeKey], *, besides: int | None = None
) -> list[CaseRecord]:
    """The team's open or sent cases about any of these charges (newest first)."""
    found = []
    for case in store.list_cases(team_id, limit=500):
        if case.id == besides or case.status in _FORGOTTEN:
            continue
        if any(k.same(c) for k in case_charges(case.answers) for c in charges):
            found.append(case)
    return found


def flag_reason(rule: str) -> str:
    """The reason code ("d", "p", "u": see `FLAG_REASONS` in bot/app/intake/common.py) a
    flag's case is about."""
    return {DUPLICATE_CHARGE: "d", CHARGED_AFTER_PAUSE: "p"}.get(rule, "u")

"""What a check reports: a `Flag` per pattern found, its rule, and its explanation in
plain words (a `Phrase` the adapter shows in the reader's language)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from conversations.billing import ChargeRow
from conversations.policy import Policy
from conversations.texts import NP_, Phrase, Shown, joined

DUPLICATE_CHARGE = "duplicate_charge"
VERIFICATION_NOT_REVERSED = "verification_not_reversed"
CHARGED_AFTER_PAUSE = "charged_after_pause"


@dataclass(frozen=True)
class Flag:
    """A charge pattern worth a second look: which rule, which rows, why, and the sources."""

    rule: str  # DUPLICATE_CHARGE, VERIFICATION_NOT_REVERSED or CHARGED_AFTER_PAUSE
    rows: tuple[ChargeRow, ...]  # in time order
    # Plain words for the advertiser, in English; a `Phrase` (conversations/texts.py) the
    # adapter shows in the reader's language.
    explanation: str
    source_keys: tuple[str, ...]  # keys of Policy.sources, e.g. ("T5", "T6")
    # CHARGED_AFTER_PAUSE: the pause date the rows were measured against.
    paused_on: date | None = None


def _duplicate_flag(burst: tuple[ChargeRow, ...], policy: Policy) -> Flag:
    first, last = burst[0], burst[-1]
    # As the times are shown (to the minute): 10:02:33 and 10:08:12 are "6 minutes apart".
    shown_first = first.happened_at.replace(second=0, microsecond=0)
    shown_last = last.happened_at.replace(second=0, microsecond=0)
    minutes = int((shown_last - shown_first).total_seconds() // 60)
    apart = (
        Phrase("at the same minute")
        if minutes == 0
        else Phrase(*NP_("%(count)s minute apart", "%(count)s minutes apart"), count=minutes)
    )
    documents = {row.document for row in burst if row.document}
    if len(documents) == len(burst):
        papers = Phrase("each with its own document number")
    elif not documents:
        papers = Phrase("the export shows no document numbers")
    else:
        papers = Phrase("not all with a document number")
    values: dict[str, object] = {
        "amount": _money(first.amount, first.currency),
        "card": _card(first),
        "apart": apart,
        "times": _times(burst),
        "papers": papers,
        "hours": policy.import_rules.threshold_series_hours,
    }
    if len(burst) == 2:
        found = Phrase(
            "Two charges of %(amount)s on %(card)s %(apart)s (%(times)s), %(papers)s, and no "
            "other charge of that amount within %(hours)s hours of them.",
            **values,
        )
    else:
        found = Phrase(
            *NP_(
                "%(count)s charge of %(amount)s on %(card)s %(apart)s (%(times)s), %(papers)s, "
                "and no other charge of that amount within %(hours)s hours of them.",
                "%(count)s charges of %(amount)s on %(card)s %(apart)s (%(times)s), %(papers)s, "
                "and no other charge of that amount within %(hours)s hours of them.",
            ),
            count=len(burst),
            **values,
        )
    explanation = joined(
        found,
        Phrase(
            "Billing-threshold charges can repeat, but they come spread out; equal charges "
            "this close together with none around them may be a double charge. If they paid "
            "for the same spend, that's a billing error to report."
        ),
    )
    return Flag(DUPLICATE_CHARGE, burst, explanation, ("T5", "T6", "T11"))


def _verification_flag(
    charge: ChargeRow, deadline: date, last_day: date | None, policy: Policy, *, labelled: bool
) -> Flag:
    timing = policy.timing
    values: dict[str, object] = {
        "amount": _money(charge.amount, charge.currency),
        "card": _card(charge),
        "day": _day(charge.happened_at.date()),
        "days": timing.verification_reversal_days,
        "deadline": _day(deadline),
    }
    if labelled:
        found = Phrase(
            "A card verification charge of %(amount)s on %(card)s on %(day)s. TikTok reverses "
            "these within %(days)s days, and no refund of that amount shows by %(deadline)s.",
            **values,
        )
    else:
        # Inferred, not labelled: worded as a likelihood (POLICY.md [I]).
        found = Phrase(
            "%(amount)s on %(card)s on %(day)s, the card's first charge in this export and "
            "with no document number, looks like a card verification charge. TikTok reverses "
            "these within %(days)s days, and no refund of that amount shows by %(deadline)s.",
            **values,
        )
    if last_day is not None and last_day < deadline:
        advice = Phrase(
            "This export ends on %(day)s, so the refund may be in a later one: check that "
            "before asking.",
            day=_day(last_day),
        )
    else:
        advice = Phrase("Ask Advertiser Support to reverse it.")
    return Flag(VERIFICATION_NOT_REVERSED, (charge,), joined(found, advice), ("T5",))


def _pause_flag(key: str, paused_on: date, found: tuple[ChargeRow, ...]) -> Flag:
    totals: dict[str, Decimal] = {}
    for row in found:
        totals[row.currency] = totals.get(row.currency, Decimal(0)) + row.amount
    amounts = [_money(amount, currency) for currency, amount in totals.items()]
    total: str = amounts[0]
    for amount in amounts[1:]:
        total = Phrase("%(amounts)s and %(amount)s", amounts=total, amount=amount)
    explanation = joined(
        Phrase(
            *NP_(
                "%(count)s charge (%(total)s) on ad account %(account)s after it was paused on "
                "%(paused)s, the first on %(first)s.",
                "%(count)s charges (%(total)s) on ad account %(account)s after it was paused "
                "on %(paused)s, the first on %(first)s.",
            ),
            count=len(found),
            total=total,
            account=key,
            paused=_day(paused_on),
            first=_day(found[0].happened_at.date()),
        ),
        Phrase(
            "Spend from before a pause is usually billed later, at the next billing threshold "
            "or bill date, so these may well be for earlier spend. Only spend that happened "
            "after the pause is a billing error: compare them with the daily spend in Ads "
            "Manager."
        ),
    )
    return Flag(CHARGED_AFTER_PAUSE, found, explanation, ("T6", "T16"), paused_on=paused_on)


def _money(amount: Decimal, currency: str) -> Shown:
    return Shown(f"{amount:,} {currency}", (amount, currency))


def _day(day: date) -> Shown:
    return Shown(f"{day:%Y-%m-%d}", day)


def _card(row: ChargeRow) -> str:
    if row.card_last4:
        return Phrase("the card ending %(last4)s", last4=row.card_last4)
    if row.payment_method:
        return row.payment_method
    return Phrase("the same payment method")


def _times(rows: Iterable[ChargeRow]) -> str:
    moments = {f"t{index}": _clock(row.happened_at) for index, row in enumerate(rows)}
    template = ", ".join(f"%({key})s" for key in moments)
    return Phrase(template, **moments)


def _clock(moment: datetime) -> Shown:
    return Shown(f"{moment:%Y-%m-%d %H:%M}", moment)

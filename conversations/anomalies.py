"""Spotting charges in imported billing rows that are worth a second look.

This module owns three checks over `ChargeRow`s (conversations/billing/), each a pure
function of the rows, the policy and the dates passed in. A check never calls a charge
wrong on its own say: every `Flag` names its rule, the rows it is about, an explanation
in plain words (hedged where POLICY.md only infers), and the rulebook's source keys.

- `duplicate_charge` (POLICY.md §2 row 5). Automatic payment charges the card each time
  spend reaches the billing threshold, which TikTok says "may result in multiple charges"
  [T5, T6]: equal charges hours apart are normal. The rule: successful charges of the same
  amount and currency on the same card (and ad account) form a *burst* when each follows
  the previous one within `[import].duplicate_window_minutes`. A burst of two or more is
  flagged unless another equal charge lies within `[import].threshold_series_hours`
  before or after it — then the burst reads as part of a threshold series and is left
  alone. Rows with the same fingerprint count once (the same transaction imported twice).
  Known limit: a true double charge in the middle of a busy threshold series is not
  flagged; the person can still pick that charge by hand.
- `verification_not_reversed` (row 5, [T5]). A card verification charge with no refund
  of the same amount, currency and card within `[timing].verification_reversal_days`,
  once that many full days have passed by `today`. A row is a verification charge when
  the export labels it so, or — exports often have no "type" column — when it is the
  first row of its card in the export, a charge of exactly `[import].verification_amounts`
  in its currency (10 USD), with no document number (verification charges get no invoice).
  Currencies not in that table are not guessed at: TikTok publishes no local amounts.
- `charged_after_pause` (row 6, [T6, T16]). Charges dated after a recorded pause date.
  Matching is on the row's ad account (or the account the whole export belongs to):
  transactions exports rarely carry campaign IDs, so a pause recorded for a campaign
  matches nothing. Spend before a pause is usually billed later, so the explanation says
  so; only spend after the pause is a billing error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from conversations.billing import FAILED, PAYMENT, REFUND, SUCCESS, VERIFICATION, ChargeRow
from conversations.errors import NP_, Phrase, Shown, joined
from conversations.policy import Policy

__all__ = [
    "CHARGED_AFTER_PAUSE",
    "DUPLICATE_CHARGE",
    "VERIFICATION_NOT_REVERSED",
    "Flag",
    "charges_after_pause",
    "duplicate_charges",
    "find_anomalies",
    "unreversed_verifications",
]

DUPLICATE_CHARGE = "duplicate_charge"
VERIFICATION_NOT_REVERSED = "verification_not_reversed"
CHARGED_AFTER_PAUSE = "charged_after_pause"

# Statuses that mean the card was (or may have been) charged; None is an export without a
# status column, where every row is taken as charged.
_CHARGED = frozenset({SUCCESS, None})
# Statuses with which a verification row reports its own reversal.
_REVERSED = frozenset({"refunded", "reversed", "voided", "void", "cancelled", "canceled"})


@dataclass(frozen=True)
class Flag:
    """A charge pattern worth a second look: which rule, which rows, why, and the sources."""

    rule: str  # DUPLICATE_CHARGE, VERIFICATION_NOT_REVERSED or CHARGED_AFTER_PAUSE
    rows: tuple[ChargeRow, ...]  # in time order
    # Plain words for the advertiser, in English; a `Phrase` (conversations/errors.py) the
    # adapter shows in the reader's language.
    explanation: str
    source_keys: tuple[str, ...]  # keys of Policy.sources, e.g. ("T5", "T6")
    # CHARGED_AFTER_PAUSE: the pause date the rows were measured against.
    paused_on: date | None = None


def find_anomalies(
    rows: Sequence[ChargeRow],
    policy: Policy,
    *,
    today: date,
    paused: Mapping[str, date] | None = None,
    account: str | None = None,
) -> list[Flag]:
    """Every check's flags: double charges, unreversed verifications, charges after a pause.

    `paused` maps an ad account ID to the day it was paused; `account` is the ad account
    the export belongs to, for rows that don't name one.
    """
    flags = duplicate_charges(rows, policy)
    flags += unreversed_verifications(rows, policy, today=today)
    if paused:
        flags += charges_after_pause(rows, paused, account=account)
    return flags


def duplicate_charges(rows: Iterable[ChargeRow], policy: Policy) -> list[Flag]:
    """Bursts of equal charges on one card that threshold billing doesn't explain.

    See the module docstring for the rule and why it is this one.
    """
    window = timedelta(minutes=policy.import_rules.duplicate_window_minutes)
    series = timedelta(hours=policy.import_rules.threshold_series_hours)
    groups: dict[tuple[object, ...], list[ChargeRow]] = {}
    for row in _unique(rows):
        if _is_charge(row):
            groups.setdefault(_same_charge(row), []).append(row)

    flags: list[Flag] = []
    for group in groups.values():
        group.sort(key=lambda row: row.happened_at)
        for start, end in _bursts(group, window):
            burst = group[start:end]
            before = group[start - 1] if start > 0 else None
            after = group[end] if end < len(group) else None
            in_series = (
                before is not None and burst[0].happened_at - before.happened_at <= series
            ) or (after is not None and after.happened_at - burst[-1].happened_at <= series)
            if not in_series:
                flags.append(_duplicate_flag(tuple(burst), policy))
    return sorted(flags, key=lambda flag: flag.rows[0].line)


def unreversed_verifications(
    rows: Iterable[ChargeRow], policy: Policy, *, today: date
) -> list[Flag]:
    """Card verification charges not refunded within the days TikTok gives itself."""
    days = policy.timing.verification_reversal_days
    unique = _unique(rows)
    last_day = max((row.happened_at.date() for row in unique), default=None)
    refunds = sorted(
        (row for row in unique if row.kind == REFUND and row.status != FAILED),
        key=lambda row: row.happened_at.date(),
    )
    used: set[int] = set()
    flags: list[Flag] = []
    verifications = [
        row
        for row in unique
        if row.kind == VERIFICATION and row.status != FAILED and row.status not in _REVERSED
    ]
    inferred = _unlabelled_verifications(unique, policy)
    verifications += inferred
    for charge in sorted(verifications, key=lambda row: row.happened_at.date()):
        charged_on = charge.happened_at.date()
        deadline = charged_on + timedelta(days=days)
        reversal = next(
            (
                index
                for index, refund in enumerate(refunds)
                if index not in used
                and refund.amount == charge.amount
                and refund.currency == charge.currency
                and _same_card(refund, charge)
                and charged_on <= refund.happened_at.date() <= deadline
            ),
            None,
        )
        if reversal is not None:
            used.add(reversal)
        elif (today - charged_on).days > days:
            flags.append(
                _verification_flag(
                    charge, deadline, last_day, policy, labelled=charge not in inferred
                )
            )
    return flags


def _unlabelled_verifications(rows: list[ChargeRow], policy: Policy) -> list[ChargeRow]:
    """Rows that look like a card's verification charge though nothing labels them so: the
    card's first row in the export, a charge of the verification amount, no document."""
    amounts = policy.import_rules.verification_amounts
    first: dict[tuple[str, str], ChargeRow] = {}
    for row in sorted(rows, key=lambda row: row.happened_at.replace(tzinfo=None)):
        card = row.card_last4 or row.payment_method
        if card is not None:
            first.setdefault((card, row.ad_account or ""), row)
    return [
        row
        for row in first.values()
        if _is_charge(row) and row.document is None and amounts.get(row.currency) == row.amount
    ]


def charges_after_pause(
    rows: Iterable[ChargeRow], paused: Mapping[str, date], *, account: str | None = None
) -> list[Flag]:
    """Charges dated after the day their ad account was paused, one flag per account.

    A row is matched on its `ad_account`, else on `account` (the account the export came
    from). Keys that are campaign IDs match nothing: exports rarely carry them.
    """
    pauses = {key.strip(): day for key, day in paused.items()}
    after: dict[str, list[ChargeRow]] = {}
    for row in _unique(rows):
        key = row.ad_account or account
        if key is None or key not in pauses or not _is_charge(row):
            continue
        if row.happened_at.date() > pauses[key]:
            after.setdefault(key, []).append(row)
    flags = []
    for key, found in after.items():
        found.sort(key=lambda row: row.happened_at)
        flags.append(_pause_flag(key, pauses[key], tuple(found)))
    return flags


# --- the rules' parts ------------------------------------------------------------------


def _unique(rows: Iterable[ChargeRow]) -> list[ChargeRow]:
    """One row per fingerprint: the same transaction from two imports is one charge."""
    seen: set[str] = set()
    unique: list[ChargeRow] = []
    for row in rows:
        if row.fingerprint not in seen:
            seen.add(row.fingerprint)
            unique.append(row)
    return unique


def _is_charge(row: ChargeRow) -> bool:
    """A payment that went through (as far as the export says): not a refund or verification."""
    return row.status in _CHARGED and row.kind in (PAYMENT, None)


def _same_charge(row: ChargeRow) -> tuple[object, ...]:
    """What two charges share to be the same charge twice.

    Whether the time is aware is part of it: naive and aware times can't be compared,
    and only rows from different imports can differ in that.
    """
    card = row.card_last4 or row.payment_method
    return (row.amount, row.currency, card, row.ad_account, row.happened_at.tzinfo is None)


def _same_card(first: ChargeRow, second: ChargeRow) -> bool:
    """Whether two rows can be on the same card (an unknown card matches any)."""
    if first.card_last4 is None or second.card_last4 is None:
        return True
    return first.card_last4 == second.card_last4


def _bursts(group: list[ChargeRow], window: timedelta) -> list[tuple[int, int]]:
    """(start, end) slices of `group` (sorted) where each row follows the last within window."""
    bursts: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(group) + 1):
        if index == len(group) or group[index].happened_at - group[index - 1].happened_at > window:
            if index - start > 1:
                bursts.append((start, index))
            start = index
    return bursts


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

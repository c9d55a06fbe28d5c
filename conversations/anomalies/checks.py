"""The three checks over the rows of an export, and what they share: which rows are
charges, which are the same charge, and bursts within a time window."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from conversations.anomalies.flags import Flag, _duplicate_flag, _pause_flag, _verification_flag
from conversations.billing import FAILED, PAYMENT, REFUND, SUCCESS, VERIFICATION, ChargeRow
from conversations.policy import Policy

# Statuses that mean the card was (or may have been) charged; None is an export without a
# status column, where every row is taken as charged.
_CHARGED = frozenset({SUCCESS, None})
# Statuses with which a verification row reports its own reversal.
_REVERSED = frozenset({"refunded", "reversed", "voided", "void", "cancelled", "canceled"})


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

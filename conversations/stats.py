"""What a chat's (or a team's) cases add up to, for /stats, its chart and stats.csv.

A pure function over plain records: `compute(cases, period, now)` takes each case as
`CaseFacts` (where it stands now, its amount and its timeline) and returns `Stats`. The
bot reads the records (one query, `Store.stats_cases`) and words the result; the chart,
the chat's figures and the export all come from the same `Stats`, so they agree.

The rules, so the figures stay honest:

- The period picks cases by when they were opened; each counts where it is now (its
  current status), and its timeline says how it got there: a case closed after the money
  arrived is still a refunded case; a reopened case counts by its newest round.
- Money is kept per currency, never summed across currencies.
- "Refunded" is the amount recorded with that outcome, or the amount asked when none was
  recorded (the whole refund arrived). "Partly refunded" counts only an amount recorded
  with it; where none was, the case is counted in `unknown_amounts`, never guessed.
- An approval rate over fewer than `MIN_FOR_RATE` decided cases is no rate: `rate` is
  None and the counts are shown instead.
- Open and overdue cases are counted now, whenever they were opened.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from zoneinfo import ZoneInfo

from conversations.cases import OPEN, CaseStatus

__all__ = [
    "MIN_FOR_RATE",
    "CaseFacts",
    "MoneyFigures",
    "Period",
    "PeriodKey",
    "ReasonFigures",
    "Stats",
    "Step",
    "compute",
    "first_working_day",
    "monthly_summary_due",
    "recorded_amount",
]

# Below this many decided cases a percentage says more than the cases do.
MIN_FOR_RATE = 5

S = CaseStatus
# TikTok's word on a case, from its timeline: the triggers that record one.
_REPLIES = frozenset({"reply", "approve", "deny", "refund_arrived", "partly_refunded"})
_MONEY_ARRIVED = frozenset({"refund_arrived", "partly_refunded"})
_DECISIONS = {
    "approve": S.APPROVED,
    "refund_arrived": S.REFUNDED,
    "partly_refunded": S.PARTLY_REFUNDED,
    "deny": S.DENIED,
}
_APPROVED_LIKE = frozenset({S.APPROVED, S.REFUNDED, S.PARTLY_REFUNDED})
# An amount as the outcome records it: "45.50", "45.50 USD", "USD 45.50" (plain digits
# and one decimal point, as the bot stores amounts).
_RECORDED = re.compile(r"^\s*(?:([A-Z]{3})\s*)?([0-9]+(?:\.[0-9]+)?)\s*(?:([A-Z]{3}))?\s*$")


class PeriodKey(StrEnum):
    """The periods /stats offers."""

    DAYS_30 = "30d"
    DAYS_90 = "90d"
    YEAR = "year"
    ALL = "all"
    LAST_MONTH = "month"  # the calendar month before this one (the monthly summary's)


@dataclass(frozen=True)
class Period:
    """Cases opened from `start` (None: ever) until `end` (None: now) are counted."""

    key: PeriodKey
    start: datetime | None
    end: datetime | None = None

    @classmethod
    def of(cls, key: PeriodKey | str, now: datetime, tz: ZoneInfo) -> Period:
        """The period `key` ending `now`; "this year" starts on 1 January in `tz`."""
        key = PeriodKey(key)
        if key is PeriodKey.DAYS_30:
            return cls(key, now - timedelta(days=30))
        if key is PeriodKey.DAYS_90:
            return cls(key, now - timedelta(days=90))
        if key is PeriodKey.YEAR:
            local = now.astimezone(tz)
            return cls(key, datetime(local.year, 1, 1, tzinfo=tz).astimezone(UTC))
        if key is PeriodKey.LAST_MONTH:
            this_month = _month_start(now.astimezone(tz).date())
            last_month = _month_start(this_month - timedelta(days=1))
            return cls(key, _local_midnight(last_month, tz), _local_midnight(this_month, tz))
        return cls(key, None)

    def holds(self, moment: datetime) -> bool:
        return (self.start is None or moment >= self.start) and (
            self.end is None or moment < self.end
        )


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


# The monthly summary may still go out (after downtime) until the end of this day of the
# month; later it would be old news.
SUMMARY_LAST_DAY = 7


def first_working_day(year: int, month: int) -> date:
    """The month's first day from Monday to Friday."""
    day = date(year, month, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def monthly_summary_due(
    now: datetime, tz: ZoneInfo, allowed: Callable[[datetime], datetime]
) -> str | None:
    """The month ("YYYY-MM", the one before this one in `tz`) whose summary is due `now`,
    or None. It is due from the start of this month's first working day in `tz`, moved by
    `allowed` (the chat's quiet hours: the next moment a message may go out), until the
    end of the month's seventh day, and never while `allowed(now)` says to wait."""
    today = now.astimezone(tz).date()
    first = first_working_day(today.year, today.month)
    due = allowed(_local_midnight(first, tz))
    last = _local_midnight(today.replace(day=SUMMARY_LAST_DAY) + timedelta(days=1), tz)
    if not due <= now < last or allowed(now) > now:
        return None
    return (_month_start(today) - timedelta(days=1)).strftime("%Y-%m")


@dataclass(frozen=True)
class Step:
    """One event of a case's timeline (`what` is the trigger's name)."""

    at: datetime
    what: str
    detail: str = ""


@dataclass(frozen=True)
class CaseFacts:
    """One case, as the figures need it."""

    id: int
    reason: str
    status: str
    created_at: datetime
    sent_at: datetime | None = None
    amount: Decimal | None = None  # asked (the charge or the balance); None when unknown
    currency: str | None = None
    assignee: int | None = None  # who it is assigned to (None: nobody)
    steps: tuple[Step, ...] = ()  # oldest first


@dataclass
class MoneyFigures:
    """One currency's money: asked (of sent cases), approved, and refunded."""

    asked: Decimal = Decimal(0)
    approved: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)
    cases: int = 0  # sent cases asking in this currency


@dataclass
class ReasonFigures:
    """Decided cases of one reason: approved (incl. refunded) and denied."""

    approved: int = 0
    denied: int = 0

    @property
    def decided(self) -> int:
        return self.approved + self.denied

    @property
    def rate(self) -> float | None:
        """The approval rate (0–1), or None over fewer than MIN_FOR_RATE decided cases."""
        if self.decided < MIN_FOR_RATE:
            return None
        return self.approved / self.decided


@dataclass
class Stats:
    """What `compute` finds. Money maps are keyed by currency code, sorted on output."""

    period: Period
    opened: int = 0
    sent: int = 0
    closed: int = 0  # sent, and no longer followed (decided or closed)
    money: dict[str, MoneyFigures] = field(default_factory=dict)
    # Outcomes that took money but have no amount recorded (counted, never guessed).
    unknown_amounts: int = 0
    by_reason: dict[str, ReasonFigures] = field(default_factory=dict)
    days_to_reply: float | None = None  # median days from sending to TikTok's first word
    days_to_money: float | None = None  # median days from sending to the money arriving
    replies_measured: int = 0
    refunds_measured: int = 0
    open_now: int = 0
    overdue_now: int = 0
    # Open cases now by assignee (None: unassigned): (open, overdue).
    by_assignee: dict[int | None, tuple[int, int]] = field(default_factory=dict)
    # (month "YYYY-MM", currency) -> (asked, recovered): asked by the month sent,
    # recovered by the month the money arrived.
    months: dict[tuple[str, str], tuple[Decimal, Decimal]] = field(default_factory=dict)

    @property
    def main_currency(self) -> str | None:
        """The currency most sent cases asked in (the chart draws one currency). By cases,
        not amounts: 1,500,000 IDR is not more than 189.90 USD."""
        if not self.money:
            return None
        return max(sorted(self.money), key=lambda c: self.money[c].cases)


def recorded_amount(detail: str, currency: str | None) -> tuple[Decimal, str] | None:
    """The amount an outcome's event records ("45.50" or "45.50 USD"), with its currency
    (the case's, unless the detail names one); None when it records none."""
    found = _RECORDED.match(detail or "")
    if found is None:
        return None
    code = found.group(1) or found.group(3) or currency
    if code is None:
        return None
    try:
        return Decimal(found.group(2)), code
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return None


def _decision(case: CaseFacts) -> tuple[CaseStatus | None, Step | None]:
    """TikTok's decision in the case's newest round, and the event that recorded it.

    A reopened case starts a new round (its earlier decision no longer stands); a closed
    case keeps the decision it was closed with. Without a timeline, the status says it."""
    decided: CaseStatus | None = None
    event: Step | None = None
    for step in case.steps:
        if step.what == "reopen":
            decided, event = None, None
        elif step.what in _DECISIONS:
            decided, event = _DECISIONS[step.what], step
    status = S(case.status)
    if status in _APPROVED_LIKE or status is S.DENIED:
        if decided is not status:
            # The status is where the case is now; a timeline that disagrees is older.
            return status, None
    elif status in OPEN:
        return None, None
    return decided, event


def _first_after(case: CaseFacts, sent: datetime, kinds: frozenset[str]) -> datetime | None:
    for step in case.steps:
        if step.what in kinds and step.at >= sent:
            return step.at
    return None


def _days(start: datetime, end: datetime) -> float:
    return (end - start) / timedelta(days=1)


def _add_month(stats: Stats, month: str, currency: str, asked: Decimal, back: Decimal) -> None:
    old_asked, old_back = stats.months.get((month, currency), (Decimal(0), Decimal(0)))
    stats.months[(month, currency)] = (old_asked + asked, old_back + back)


def compute(cases: Iterable[CaseFacts], period: Period, now: datetime) -> Stats:
    """The figures of `cases` over `period` (see the module's rules); `now` is when."""
    stats = Stats(period)
    reply_days: list[float] = []
    money_days: list[float] = []
    for case in cases:
        status = S(case.status)
        if status in OPEN:
            stats.open_now += 1
            overdue = status is S.OVERDUE
            stats.overdue_now += overdue
            opened, late = stats.by_assignee.get(case.assignee, (0, 0))
            stats.by_assignee[case.assignee] = (opened + 1, late + overdue)
        if not period.holds(case.created_at):
            continue
        stats.opened += 1
        if case.sent_at is None or status in {S.DRAFTED, S.CANCELLED}:
            continue
        stats.sent += 1
        if status not in OPEN:
            stats.closed += 1
        decided, event = _decision(case)
        if decided is not None:
            figures = stats.by_reason.setdefault(case.reason, ReasonFigures())
            if decided is S.DENIED:
                figures.denied += 1
            else:
                figures.approved += 1
        first_word = _first_after(case, case.sent_at, _REPLIES)
        if first_word is not None:
            reply_days.append(_days(case.sent_at, first_word))
        arrived = _first_after(case, case.sent_at, _MONEY_ARRIVED)
        if arrived is not None and decided in {S.REFUNDED, S.PARTLY_REFUNDED}:
            money_days.append(_days(case.sent_at, arrived))
        _count_money(stats, case, decided, event)
    stats.days_to_reply = statistics.median(reply_days) if reply_days else None
    stats.days_to_money = statistics.median(money_days) if money_days else None
    stats.replies_measured = len(reply_days)
    stats.refunds_measured = len(money_days)
    return stats


def _count_money(
    stats: Stats, case: CaseFacts, decided: CaseStatus | None, event: Step | None
) -> None:
    """Add one sent case's money: asked, approved and refunded, in its own currency."""
    assert case.sent_at is not None
    asked = (
        (case.amount, case.currency)
        if case.amount is not None and case.currency is not None
        else None
    )
    recorded = recorded_amount(event.detail, case.currency) if event is not None else None
    if asked is not None:
        figures = stats.money.setdefault(asked[1], MoneyFigures())
        figures.asked += asked[0]
        figures.cases += 1
        _add_month(stats, case.sent_at.strftime("%Y-%m"), asked[1], asked[0], Decimal(0))
    if decided not in _APPROVED_LIKE:
        return
    # Partly refunded: only what was recorded (the rest is unknown, not the amount asked).
    back = recorded if decided is S.PARTLY_REFUNDED else recorded or asked
    if back is None:
        stats.unknown_amounts += 1
        return
    figures = stats.money.setdefault(back[1], MoneyFigures())
    figures.approved += back[0]
    if decided in {S.REFUNDED, S.PARTLY_REFUNDED}:
        figures.refunded += back[0]
        when = event.at if event is not None else case.sent_at
        _add_month(stats, when.strftime("%Y-%m"), back[1], Decimal(0), back[0])

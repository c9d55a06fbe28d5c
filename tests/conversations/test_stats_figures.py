"""The figures of /stats, its chart and stats.csv, from known cases and outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from conversations.stats import (
    MIN_FOR_RATE,
    CaseFacts,
    Period,
    PeriodKey,
    Step,
    compute,
    recorded_amount,
)

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
ALL = Period(PeriodKey.ALL, None)


def day(n: int) -> datetime:
    """`n` days before NOW."""
    return NOW - timedelta(days=n)


def sent_case(
    id: int,
    status: str,
    *,
    reason: str = "duplicate",
    amount: str | None = "100.00",
    currency: str = "USD",
    sent: int = 40,
    steps: tuple[tuple[int, str, str], ...] = (),
    assignee: int | None = None,
) -> CaseFacts:
    """A case opened and sent `sent` days ago; steps are (days after sending, what, detail)."""
    sent_at = day(sent)
    return CaseFacts(
        id=id,
        reason=reason,
        status=status,
        created_at=sent_at - timedelta(hours=1),
        sent_at=sent_at,
        amount=Decimal(amount) if amount is not None else None,
        currency=currency if amount is not None else None,
        assignee=assignee,
        steps=tuple(Step(sent_at + timedelta(days=d), what, detail) for d, what, detail in steps),
    )


def test_cases_opened_sent_and_closed_count_where_they_are_now() -> None:
    cases = [
        CaseFacts(1, "duplicate", "drafted", day(3)),
        CaseFacts(2, "duplicate", "cancelled", day(3)),
        sent_case(3, "awaiting_reply"),
        sent_case(4, "refunded", steps=((5, "refund_arrived", ""),)),
        sent_case(5, "denied", steps=((2, "deny", ""),)),
        sent_case(6, "closed", steps=((1, "approve", ""), (9, "refund_arrived", ""))),
    ]
    stats = compute(cases, ALL, NOW)
    assert (stats.opened, stats.sent, stats.closed) == (6, 4, 3)
    # Closed after the money arrived: still a refunded case, by its timeline.
    assert stats.money["USD"].refunded == Decimal("200.00")
    assert stats.open_now == 1


def test_money_is_kept_per_currency_never_summed() -> None:
    cases = [
        sent_case(
            1, "refunded", amount="100.00", currency="USD", steps=((3, "refund_arrived", ""),)
        ),
        sent_case(2, "approved", amount="50.00", currency="USD", steps=((3, "approve", ""),)),
        sent_case(3, "awaiting_reply", amount="25.50", currency="USD"),
        sent_case(
            4, "refunded", amount="1500000", currency="IDR", steps=((4, "refund_arrived", ""),)
        ),
        sent_case(5, "denied", amount="300.00", currency="EUR", steps=((2, "deny", ""),)),
    ]
    stats = compute(cases, ALL, NOW)
    assert set(stats.money) == {"USD", "IDR", "EUR"}
    usd, idr, eur = stats.money["USD"], stats.money["IDR"], stats.money["EUR"]
    assert (usd.asked, usd.approved, usd.refunded) == (
        Decimal("175.50"),
        Decimal("150.00"),
        Decimal("100.00"),
    )
    assert (idr.asked, idr.approved, idr.refunded) == (Decimal(1500000),) * 3
    assert (eur.asked, eur.approved, eur.refunded) == (Decimal("300.00"), Decimal(0), Decimal(0))
    # The chart's currency is the one most cases asked in, not the biggest number.
    assert stats.main_currency == "USD"
    # Months carry the currency too: nothing adds USD to IDR.
    assert {code for _month, code in stats.months} == {"USD", "IDR", "EUR"}


def test_partly_refunded_counts_the_amount_recorded_and_never_guesses_one() -> None:
    cases = [
        sent_case(1, "partly_refunded", steps=((6, "partly_refunded", "40.00"),)),
        sent_case(2, "partly_refunded", steps=((6, "partly_refunded", "15.25 USD"),)),
        sent_case(3, "partly_refunded", steps=((6, "partly_refunded", ""),)),
        # A refund recorded without an amount is the whole amount asked.
        sent_case(4, "refunded", amount="80.00", steps=((6, "refund_arrived", ""),)),
        # A refund recorded with its amount counts that amount.
        sent_case(5, "refunded", amount="80.00", steps=((6, "refund_arrived", "79.50"),)),
        # No amount asked at all: the outcome is counted as unknown.
        sent_case(6, "refunded", amount=None, steps=((6, "refund_arrived", ""),)),
    ]
    stats = compute(cases, ALL, NOW)
    assert stats.money["USD"].refunded == Decimal("40.00") + Decimal("15.25") + 80 + Decimal(
        "79.50"
    )
    assert stats.unknown_amounts == 2
    assert stats.money["USD"].asked == 3 * 100 + 2 * 80


def test_recorded_amounts_are_read_as_the_bot_writes_them() -> None:
    assert recorded_amount("40.00", "USD") == (Decimal("40.00"), "USD")
    assert recorded_amount("EUR 12.5", "USD") == (Decimal("12.5"), "EUR")
    assert recorded_amount("1500000 IDR", None) == (Decimal(1500000), "IDR")
    assert recorded_amount("", "USD") is None
    assert recorded_amount("about half", "USD") is None
    assert recorded_amount("40.00", None) is None


def test_the_approval_rate_is_a_rate_only_over_five_decided_cases() -> None:
    cases = []
    # Duplicates: 4 approved (2 still waiting for the money, 2 refunded), 1 denied.
    for i in range(2):
        cases.append(sent_case(i, "approved", steps=((2, "approve", ""),)))
        cases.append(sent_case(10 + i, "refunded", steps=((3, "refund_arrived", ""),)))
    cases.append(sent_case(20, "denied", steps=((2, "deny", ""),)))
    # After a pause: 1 approved, 2 denied, 1 still waiting (not decided).
    cases.append(
        sent_case(30, "refunded", reason="after_pause", steps=((4, "refund_arrived", ""),))
    )
    cases.append(sent_case(31, "denied", reason="after_pause", steps=((4, "deny", ""),)))
    cases.append(sent_case(32, "denied", reason="after_pause", steps=((4, "deny", ""),)))
    cases.append(sent_case(33, "awaiting_reply", reason="after_pause"))
    stats = compute(cases, ALL, NOW)
    duplicate, pause = stats.by_reason["duplicate"], stats.by_reason["after_pause"]
    assert (duplicate.approved, duplicate.denied) == (4, 1)
    assert duplicate.rate == pytest.approx(0.8)
    assert (pause.approved, pause.denied) == (1, 2)
    assert pause.decided < MIN_FOR_RATE and pause.rate is None


def test_a_reopened_case_counts_by_its_newest_round() -> None:
    denied_then_reopened = sent_case(
        1, "awaiting_reply", steps=((2, "deny", ""), (3, "reopen", ""))
    )
    refunded_after_reopening = sent_case(
        2, "refunded", steps=((2, "deny", ""), (3, "reopen", ""), (9, "refund_arrived", ""))
    )
    stats = compute([denied_then_reopened, refunded_after_reopening], ALL, NOW)
    assert (stats.by_reason["duplicate"].approved, stats.by_reason["duplicate"].denied) == (1, 0)
    assert stats.open_now == 1


def test_medians_of_days_to_the_first_reply_and_to_the_money() -> None:
    cases = [
        sent_case(
            1, "refunded", steps=((2, "reply", ""), (5, "approve", ""), (12, "refund_arrived", ""))
        ),
        sent_case(2, "refunded", steps=((4, "approve", ""), (20, "refund_arrived", ""))),
        sent_case(3, "denied", steps=((7, "deny", ""),)),
        sent_case(4, "awaiting_reply"),  # no reply yet: not measured
    ]
    stats = compute(cases, ALL, NOW)
    assert stats.days_to_reply == pytest.approx(4.0)  # median of 2, 4, 7
    assert stats.replies_measured == 3
    assert stats.days_to_money == pytest.approx(16.0)  # median of 12, 20
    assert stats.refunds_measured == 2
    assert compute([sent_case(5, "awaiting_reply")], ALL, NOW).days_to_reply is None


def test_the_period_picks_cases_by_when_they_were_opened_but_open_ones_count_now() -> None:
    tz = ZoneInfo("Asia/Jakarta")
    old_open = sent_case(1, "overdue", sent=200, assignee=7)
    old_refund = sent_case(2, "refunded", sent=200, steps=((3, "refund_arrived", ""),))
    recent = sent_case(3, "refunded", sent=10, steps=((3, "refund_arrived", ""),), assignee=7)
    fresh_open = sent_case(4, "awaiting_reply", sent=5)
    last_30 = compute([old_open, old_refund, recent, fresh_open], Period.of("30d", NOW, tz), NOW)
    assert (last_30.opened, last_30.sent) == (2, 2)
    assert last_30.money["USD"].refunded == 100
    assert (last_30.open_now, last_30.overdue_now) == (2, 1)
    assert last_30.by_assignee == {7: (1, 1), None: (1, 0)}
    everything = compute([old_open, old_refund, recent, fresh_open], ALL, NOW)
    assert everything.opened == 4 and everything.money["USD"].refunded == 200


def test_this_year_starts_on_the_first_of_january_in_the_chats_time_zone() -> None:
    tz = ZoneInfo("Asia/Jakarta")  # UTC+7: the year began at 17:00 UTC on 31 December
    period = Period.of(PeriodKey.YEAR, NOW, tz)
    assert period.start == datetime(2025, 12, 31, 17, 0, tzinfo=UTC)
    assert Period.of("90d", NOW, tz).start == NOW - timedelta(days=90)
    assert Period.of("all", NOW, tz).start is None
    with pytest.raises(ValueError):
        Period.of("7d", NOW, tz)


def test_months_put_money_asked_by_sending_and_recovered_by_arrival() -> None:
    sent_at = datetime(2026, 10, 28, tzinfo=UTC)
    case = CaseFacts(
        1,
        "duplicate",
        "refunded",
        sent_at,
        sent_at,
        Decimal("60.00"),
        "USD",
        steps=(Step(datetime(2026, 11, 3, tzinfo=UTC), "refund_arrived"),),
    )
    stats = compute([case], ALL, NOW)
    assert stats.months == {
        ("2026-10", "USD"): (Decimal("60.00"), Decimal(0)),
        ("2026-11", "USD"): (Decimal(0), Decimal("60.00")),
    }

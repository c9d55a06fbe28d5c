"""Case tracking, conversations.cases.pings: what a reminder is about, and reminder times kept
out of quiet hours (across DST)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.cases import (
    CaseStatus,
    CaseTrack,
    Ping,
    PingKind,
    Schedule,
    ping_for,
    ping_time,
)
from conversations.policy import Policy
from tests.case_clock import (
    BERLIN,
    KOLKATA,
    NEW_YORK,
    SAO_PAULO,
    T0,
    S,
    case_in,
    is_quiet,
    utc,
)

# --- what a reminder is about --------------------------------------------------------------


def test_nothing_is_due_before_next_ping_at(schedule: Schedule, policy: Policy) -> None:
    """ping_for is None until next_ping_at, then says what is due."""
    case = case_in(S.AWAITING_REPLY, schedule)
    assert case.next_ping_at is not None
    assert ping_for(case, case.next_ping_at - timedelta(seconds=1), policy) is None
    assert ping_for(case, case.next_ping_at, policy) == Ping(
        PingKind.REPLY_OVERDUE, 7, 0, suggest_escalation=True
    )


@pytest.mark.parametrize(
    ("status", "followups", "kind", "escalate", "unanswered"),
    [
        # POLICY.md §3: no answer after the expected time is when to escalate, so the
        # first overdue reminder already offers it (issue 16 B.2).
        (S.AWAITING_REPLY, 0, PingKind.REPLY_OVERDUE, True, False),
        (S.OVERDUE, 0, PingKind.REPLY_OVERDUE, True, False),
        (S.OVERDUE, 1, PingKind.FOLLOWUP_OVERDUE, True, False),
        (S.FOLLOWED_UP, 1, PingKind.FOLLOWUP_OVERDUE, True, False),
        (S.FOLLOWED_UP, 2, PingKind.FOLLOWUP_OVERDUE, True, True),
        (S.OVERDUE, 3, PingKind.FOLLOWUP_OVERDUE, True, True),
        # TikTok answered: no escalation for a pending decision.
        (S.ANSWERED, 2, PingKind.DECISION_PENDING, False, False),
        (S.APPROVED, 0, PingKind.REFUND_OVERDUE, True, False),
    ],
)
def test_ping_kind_and_escalation(
    status: CaseStatus,
    followups: int,
    kind: PingKind,
    escalate: bool,
    unanswered: bool,
    policy: Policy,
) -> None:
    """The kind follows the status; every reminder about a missing answer offers escalating,
    and after escalate_after_followups unanswered follow-ups it leads with it."""
    case = CaseTrack(
        status=status, followups=followups, sent_at=T0, waiting_since=T0, next_ping_at=T0
    )
    assert ping_for(case, T0 + timedelta(days=3, hours=23), policy) == Ping(
        kind, 3, followups, escalate, unanswered
    )


# --- quiet hours and DST -----------------------------------------------------------------------

QUIET_CASES = [
    # Berlin, spring forward (Sun 29 Mar 2026, 02:00 CET -> 03:00 CEST): 09:00 is 07:00 UTC.
    pytest.param(BERLIN, utc(3, 28, 20, 30), None, utc(3, 29, 7), id="berlin-spring-evening"),
    pytest.param(BERLIN, utc(3, 29, 0, 30), None, utc(3, 29, 7), id="berlin-spring-before-jump"),
    pytest.param(BERLIN, utc(3, 29, 6, 30), None, utc(3, 29, 7), id="berlin-spring-morning"),
    pytest.param(BERLIN, utc(3, 29, 7), None, utc(3, 29, 7), id="berlin-spring-at-nine"),
    pytest.param(BERLIN, utc(3, 29, 18, 59), None, utc(3, 29, 18, 59), id="berlin-spring-20-59"),
    pytest.param(BERLIN, utc(3, 29, 19), None, utc(3, 30, 7), id="berlin-spring-21-00"),
    # Berlin, fall back (Sun 25 Oct 2026, 03:00 CEST -> 02:00 CET): 09:00 is 08:00 UTC.
    pytest.param(BERLIN, utc(10, 24, 19, 30), None, utc(10, 25, 8), id="berlin-autumn-evening"),
    pytest.param(BERLIN, utc(10, 25, 0, 30), None, utc(10, 25, 8), id="berlin-autumn-first-2-30"),
    pytest.param(BERLIN, utc(10, 25, 1, 30), None, utc(10, 25, 8), id="berlin-autumn-second-2-30"),
    pytest.param(BERLIN, utc(10, 25, 19, 59), None, utc(10, 25, 19, 59), id="berlin-autumn-20-59"),
    pytest.param(BERLIN, utc(10, 25, 20), None, utc(10, 26, 8), id="berlin-autumn-21-00"),
    # Kolkata, UTC+5:30: 21:00 is 15:30 UTC, 09:00 is 03:30 UTC.
    pytest.param(KOLKATA, utc(1, 10, 15, 29), None, utc(1, 10, 15, 29), id="kolkata-20-59"),
    pytest.param(KOLKATA, utc(1, 10, 15, 30), None, utc(1, 11, 3, 30), id="kolkata-21-00"),
    pytest.param(KOLKATA, utc(1, 10, 18, 30), None, utc(1, 11, 3, 30), id="kolkata-midnight"),
    pytest.param(KOLKATA, utc(1, 11, 3, 29), None, utc(1, 11, 3, 30), id="kolkata-08-59"),
    pytest.param(KOLKATA, utc(1, 11, 3, 30), None, utc(1, 11, 3, 30), id="kolkata-09-00"),
    # A window that does not cross midnight: 13:00-15:00 (a siesta).
    pytest.param(
        KOLKATA, utc(1, 10, 8), (time(13), time(15)), utc(1, 10, 9, 30), id="siesta-inside"
    ),
    pytest.param(
        KOLKATA, utc(1, 10, 7, 29), (time(13), time(15)), utc(1, 10, 7, 29), id="siesta-before"
    ),
    pytest.param(
        KOLKATA, utc(1, 10, 9, 30), (time(13), time(15)), utc(1, 10, 9, 30), id="siesta-end"
    ),
    # A window ending at a time the clock skips: it ends when the clock jumps (03:00 CEST).
    pytest.param(
        BERLIN, utc(3, 29, 0, 30), (time(0), time(2, 30)), utc(3, 29, 1), id="end-in-dst-gap"
    ),
    # A window ending at a time the clock shows twice: the showing not before `due`.
    pytest.param(
        BERLIN, utc(10, 25, 0, 10), (time(0), time(2, 30)), utc(10, 25, 0, 30), id="fold-first"
    ),
    pytest.param(
        BERLIN, utc(10, 25, 1, 10), (time(0), time(2, 30)), utc(10, 25, 1, 30), id="fold-second"
    ),
    # Equal ends: no quiet hours at all.
    pytest.param(BERLIN, utc(1, 10, 23), (time(9), time(9)), utc(1, 10, 23), id="no-quiet-hours"),
]


@pytest.mark.parametrize(("tz", "due", "quiet", "expected"), QUIET_CASES)
def test_ping_time_moves_out_of_quiet_hours(
    tz: ZoneInfo, due: datetime, quiet: tuple[time, time] | None, expected: datetime
) -> None:
    """A due moment in local quiet hours moves to the window's end (in UTC); others stay."""
    result = ping_time(due, tz) if quiet is None else ping_time(due, tz, *quiet)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize("tz", [BERLIN, NEW_YORK, KOLKATA, SAO_PAULO], ids=str)
def test_ping_time_over_a_whole_year(tz: ZoneInfo) -> None:
    """Every half hour of 2026, DST days included: never earlier than due, never in quiet
    hours, unmoved outside them, and moved no further than the window's end."""
    moment = utc(1, 1, 0)
    while moment.year == 2026:
        result = ping_time(moment, tz)
        assert result >= moment
        assert not is_quiet(result, tz)
        if is_quiet(moment, tz):
            assert result.astimezone(tz).time() == time(9)
            assert is_quiet(result - timedelta(minutes=1), tz)
            # 12 hours of quiet, 13 on the night the clocks go back.
            assert result - moment <= timedelta(hours=13)
        else:
            assert result == moment
        moment += timedelta(minutes=30)

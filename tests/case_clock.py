"""Shared by the case-tracking tests (test_case_*.py): time zones, an injected clock, a
scripted user and a case brought to any status; the `policy` and `schedule` fixtures are in
tests/conversations/conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations.cases import (
    SYSTEM_ACTOR,
    CaseStatus,
    CaseTrack,
    Ping,
    Schedule,
    fire,
    ping_for,
)
from conversations.policy import Policy

S = CaseStatus
USER = 42
SAO_PAULO = ZoneInfo("America/Sao_Paulo")  # UTC-3 all year (no DST since 2019)
BERLIN = ZoneInfo("Europe/Berlin")  # DST 2026: 29 Mar 01:00 UTC and 25 Oct 01:00 UTC
KOLKATA = ZoneInfo("Asia/Kolkata")  # UTC+5:30, no DST
NEW_YORK = ZoneInfo("America/New_York")

Action = Callable[[CaseTrack, datetime], None]


def at(tz: ZoneInfo, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A 2026 local wall-clock time in `tz`, as the UTC instant the domain works with."""
    return datetime(2026, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


def sp(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return at(SAO_PAULO, month, day, hour, minute)


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def act(trigger: str, schedule: Schedule) -> Action:
    """A scripted user action: fire `trigger` at the simulated moment."""

    def action(case: CaseTrack, now: datetime) -> None:
        fire(case, trigger, now, USER, schedule)

    return action


def simulate(
    case: CaseTrack,
    schedule: Schedule,
    policy: Policy,
    start: datetime,
    days: int,
    script: dict[datetime, Action],
) -> list[tuple[datetime, Ping]]:
    """Advance "now" an hour at a time: run the user's action for that hour, then be the
    reminder sweep (ask ping_for; deliver and record what is due). Returns the pings."""
    script = dict(script)
    pings: list[tuple[datetime, Ping]] = []
    for hour in range(days * 24 + 1):
        now = start + timedelta(hours=hour)
        action = script.pop(now, None)
        if action is not None:
            action(case, now)
        ping = ping_for(case, now, policy)
        if ping is not None:
            pings.append((now, ping))
            case.remind(now, SYSTEM_ACTOR, schedule)
    assert not script, f"test setup: script times never reached: {sorted(script)}"
    return pings


def is_quiet(moment: datetime, tz: ZoneInfo, start: time = time(21), end: time = time(9)) -> bool:
    wall = moment.astimezone(tz).time()
    if start > end:
        return wall >= start or wall < end
    return start <= wall < end


T0 = sp(3, 2, 10)  # Monday
LATE = T0 + timedelta(days=100)  # past every deadline a case in the table can have


def case_in(status: CaseStatus, schedule: Schedule) -> CaseTrack:
    """A case brought to `status` the way a user would, through the triggers."""
    case = CaseTrack()
    if status is S.DRAFTED:
        return case
    if status is S.SENT:
        # Never left there by `send`; a stored row could still hold it.
        return CaseTrack(status=S.SENT, sent_at=T0)
    if status is S.CANCELLED:
        case.cancel(T0, USER, schedule)
        return case
    case.send(T0, USER, schedule)
    steps: dict[CaseStatus, list[str]] = {
        S.AWAITING_REPLY: [],
        S.OVERDUE: ["remind"],
        S.FOLLOWED_UP: ["remind", "follow_up"],
        S.ANSWERED: ["reply"],
        S.APPROVED: ["reply", "approve"],
        S.REFUNDED: ["reply", "approve", "refund_arrived"],
        S.PARTLY_REFUNDED: ["reply", "approve", "partly_refunded"],
        S.DENIED: ["deny"],
        S.CLOSED: ["close"],
    }
    for trigger in steps[status]:
        now = case.next_ping_at if trigger == "remind" else case.events[-1].at + timedelta(hours=1)
        assert now is not None
        fire(case, trigger, now, USER, schedule)
    assert case.status is status
    return case

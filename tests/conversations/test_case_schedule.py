"""Case tracking, conversations.cases.schedule: due dates from the policy data, in the user's
time zone, and the policy's [timing] keys."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conversations.cases import (
    MACHINE,
    SYSTEM_ACTOR,
    CaseStatus,
    CaseTrack,
    Schedule,
    attached,
    ping_for,
    ping_time,
)
from conversations.policy import DEFAULT_POLICY_PATH, Policy, PolicyError, load_policy
from tests.case_clock import (
    BERLIN,
    KOLKATA,
    LATE,
    SAO_PAULO,
    T0,
    USER,
    S,
    at,
    case_in,
    sp,
    utc,
)

# --- due dates from the policy data ------------------------------------------------------


def test_reply_is_due_five_business_days_later_at_the_same_local_time(
    schedule: Schedule,
) -> None:
    """Sending starts the reply wait: 5 business days, same local time, reminder then."""
    case = CaseTrack()
    case.send(sp(3, 6, 10), USER, schedule, detail="ticket 123")  # a Friday
    assert case.status is S.AWAITING_REPLY
    assert case.sent_at == case.waiting_since == sp(3, 6, 10)
    assert case.reply_due_at == case.next_ping_at == sp(3, 13, 10)
    assert case.events[0].detail == "ticket 123"


@pytest.mark.parametrize(
    ("tz", "sent", "due"),
    [
        # Sunday 22:00 in São Paulo is already Monday in UTC: Sunday counts, so Friday.
        pytest.param(SAO_PAULO, (3, 1, 22), (3, 6, 22), id="sao-paulo-sunday-night"),
        # Monday 02:00 in Kolkata is still Sunday in UTC: Monday counts, so next Monday.
        pytest.param(KOLKATA, (3, 2, 2), (3, 9, 2), id="kolkata-monday-early"),
    ],
)
def test_business_days_count_in_the_users_time_zone(
    tz: ZoneInfo,
    sent: tuple[int, int, int],
    due: tuple[int, int, int],
    policy: Policy,
) -> None:
    """Weekdays are the user's local ones, not UTC's."""
    schedule = Schedule(policy.timing, tz, quiet_start=time(0), quiet_end=time(0))
    case = CaseTrack()
    case.send(at(tz, *sent), USER, schedule)
    assert case.reply_due_at == at(tz, *due)


def test_a_chat_can_set_its_own_reply_wait(policy: Policy) -> None:
    """A per-chat reply wait replaces reply_expected_business_days."""
    schedule = Schedule(policy.timing, SAO_PAULO, reply_business_days=2)
    case = CaseTrack()
    case.send(sp(3, 2, 10), USER, schedule)  # Monday
    assert case.reply_due_at == sp(3, 4, 10)
    with pytest.raises(ValueError, match="above 0"):
        Schedule(policy.timing, SAO_PAULO, reply_business_days=0)


def test_reply_deadline_keeps_local_time_across_dst(policy: Policy) -> None:
    """In Berlin, a Monday 22:00 send across the spring change is due the next Monday
    22:00 local (one hour less in UTC), and pinged at 09:00 local on Tuesday."""
    schedule = Schedule(policy.timing, BERLIN)
    case = CaseTrack()
    case.send(utc(3, 23, 21), USER, schedule)  # Mon 23 Mar 22:00 CET
    assert case.reply_due_at == utc(3, 30, 20)  # Mon 30 Mar 22:00 CEST
    assert case.next_ping_at == utc(3, 31, 7)  # Tue 31 Mar 09:00 CEST


def test_follow_up_counts_and_waits_three_business_days(schedule: Schedule) -> None:
    """A follow-up adds one to followups and waits followup_wait_business_days for an answer."""
    case = case_in(S.OVERDUE, schedule)
    case.follow_up(sp(3, 13, 16), USER, schedule)  # a Friday
    assert case.status is S.FOLLOWED_UP
    assert case.followups == 1
    assert case.waiting_since == sp(3, 13, 16)
    assert case.reply_due_at == case.next_ping_at == sp(3, 18, 16)  # Wednesday


def test_approval_starts_the_sixty_day_refund_wait(schedule: Schedule) -> None:
    """Approval records when, and expects the money refund_expected_days later."""
    case = case_in(S.ANSWERED, schedule)
    case.approve(sp(4, 1, 15), USER, schedule)
    assert case.approved_at == sp(4, 1, 15)
    assert case.refund_due_at == case.next_ping_at == sp(5, 31, 15)
    assert case.reply_due_at is None


def test_snooze_waits_snooze_days_and_ends_with_the_next_change(schedule: Schedule) -> None:
    """Snooze keeps the case overdue and moves the next reminder snooze_days on; the
    next change (here a follow-up) ends the snooze."""
    case = case_in(S.OVERDUE, schedule)
    case.snooze(sp(3, 10, 20), USER, schedule)
    assert case.status is S.OVERDUE
    assert case.snoozed_until == case.next_ping_at == sp(3, 12, 20)
    case.follow_up(sp(3, 11, 12), USER, schedule)
    assert case.snoozed_until is None


def test_waits_come_from_the_policy_data(policy: Policy) -> None:
    """Changing [timing] changes every wait, with no code change."""
    timing = dataclasses.replace(
        policy.timing,
        reply_expected_business_days=1,
        followup_wait_business_days=1,
        snooze_days=4,
        reminder_repeat_days=1,
        refund_expected_days=10,
        escalate_after_followups=1,
    )
    schedule = Schedule(timing, SAO_PAULO)
    short = dataclasses.replace(policy, timing=timing)
    case = CaseTrack()
    case.send(sp(3, 2, 10), USER, schedule)
    assert case.reply_due_at == sp(3, 3, 10)
    case.remind(sp(3, 3, 10), SYSTEM_ACTOR, schedule)
    assert case.next_ping_at == sp(3, 4, 10)
    case.snooze(sp(3, 3, 11), USER, schedule)
    assert case.next_ping_at == sp(3, 7, 11)
    case.follow_up(sp(3, 3, 12), USER, schedule)
    assert case.reply_due_at == sp(3, 4, 12)
    ping = ping_for(case, sp(3, 4, 12), short)
    assert ping is not None and ping.suggest_escalation
    case.approve(sp(3, 4, 13), USER, schedule)
    assert case.refund_due_at == sp(3, 14, 13)


def test_reopen_starts_a_new_round(schedule: Schedule) -> None:
    """Reopening gives a fresh reply deadline from now and forgets the old round's
    follow-ups, approval and closing (the timeline keeps them)."""
    case = case_in(S.FOLLOWED_UP, schedule)
    case.approve(sp(3, 20, 10), USER, schedule)
    case.close(sp(3, 21, 10), USER, schedule)
    assert (case.closed_at, case.next_ping_at) == (sp(3, 21, 10), None)
    case.reopen(sp(4, 6, 10), USER, schedule)  # a Monday
    assert case.status is S.AWAITING_REPLY
    assert case.reply_due_at == case.next_ping_at == sp(4, 13, 10)
    assert case.followups == 0
    assert case.approved_at is case.refund_due_at is case.closed_at is None
    assert case.sent_at == T0
    assert "follow_up" in [event.what for event in case.events]


@pytest.mark.parametrize(
    "status", [S.REFUNDED, S.PARTLY_REFUNDED, S.DENIED, S.CLOSED, S.CANCELLED, S.DRAFTED]
)
def test_finished_and_unsent_cases_never_ping(
    status: CaseStatus, schedule: Schedule, policy: Policy
) -> None:
    """Drafted, decided, closed and cancelled cases have no next reminder and get none."""
    case = case_in(status, schedule)
    assert case.next_ping_at is None
    # Even a stale next_ping_at (say, a row saved by older code) gives no reminder.
    case.next_ping_at = T0
    assert ping_for(case, LATE, policy) is None


def test_naive_times_are_refused(schedule: Schedule, policy: Policy) -> None:
    """Every moment must be aware: a naive one is a bug, not a local time to guess."""
    with pytest.raises(ValueError, match="aware"):
        CaseTrack().send(datetime(2026, 3, 2, 10), USER, schedule)
    with pytest.raises(ValueError, match="aware"):
        ping_for(CaseTrack(), datetime(2026, 3, 2, 10), policy)
    with pytest.raises(ValueError, match="aware"):
        ping_time(datetime(2026, 3, 2, 10), BERLIN)


def test_times_are_stored_in_utc(schedule: Schedule) -> None:
    """An aware time in another zone is stored as the same instant in UTC."""
    case = CaseTrack()
    case.send(datetime(2026, 3, 2, 10, tzinfo=SAO_PAULO), USER, schedule)
    assert case.sent_at == sp(3, 2, 10)
    assert case.sent_at is not None and case.sent_at.tzinfo is UTC
    assert case.events[0].at.tzinfo is UTC


def test_a_stored_case_attaches_with_its_status_as_text(schedule: Schedule) -> None:
    """A case loaded with its status as a string works, attached or not, and detaches."""
    case = CaseTrack(status="overdue", sent_at=T0, reply_due_at=T0)  # type: ignore[arg-type]
    assert isinstance(case.status, CaseStatus)
    assert case.status.value == "overdue"
    with attached(case), attached(case):
        assert case in MACHINE.models
        case.snooze(LATE, USER, schedule)
    assert case not in MACHINE.models
    case.follow_up(LATE, USER, schedule)  # not attached by the caller
    assert case.status is S.FOLLOWED_UP
    assert case not in MACHINE.models


# --- the new [timing] keys -------------------------------------------------------------------


def test_policy_has_the_case_tracking_waits(policy: Policy) -> None:
    """policy.toml states the follow-up, snooze, repeat and escalation rules."""
    timing = policy.timing
    assert timing.followup_wait_business_days == 3
    assert timing.snooze_days == 2
    assert timing.reminder_repeat_days == 3
    assert timing.escalate_after_followups == 2


def test_an_older_policy_file_gets_the_default_waits(tmp_path: Path, policy: Policy) -> None:
    """A policy file written before the case-tracking keys still loads, with the defaults."""
    keys = (
        "followup_wait_business_days",
        "snooze_days",
        "reminder_repeat_days",
        "escalate_after_followups",
    )
    lines = DEFAULT_POLICY_PATH.read_text(encoding="utf-8").splitlines(keepends=True)
    older = "".join(line for line in lines if not line.startswith(keys))
    path = tmp_path / "policy.toml"
    path.write_text(older, encoding="utf-8")
    assert load_policy(path).timing == policy.timing


def test_a_bad_escalation_count_is_refused(tmp_path: Path) -> None:
    """escalate_after_followups must be a whole number above 0, named in the error."""
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    assert "escalate_after_followups = 2" in text
    path = tmp_path / "policy.toml"
    path.write_text(
        text.replace("escalate_after_followups = 2", "escalate_after_followups = 0"),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match="escalate_after_followups must be a whole number of"):
        load_policy(path)

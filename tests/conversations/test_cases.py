"""Case tracking: the lifecycle machine, due dates from policy data, reminder times kept out
of quiet hours (across DST), and what each reminder is about — with an injected clock."""
# Over 400 lines: the case lifecycle on one injected clock, due dates to reminders.

from __future__ import annotations

import copy
import dataclasses
import time as stopwatch
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conversations.cases import (
    MACHINE,
    OPEN,
    SYSTEM_ACTOR,
    TRIGGERS,
    CaseError,
    CaseStatus,
    CaseTrack,
    Ping,
    PingKind,
    Schedule,
    attached,
    fire,
    ping_for,
    ping_time,
)
from conversations.policy import DEFAULT_POLICY_PATH, Policy, PolicyError, load_policy
from conversations.texts import InputError

S = CaseStatus
USER = 42
SAO_PAULO = ZoneInfo("America/Sao_Paulo")  # UTC-3 all year (no DST since 2019)
BERLIN = ZoneInfo("Europe/Berlin")  # DST 2026: 29 Mar 01:00 UTC and 25 Oct 01:00 UTC
KOLKATA = ZoneInfo("Asia/Kolkata")  # UTC+5:30, no DST
NEW_YORK = ZoneInfo("America/New_York")

Action = Callable[[CaseTrack, datetime], None]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="module")
def schedule(policy: Policy) -> Schedule:
    return Schedule(policy.timing, SAO_PAULO)


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


# --- the 90-day history ---------------------------------------------------------------------


def test_ninety_days_of_a_case_ping_exactly_when_due(schedule: Schedule, policy: Policy) -> None:
    """A case sent, snoozed, followed up twice, denied, reopened, approved and closed gets
    exactly these reminders over 90 days, none in quiet hours and none after closing."""
    start = sp(3, 2, 22)  # a Monday, 22:00 in São Paulo

    def close_when_repeat_pending(case: CaseTrack, now: datetime) -> None:
        # Without the close, the refund reminder would come again 3 days later.
        assert case.next_ping_at == sp(5, 30, 9)
        case.close(now, USER, schedule)

    script: dict[datetime, Action] = {
        start: act("send", schedule),
        sp(3, 10, 10): act("snooze", schedule),
        sp(3, 12, 11): act("follow_up", schedule),
        sp(3, 17, 12): act("follow_up", schedule),
        sp(3, 20, 13): act("deny", schedule),
        sp(3, 21, 10): act("reopen", schedule),  # a Saturday
        sp(3, 27, 22): act("approve", schedule),
        sp(5, 27, 10): close_when_repeat_pending,
    }
    case = CaseTrack()
    began = stopwatch.perf_counter()
    pings = simulate(case, schedule, policy, start, 90, script)
    elapsed = stopwatch.perf_counter() - began

    assert pings == [
        # Due Mon 9 Mar 22:00, in quiet hours: delivered at 09:00 the next morning; no
        # answer in the expected time, so escalating is offered (POLICY.md §3).
        (sp(3, 10, 9), Ping(PingKind.REPLY_OVERDUE, 7, 0, True)),
        # Snoozed at 10:00 on 10 Mar: nothing for 2 days (the 3-day repeat is replaced).
        (sp(3, 12, 10), Ping(PingKind.REPLY_OVERDUE, 9, 0, True)),
        # First follow-up Thu 12 Mar 11:00, 3 business days: Tue 17 Mar 11:00.
        (sp(3, 17, 11), Ping(PingKind.FOLLOWUP_OVERDUE, 5, 1, True)),
        # Second follow-up Tue 17 Mar 12:00 unanswered by Fri: escalation leads.
        (sp(3, 20, 12), Ping(PingKind.FOLLOWUP_OVERDUE, 3, 2, True, True)),
        # Denied, then reopened Sat 21 Mar 10:00: a fresh 5-business-day deadline, Fri.
        (sp(3, 27, 10), Ping(PingKind.REPLY_OVERDUE, 6, 0, True)),
        # Approved Fri 27 Mar 22:00; 60 days on is 22:00 on 26 May, in quiet hours.
        (sp(5, 27, 9), Ping(PingKind.REFUND_OVERDUE, 60, 0, True)),
    ]
    assert not any(is_quiet(moment, SAO_PAULO) for moment, _ in pings)
    assert case.status is S.CLOSED
    assert ping_for(case, start + timedelta(days=1000), policy) is None
    assert [event.what for event in case.events] == [
        "send",
        "await_reply",
        "deadline_passed",
        "remind",
        "snooze",
        "remind",
        "follow_up",
        "deadline_passed",
        "remind",
        "follow_up",
        "deadline_passed",
        "remind",
        "deny",
        "reopen",
        "deadline_passed",
        "remind",
        "approve",
        "remind",
        "close",
    ]
    assert [e.detail for e in case.events if e.what == "remind"] == [
        "reply_overdue",
        "reply_overdue",
        "followup_overdue",
        "followup_overdue",
        "reply_overdue",
        "refund_overdue",
    ]
    assert {e.actor for e in case.events if e.what in {"remind", "deadline_passed"}} == {
        SYSTEM_ACTOR
    }
    assert elapsed < 0.5, f"the 90-day simulation took {elapsed:.3f}s"


def test_an_answer_without_a_decision_is_asked_about_until_decided(
    schedule: Schedule, policy: Policy
) -> None:
    """After a reply with no decision, the user is asked after the reply wait, then every
    reminder_repeat_days, until TikTok's decision is recorded."""
    start = sp(3, 2, 10)  # Monday
    script = {
        start: act("send", schedule),
        sp(3, 4, 15): act("reply", schedule),  # Wednesday
        sp(3, 16, 12): act("refund_arrived", schedule),
    }
    pings = simulate(CaseTrack(), schedule, policy, start, 30, script)
    assert pings == [
        (sp(3, 11, 15), Ping(PingKind.DECISION_PENDING, 7, 0, False)),
        (sp(3, 14, 15), Ping(PingKind.DECISION_PENDING, 10, 0, False)),
    ]


def test_a_reminder_left_alone_comes_back_after_the_repeat_days(
    schedule: Schedule, policy: Policy
) -> None:
    """An overdue case nobody acts on is reminded again every reminder_repeat_days (3),
    each time moved out of quiet hours; closing it stops them."""
    start = sp(3, 2, 22)
    script = {start: act("send", schedule), sp(3, 20, 12): act("close", schedule)}
    pings = simulate(CaseTrack(), schedule, policy, start, 30, script)
    assert [moment for moment, _ in pings] == [
        sp(3, 10, 9),
        sp(3, 13, 9),
        sp(3, 16, 9),
        sp(3, 19, 9),
    ]
    assert [ping.waited_days for _, ping in pings] == [7, 10, 13, 16]


# --- every trigger from every state ----------------------------------------------------------

T0 = sp(3, 2, 10)  # Monday
LATE = T0 + timedelta(days=100)  # past every deadline a case in the table can have

# What the issue asks for, written out independently of the module's table.
ALLOWED: dict[str, dict[CaseStatus, CaseStatus]] = {
    "send": {S.DRAFTED: S.AWAITING_REPLY},  # through `sent`
    "deadline_passed": {S.AWAITING_REPLY: S.OVERDUE, S.FOLLOWED_UP: S.OVERDUE},
    "follow_up": {S.OVERDUE: S.FOLLOWED_UP},
    "reply": {s: S.ANSWERED for s in (S.AWAITING_REPLY, S.OVERDUE, S.FOLLOWED_UP)},
    "approve": {s: S.APPROVED for s in (S.ANSWERED, S.AWAITING_REPLY, S.OVERDUE, S.FOLLOWED_UP)},
    "refund_arrived": {S.APPROVED: S.REFUNDED, S.ANSWERED: S.REFUNDED},
    "partly_refunded": {S.APPROVED: S.PARTLY_REFUNDED, S.ANSWERED: S.PARTLY_REFUNDED},
    "deny": {s: S.DENIED for s in OPEN},
    "close": {s: S.CLOSED for s in CaseStatus if s not in {S.CLOSED, S.CANCELLED}},
    "reopen": {s: S.AWAITING_REPLY for s in (S.CLOSED, S.DENIED, S.REFUNDED, S.PARTLY_REFUNDED)},
    "snooze": {S.OVERDUE: S.OVERDUE},
    "cancel": {S.DRAFTED: S.CANCELLED},
    "remind": {
        S.AWAITING_REPLY: S.OVERDUE,
        S.FOLLOWED_UP: S.OVERDUE,
        S.OVERDUE: S.OVERDUE,
        S.ANSWERED: S.ANSWERED,
        S.APPROVED: S.APPROVED,
    },
}
# The events a successful trigger appends, when it is more than its own name.
EVENTS = {"send": ["send", "await_reply"]}
REMIND_EVENTS = {
    S.AWAITING_REPLY: ["deadline_passed", "remind"],
    S.FOLLOWED_UP: ["deadline_passed", "remind"],
}


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


TABLE = [(trigger, status) for trigger in TRIGGERS for status in CaseStatus]


@pytest.mark.parametrize(("trigger", "status"), TABLE, ids=[f"{t}-{s}" for t, s in TABLE])
def test_every_trigger_from_every_state(
    trigger: str, status: CaseStatus, schedule: Schedule
) -> None:
    """Each trigger moves exactly the states the issue lists, appending its event; from
    every other state it raises CaseError and leaves the case untouched."""
    case = case_in(status, schedule)
    before = copy.deepcopy(vars(case))
    expected = ALLOWED[trigger].get(status)
    if expected is None:
        with pytest.raises(CaseError) as refused:
            fire(case, trigger, LATE, USER, schedule)
        assert refused.value.message
        assert vars(case) == before
        return
    fire(case, trigger, LATE, USER, schedule)
    assert case.status is expected
    added = [event.what for event in case.events[len(before["events"]) :]]
    if trigger == "remind":
        assert added == REMIND_EVENTS.get(status, ["remind"])
    else:
        assert added == EVENTS.get(trigger, [trigger])
    assert all(event.at == LATE for event in case.events[len(before["events"]) :])


def test_the_table_has_exactly_the_issues_transitions() -> None:
    """The machine's table allows no more and no fewer (trigger, state) pairs than listed."""
    declared = {
        (name, state)
        for name, event in MACHINE.events.items()
        if name != "await_reply"
        for state in event.transitions
    }
    expected = {(t, source.name) for t, sources in ALLOWED.items() for source in sources}
    # `remind` from awaiting_reply and followed_up goes through `deadline_passed`.
    expected -= {("remind", "AWAITING_REPLY"), ("remind", "FOLLOWED_UP")}
    assert declared == expected


REFUSALS = [
    pytest.param(S.CLOSED, "close", "That case is already closed.", id="close-closed"),
    pytest.param(S.CLOSED, "approve", "That case is already closed.", id="approve-closed"),
    pytest.param(S.CANCELLED, "reopen", "That case was cancelled.", id="reopen-cancelled"),
    pytest.param(S.DRAFTED, "reply", "That message hasn't been sent yet.", id="reply-drafted"),
    pytest.param(S.APPROVED, "send", "That message is already marked as sent.", id="send-twice"),
    pytest.param(
        S.AWAITING_REPLY, "snooze", "Only an overdue case can be snoozed.", id="snooze-waiting"
    ),
    pytest.param(S.AWAITING_REPLY, "reopen", "That case is still open.", id="reopen-open"),
    pytest.param(
        S.DENIED, "approve", "TikTok said no on that case. Reopen it to ask again.", id="denied"
    ),
]


@pytest.mark.parametrize(("status", "trigger", "message"), REFUSALS)
def test_refusals_say_why(
    status: CaseStatus, trigger: str, message: str, schedule: Schedule
) -> None:
    """A refused trigger raises a CaseError (an InputError) whose message says why."""
    case = case_in(status, schedule)
    with pytest.raises(CaseError) as refused:
        fire(case, trigger, LATE, USER, schedule)
    assert refused.value.message == message
    assert isinstance(refused.value, InputError)


def test_deadline_cannot_pass_early(schedule: Schedule) -> None:
    """deadline_passed before the reply is due is refused by its rule, not silently ignored."""
    case = case_in(S.AWAITING_REPLY, schedule)
    with pytest.raises(CaseError, match="TikTok still has time to reply"):
        case.deadline_passed(T0 + timedelta(days=1), USER, schedule)
    assert case.status is S.AWAITING_REPLY


@pytest.mark.parametrize("status", [S.AWAITING_REPLY, S.OVERDUE, S.APPROVED])
def test_no_reminder_before_it_is_due(status: CaseStatus, schedule: Schedule) -> None:
    """remind before next_ping_at is refused and changes nothing."""
    case = case_in(status, schedule)
    assert case.next_ping_at is not None
    before = copy.deepcopy(vars(case))
    with pytest.raises(CaseError, match="No reminder is due on that case yet"):
        case.remind(case.next_ping_at - timedelta(minutes=1), SYSTEM_ACTOR, schedule)
    assert vars(case) == before


def test_a_case_closed_before_sending_cannot_be_reopened(schedule: Schedule) -> None:
    """reopen needs a message that was sent: there is no reply to wait for otherwise."""
    case = CaseTrack()
    case.close(T0, USER, schedule)
    with pytest.raises(CaseError, match="never sent"):
        case.reopen(T0 + timedelta(hours=1), USER, schedule)


def test_await_reply_is_not_fired_by_name(schedule: Schedule) -> None:
    """Only the public triggers can be fired by name; await_reply belongs to send."""
    assert "await_reply" not in TRIGGERS
    with pytest.raises(ValueError, match="unknown trigger 'await_reply'"):
        fire(CaseTrack(status=S.SENT, sent_at=T0), "await_reply", T0, USER, schedule)


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

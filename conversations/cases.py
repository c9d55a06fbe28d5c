"""Following a sent refund request until the money arrives or TikTok says no.

Once the advertiser has sent the support message, the case is tracked by a `transitions`
state machine over a plain `CaseTrack` model, in the intake's house style: one `Machine`
is shared by every case; a caller loads a case from storage, fires triggers through the
model's methods, and saves it again. Every trigger takes the moment `now` (aware, UTC),
the acting Telegram user and the chat's `Schedule`; every change appends an `Event` and
recomputes `next_ping_at`, the one column a reminder sweep needs (DESIGN.md, "Reminders").

The waits are policy data (the [timing] table of policy.toml); business days are counted
in the user's time zone, and a reminder never lands in the user's quiet hours
(`ping_time`). What a reminder is about is data too (`ping_for` returns a `Ping`); the bot
words it. A sweep, for each case whose `next_ping_at` has come:

    ping = ping_for(case, now, policy)
    if ping is not None:
        ...deliver it...
        case.remind(now, SYSTEM_ACTOR, schedule)  # moves next_ping_at on

Nothing here reads the clock: `now` is always passed in, so every rule is testable.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from transitions import Machine, MachineError

from conversations.dates import add_business_days
from conversations.errors import N_, InputError
from conversations.machines import SharedMachine
from conversations.machines import attached as attach_model
from conversations.policy import Policy, Timing

__all__ = [
    "MACHINE",
    "OPEN",
    "PINGING",
    "QUIET_END",
    "QUIET_START",
    "SYSTEM_ACTOR",
    "TRANSITIONS",
    "TRIGGERS",
    "CaseError",
    "CaseMachine",
    "CaseStatus",
    "CaseTrack",
    "Change",
    "Event",
    "Ping",
    "PingKind",
    "Schedule",
    "attached",
    "build_machine",
    "fire",
    "ping_for",
    "ping_time",
]

# Telegram user ids are positive, so 0 never names a person: it marks what the bot did
# on its own (a reminder, and the deadline it reports).
SYSTEM_ACTOR = 0

# The default quiet hours, local time: no reminder between 21:00 and 09:00.
QUIET_START = time(21)
QUIET_END = time(9)


class CaseStatus(StrEnum):
    """Where a sent request stands."""

    DRAFTED = "drafted"  # the message is written, not sent yet
    SENT = "sent"  # only passed through: `CaseTrack.send` moves on to awaiting_reply at once
    AWAITING_REPLY = "awaiting_reply"
    OVERDUE = "overdue"  # the wait for a reply (or for the answer to a follow-up) is over
    FOLLOWED_UP = "followed_up"
    ANSWERED = "answered"  # TikTok replied, but has not decided yet
    APPROVED = "approved"  # waiting for the money
    REFUNDED = "refunded"
    PARTLY_REFUNDED = "partly_refunded"
    DENIED = "denied"
    CLOSED = "closed"
    CANCELLED = "cancelled"  # never sent


S = CaseStatus
# Followed until money arrives or TikTok says no.
OPEN = frozenset({S.SENT, S.AWAITING_REPLY, S.OVERDUE, S.FOLLOWED_UP, S.ANSWERED, S.APPROVED})
# Open and waiting on something with a due date, so a reminder can come. (`sent` is only
# passed through, and has no due date yet.)
PINGING = OPEN - {S.SENT}
_WAITING_FOR_REPLY = [S.AWAITING_REPLY, S.OVERDUE, S.FOLLOWED_UP]
_DECIDED = [S.REFUNDED, S.PARTLY_REFUNDED, S.DENIED]

# Every transition, in the intake's table form. Sources are always lists; `dest: None` is
# an internal transition (the state stays, the callbacks run). The `after` callbacks are
# the model's methods that set the due dates and the next reminder.
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "send", "source": [S.DRAFTED], "dest": S.SENT, "after": "note_sending"},
    {
        "trigger": "await_reply",
        "source": [S.SENT],
        "dest": S.AWAITING_REPLY,
        "after": "start_reply_wait",
    },
    {
        "trigger": "deadline_passed",
        "source": [S.AWAITING_REPLY, S.FOLLOWED_UP],
        "dest": S.OVERDUE,
        "conditions": "reply_is_late",
        "after": "keep_deadline_reminder",
    },
    {
        "trigger": "follow_up",
        "source": [S.OVERDUE],
        "dest": S.FOLLOWED_UP,
        "after": "start_followup_wait",
    },
    {
        "trigger": "reply",
        "source": _WAITING_FOR_REPLY,
        "dest": S.ANSWERED,
        "after": "start_decision_wait",
    },
    {
        "trigger": "approve",
        "source": [S.ANSWERED, *_WAITING_FOR_REPLY],
        "dest": S.APPROVED,
        "after": "start_refund_wait",
    },
    {
        "trigger": "refund_arrived",
        "source": [S.APPROVED, S.ANSWERED],
        "dest": S.REFUNDED,
        "after": "stop_reminders",
    },
    {
        "trigger": "partly_refunded",
        "source": [S.APPROVED, S.ANSWERED],
        "dest": S.PARTLY_REFUNDED,
        "after": "stop_reminders",
    },
    {
        "trigger": "deny",
        "source": [s for s in CaseStatus if s in OPEN],
        "dest": S.DENIED,
        "after": "stop_reminders",
    },
    {
        "trigger": "close",
        "source": [s for s in CaseStatus if s not in {S.CLOSED, S.CANCELLED}],
        "dest": S.CLOSED,
        "after": "note_closing",
    },
    {
        "trigger": "reopen",
        "source": [S.CLOSED, *_DECIDED],
        "dest": S.AWAITING_REPLY,
        "conditions": "was_sent",
        "after": ["start_new_round", "start_reply_wait"],
    },
    {"trigger": "snooze", "source": [S.OVERDUE], "dest": None, "after": "start_snooze"},
    # The sweep delivered a reminder. From awaiting_reply and followed_up it goes through
    # `deadline_passed` first (see `CaseTrack.remind`), so it only starts from these.
    {
        "trigger": "remind",
        "source": [S.OVERDUE, S.ANSWERED, S.APPROVED],
        "dest": None,
        "conditions": "reminder_is_due",
        "after": "schedule_next_reminder",
    },
    {"trigger": "cancel", "source": [S.DRAFTED], "dest": S.CANCELLED, "after": "stop_reminders"},
]

# The triggers callers fire, by name (`fire`, or the `CaseTrack` method of that name).
# `await_reply` is left out: `send` fires it.
TRIGGERS = (
    "send",
    "deadline_passed",
    "follow_up",
    "reply",
    "approve",
    "refund_arrived",
    "partly_refunded",
    "deny",
    "close",
    "reopen",
    "snooze",
    "cancel",
    "remind",
)

# Why a trigger is refused: first by where the case stands, then by what was asked.
_REFUSED_IN: dict[CaseStatus, str] = {
    S.CLOSED: N_("That case is already closed."),
    S.CANCELLED: N_("That case was cancelled."),
    S.DRAFTED: N_("That message hasn't been sent yet."),
    S.REFUNDED: N_("That case is finished: the refund arrived. Reopen it to ask again."),
    S.PARTLY_REFUNDED: N_(
        "That case is finished: part of the refund arrived. Reopen it to ask again."
    ),
    S.DENIED: N_("TikTok said no on that case. Reopen it to ask again."),
}
_REFUSED_TRIGGER: dict[str, str] = {
    "send": N_("That message is already marked as sent."),
    "cancel": N_("Only a message that hasn't been sent can be cancelled — close the case instead."),
    "reopen": N_("That case is still open."),
    "snooze": N_("Only an overdue case can be snoozed."),
    "follow_up": N_("A follow-up is for when TikTok hasn't replied in time."),
    "deadline_passed": N_("That case isn't waiting for a reply."),
    "reply": N_("TikTok's reply is already recorded."),
    "approve": N_("The approval is already recorded."),
    "refund_arrived": N_("Record TikTok's answer first, then the refund."),
    "partly_refunded": N_("Record TikTok's answer first, then the refund."),
    "remind": N_("There's nothing to remind about on that case."),
}
# Why a trigger allowed from this state is still refused: the rule its condition checks.
_RULE_BROKEN: dict[str, str] = {
    "reply_is_late": N_("TikTok still has time to reply."),
    "was_sent": N_("That message was never sent, so there's no reply to wait for."),
    "reminder_is_due": N_("No reminder is due on that case yet."),
}


class CaseError(InputError):
    """A trigger the case refuses in its current state; `message` says why, in plain words.

    An `InputError`, because it is what a person asked for (usually a button from an older
    message), and the chat already shows an InputError's message.
    """


class PingKind(StrEnum):
    """What a reminder is about."""

    REPLY_OVERDUE = "reply_overdue"  # no reply by the deadline
    FOLLOWUP_OVERDUE = "followup_overdue"  # no reply after a follow-up
    DECISION_PENDING = "decision_pending"  # TikTok replied, no decision yet
    REFUND_OVERDUE = "refund_overdue"  # approved, the money hasn't arrived in time


@dataclass(frozen=True)
class Ping:
    """A reminder due on a case, as data; the bot words it."""

    kind: PingKind
    waited_days: int  # whole days since the wait began (sending, follow-up, reply, approval)
    followups: int
    # POLICY.md §3: escalate when there is no answer after the expected time, so every
    # overdue reminder offers the next rung beside the follow-up...
    suggest_escalation: bool
    # ...and after `escalate_after_followups` unanswered follow-ups it leads with it.
    follow_ups_unanswered: bool = False


@dataclass(frozen=True)
class Event:
    """One change to a case, for its timeline. `what` is the trigger's name."""

    at: datetime
    actor: int  # Telegram user id; SYSTEM_ACTOR for the bot itself
    what: str
    detail: str = ""


@dataclass(frozen=True)
class Schedule:
    """How one chat's cases are timed: the policy's waits, the user's time zone and quiet
    hours, and the chat's own reply wait if it set one."""

    timing: Timing
    tz: ZoneInfo
    quiet_start: time = QUIET_START
    quiet_end: time = QUIET_END
    reply_business_days: int | None = None  # None: the policy's reply_expected_business_days

    def __post_init__(self) -> None:
        if self.reply_business_days is not None and self.reply_business_days <= 0:
            raise ValueError("reply_business_days must be above 0")
        if self.quiet_start.tzinfo is not None or self.quiet_end.tzinfo is not None:
            raise ValueError("quiet hours are local wall-clock times, without a time zone")

    @property
    def reply_wait(self) -> int:
        """Business days to wait for TikTok's reply (or decision)."""
        if self.reply_business_days is not None:
            return self.reply_business_days
        return self.timing.reply_expected_business_days

    def ping_time(self, due: datetime) -> datetime:
        """`due`, moved out of this chat's quiet hours (`ping_time`)."""
        return ping_time(due, self.tz, self.quiet_start, self.quiet_end)


@dataclass(frozen=True)
class Change:
    """The arguments of one trigger, handed to its conditions and callbacks as one value."""

    now: datetime
    actor: int
    schedule: Schedule
    detail: str = ""

    def __post_init__(self) -> None:
        # Stored times are UTC; an aware time in another zone is the same instant.
        object.__setattr__(self, "now", _utc(self.now, "now"))


@dataclass(eq=False)  # identity equality: the machine finds its models with ==
class CaseTrack:
    """One sent request being followed: where it stands, its due dates and its timeline.

    Every datetime is aware and UTC. `reply_due_at` is when TikTok's next word is due: the
    reply to the request or to the last follow-up, or once answered, the decision.
    """

    status: CaseStatus = CaseStatus.DRAFTED
    followups: int = 0  # follow-ups in the current round (reopen starts a new one)
    sent_at: datetime | None = None
    reply_due_at: datetime | None = None
    approved_at: datetime | None = None
    refund_due_at: datetime | None = None
    next_ping_at: datetime | None = None
    snoozed_until: datetime | None = None
    closed_at: datetime | None = None
    waiting_since: datetime | None = None  # when the current wait began (Ping.waited_days)
    events: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Storage hands back the status as its string value.
        self.status = CaseStatus(self.status)

    @property
    def is_open(self) -> bool:
        """Whether the case is still followed (sent, and no refund, no "no", not closed)."""
        return self.status in OPEN

    # --- the triggers ------------------------------------------------------------------

    def send(self, now: datetime, actor: int, schedule: Schedule, detail: str = "") -> None:
        """The advertiser sent the message: start waiting for TikTok's reply.

        Fires `send` (drafted → sent) and at once `await_reply` (sent → awaiting_reply), so
        a case is never left in `sent`; `detail` (say, the ticket number) goes on `send`.
        """
        self._fire("send", Change(now, actor, schedule, detail))
        self._fire("await_reply", Change(now, actor, schedule))

    def deadline_passed(
        self, now: datetime, actor: int, schedule: Schedule, detail: str = ""
    ) -> None:
        """No reply by the deadline: awaiting_reply or followed_up → overdue."""
        self._fire("deadline_passed", Change(now, actor, schedule, detail))

    def follow_up(self, now: datetime, actor: int, schedule: Schedule, detail: str = "") -> None:
        """The advertiser wrote again: overdue → followed_up, counting the follow-up."""
        self._fire("follow_up", Change(now, actor, schedule, detail))

    def reply(self, now: datetime, actor: int, schedule: Schedule, detail: str = "") -> None:
        """TikTok replied without deciding yet: → answered."""
        self._fire("reply", Change(now, actor, schedule, detail))

    def approve(self, now: datetime, actor: int, schedule: Schedule, detail: str = "") -> None:
        """TikTok approved the refund: → approved, waiting for the money."""
        self._fire("approve", Change(now, actor, schedule, detail))

    def refund_arrived(
        self, now: datetime, actor: int, schedule: Schedule, detail: str = ""
    ) -> None:
        """The whole refund arrived: → refunded."""
        self._fire("refund_arrived", Change(now, actor, schedule, detail))

    def partly_refunded(
        self, now: datetime, actor: int, schedule: Schedule, detail: str = ""
    ) -> None:
        """Only part of the money arrived: → partly_refunded (reopen to ask for the rest)."""
        self._fire("partly_refunded", Change(now, actor, schedule, detail))

    def deny(self, now: datetime, actor: int, schedule: Schedule, detail: str = "") -> None:
        """TikTok said no: any open state → denied."""
        self._fire("deny", Change(now, actor, schedule, detail))

    def close(self, now: datetime, actor: int, schedule: Schedule, detail: str = "") -> None:
        """Stop following the case, from any state but closed or cancelled."""
        self._fire("close", Change(now, actor, schedule, detail))

    def reopen(self, now: datetime, actor: int, schedule: Schedule, detail: str = "") -> None:
        """Ask again: closed, denied or (partly) refunded → awaiting_reply, with a fresh
        reply deadline and the follow-up count back at 0."""
        self._fire("reopen", Change(now, actor, schedule, detail))

    def snooze(self, now: datetime, actor: int, schedule: Schedule, detail: str = "") -> None:
        """Remind me later: an overdue case stays overdue, next reminder `snooze_days` on."""
        self._fire("snooze", Change(now, actor, schedule, detail))

    def cancel(self, now: datetime, actor: int, schedule: Schedule, detail: str = "") -> None:
        """Drop a message that was never sent: drafted → cancelled."""
        self._fire("cancel", Change(now, actor, schedule, detail))

    def remind(self, now: datetime, actor: int, schedule: Schedule) -> None:
        """Record that the reminder due now was delivered; the next one comes
        `reminder_repeat_days` later unless something changes first.

        A reminder about a missed deadline first marks the case overdue
        (`deadline_passed`). The event's detail is the reminder's kind.
        """
        change = Change(now, actor, schedule, detail=_kind_value(self))
        if self.status in {S.AWAITING_REPLY, S.FOLLOWED_UP}:
            # Checked before anything changes, so a refused reminder leaves no trace.
            if not self.reminder_is_due(change):
                refusal = _RULE_BROKEN["reminder_is_due"]
                raise CaseError(refusal)
            self._fire("deadline_passed", Change(change.now, actor, schedule))
        self._fire("remind", change)

    # --- conditions of the transition table, named after the rule they check -------------

    def reply_is_late(self, change: Change) -> bool:
        return self.reply_due_at is not None and change.now >= self.reply_due_at

    def was_sent(self, change: Change) -> bool:
        return self.sent_at is not None

    def reminder_is_due(self, change: Change) -> bool:
        return self.next_ping_at is not None and change.now >= self.next_ping_at

    # --- what each transition does (its `after` callbacks) -------------------------------

    def note_sending(self, change: Change) -> None:
        self.sent_at = change.now
        self.next_ping_at = None

    def start_reply_wait(self, change: Change) -> None:
        schedule = change.schedule
        due = _business_days_after(change.now, schedule.reply_wait, schedule.tz)
        self._wait_for_tiktok(change, due)

    def keep_deadline_reminder(self, change: Change) -> None:
        # The deadline's own reminder stays due (the sweep may deliver it next).
        assert self.reply_due_at is not None  # reply_is_late held
        self.next_ping_at = change.schedule.ping_time(self.reply_due_at)

    def start_followup_wait(self, change: Change) -> None:
        schedule = change.schedule
        self.followups += 1
        due = _business_days_after(
            change.now, schedule.timing.followup_wait_business_days, schedule.tz
        )
        self._wait_for_tiktok(change, due)

    def start_decision_wait(self, change: Change) -> None:
        # An answer without a decision gets the same wait as the request itself; then the
        # user is asked whether TikTok approved or said no.
        self.start_reply_wait(change)

    def start_refund_wait(self, change: Change) -> None:
        schedule = change.schedule
        self.approved_at = self.waiting_since = change.now
        self.refund_due_at = _days_after(
            change.now, schedule.timing.refund_expected_days, schedule.tz
        )
        self.reply_due_at = None
        self.next_ping_at = schedule.ping_time(self.refund_due_at)

    def stop_reminders(self, change: Change) -> None:
        self.reply_due_at = None
        self.next_ping_at = None

    def note_closing(self, change: Change) -> None:
        self.closed_at = change.now
        self.stop_reminders(change)

    def start_new_round(self, change: Change) -> None:
        # A new request: earlier follow-ups and an earlier approval belong to the old one
        # (they stay in the timeline).
        self.followups = 0
        self.approved_at = self.refund_due_at = self.closed_at = None

    def start_snooze(self, change: Change) -> None:
        schedule = change.schedule
        self.snoozed_until = _days_after(change.now, schedule.timing.snooze_days, schedule.tz)
        self.next_ping_at = schedule.ping_time(self.snoozed_until)

    def schedule_next_reminder(self, change: Change) -> None:
        schedule = change.schedule
        again = _days_after(change.now, schedule.timing.reminder_repeat_days, schedule.tz)
        self.next_ping_at = schedule.ping_time(again)

    # --- internals ------------------------------------------------------------------------

    def _wait_for_tiktok(self, change: Change, due: datetime) -> None:
        self.waiting_since = change.now
        self.reply_due_at = due
        self.next_ping_at = change.schedule.ping_time(due)

    def _fire(self, trigger: str, change: Change) -> None:
        # Attaching is re-entrant and cheap, so a method also works on a case loaded but
        # not attached by the caller.
        with attached(self):
            try:
                moved = MACHINE.events[trigger].trigger(self, change)
            except MachineError:
                raise CaseError(_refusal(self.status, trigger)) from None
        if not moved:
            raise CaseError(self._broken_rule(trigger, change))
        if trigger != "snooze":
            # A snooze lasts until the next change: its reminder, or the user acting.
            self.snoozed_until = None
        self.events.append(Event(change.now, change.actor, trigger, change.detail))

    def _broken_rule(self, trigger: str, change: Change) -> str:
        for transition in TRANSITIONS:
            if transition["trigger"] == trigger and self.status in transition["source"]:
                condition = transition.get("conditions")
                if condition is not None and not getattr(self, condition)(change):
                    return _RULE_BROKEN[condition]
        return _refusal(self.status, trigger)


class CaseMachine(SharedMachine):
    """The shared case machine (CaseTrack has a typed method for every trigger)."""


def build_machine(machine_cls: type[Machine] = CaseMachine, **kwargs: Any) -> Machine:
    """Build the case machine (a `GraphMachine` class may be passed to draw it)."""
    return machine_cls(
        model=None,
        states=CaseStatus,
        transitions=TRANSITIONS,
        initial=CaseStatus.DRAFTED,
        auto_transitions=False,
        model_attribute="status",
        **kwargs,
    )


MACHINE = build_machine()


def attached(case: CaseTrack) -> AbstractContextManager[CaseTrack]:
    """Attach `case` to the shared machine for the length of one update (re-entrant)."""
    return attach_model(MACHINE, case, case.status)


def fire(
    case: CaseTrack,
    trigger: str,
    now: datetime,
    actor: int,
    schedule: Schedule,
    detail: str = "",
) -> None:
    """Fire a trigger by its name (one of TRIGGERS), e.g. from a button's callback data.

    Raises CaseError when the case refuses it, ValueError for a name that is no trigger.
    """
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {trigger!r} (expected one of: {', '.join(TRIGGERS)})")
    if trigger == "remind":
        case.remind(now, actor, schedule)
        return
    method: Callable[[datetime, int, Schedule, str], None] = getattr(case, trigger)
    method(now, actor, schedule, detail)


def ping_for(case: CaseTrack, now: datetime, policy: Policy) -> Ping | None:
    """The reminder due on `case` at `now`, or None when none is due yet or the case is
    not waiting on anything (drafted, decided, closed, cancelled)."""
    now = _utc(now, "now")
    kind = _ping_kind(case)
    if kind is None or case.next_ping_at is None or now < case.next_ping_at:
        return None
    since = case.waiting_since or case.sent_at or now
    # POLICY.md §3: no answer after the expected time (a reply, or the refund's arrival)
    # is when to escalate. A pending decision is not: TikTok did answer.
    escalate = kind is not PingKind.DECISION_PENDING
    # Only follow-ups nobody answered count (after a reply, earlier ones were answered).
    unanswered = (
        kind is PingKind.FOLLOWUP_OVERDUE
        and case.followups >= policy.timing.escalate_after_followups
    )
    return Ping(
        kind=kind,
        waited_days=max(0, (now - since) // timedelta(days=1)),
        followups=case.followups,
        suggest_escalation=escalate,
        follow_ups_unanswered=unanswered,
    )


def ping_time(
    due: datetime,
    tz: ZoneInfo,
    quiet_start: time = QUIET_START,
    quiet_end: time = QUIET_END,
) -> datetime:
    """When to deliver a reminder due at `due`: `due` itself (in UTC), unless it falls in
    the quiet hours of the user's local time; then the end of that quiet window.

    The window is [quiet_start, quiet_end) in local wall-clock time and may cross midnight
    (21:00–09:00) or not (13:00–15:00); equal ends mean no quiet hours. On DST change days
    the end is the first moment the local clock shows quiet_end: when the clock jumps over
    it, the jump itself; when the clock shows it twice, the one not before `due`.
    """
    due = _utc(due, "due")
    if quiet_start == quiet_end:
        return due
    local = due.astimezone(tz)
    wall = local.time()  # naive; comparisons ignore fold
    if quiet_start > quiet_end:  # crosses midnight
        if wall >= quiet_start:
            end_day = local.date() + timedelta(days=1)
        elif wall < quiet_end:
            end_day = local.date()
        else:
            return due
    elif quiet_start <= wall < quiet_end:
        end_day = local.date()
    else:
        return due
    end_wall = datetime.combine(end_day, quiet_end)
    end = _local_instant(end_wall, tz)
    if end < due:
        # The clock was turned back: `due` is in the repeated hour, after the first time
        # the clock showed quiet_end, so the window ends when it shows it again.
        end = end_wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return end


# --- time arithmetic in the user's time zone ----------------------------------------------


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (UTC), not {moment!r}")
    return moment.astimezone(UTC)


def _business_days_after(moment: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The same local wall-clock time, `days` working days (Mon–Fri, local dates) later."""
    local = moment.astimezone(tz)
    day = add_business_days(local.date(), days)
    return _local_instant(datetime.combine(day, local.time()), tz)


def _days_after(moment: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The same local wall-clock time, `days` calendar days later (23 or 25 hours make a
    day on DST change days, as the user sees it)."""
    local = moment.astimezone(tz)
    day = local.date() + timedelta(days=days)
    return _local_instant(datetime.combine(day, local.time()), tz)


def _local_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the clock in `tz` shows the naive `wall`, or later.

    An ambiguous wall time (clocks turned back) gives its first occurrence; one that does
    not exist (clocks jumped over it) gives the moment of the jump.
    """
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # In a gap, fold=0 reads `wall` with the offset from before the jump, which lands
    # after the jump; fold=1 with the offset from after it, which lands before. Find the
    # jump between them, to the second (zones change offset on whole seconds).
    before = int(wall.replace(tzinfo=tz, fold=1).timestamp())
    after = int(first.timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, tz).replace(tzinfo=None) >= wall:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


# --- reading a case -----------------------------------------------------------------------


def _ping_kind(case: CaseTrack) -> PingKind | None:
    """What a reminder on `case` would be about now; None when it gets no reminders."""
    status = case.status
    if status is S.AWAITING_REPLY or (status is S.OVERDUE and case.followups == 0):
        return PingKind.REPLY_OVERDUE
    if status in {S.OVERDUE, S.FOLLOWED_UP}:
        return PingKind.FOLLOWUP_OVERDUE
    if status is S.ANSWERED:
        return PingKind.DECISION_PENDING
    if status is S.APPROVED:
        return PingKind.REFUND_OVERDUE
    return None


def _kind_value(case: CaseTrack) -> str:
    kind = _ping_kind(case)
    return "" if kind is None else kind.value


def _refusal(status: CaseStatus, trigger: str) -> str:
    if status in _REFUSED_IN:
        return _REFUSED_IN[status]
    # The status in words is English here; the adapter shows the generic line instead.
    return _REFUSED_TRIGGER.get(trigger, N_("That can't be done now."))

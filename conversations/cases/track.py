"""The case model (`CaseTrack`): its triggers, the table's conditions and callbacks, its
timeline; and reading a case: `fire` a trigger by name, `ping_for` the reminder due."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from transitions import MachineError

from conversations.cases.machine import (
    _RULE_BROKEN,
    MACHINE,
    OPEN,
    TRANSITIONS,
    TRIGGERS,
    CaseError,
    CaseStatus,
    S,
    _refusal,
)
from conversations.cases.pings import Ping, PingKind, ping_kind
from conversations.cases.schedule import (
    Change,
    Schedule,
    _business_days_after,
    _days_after,
    _utc,
)
from conversations.machines import attached as attach_model
from conversations.policy import Policy

# Telegram user ids are positive, so 0 never names a person: it marks what the bot did
# on its own (a reminder, and the deadline it reports).
SYSTEM_ACTOR = 0


@dataclass(frozen=True)
class Event:
    """One change to a case, for its timeline. `what` is the trigger's name."""

    at: datetime
    actor: int  # Telegram user id; SYSTEM_ACTOR for the bot itself
    what: str
    detail: str = ""


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
    kind = ping_kind(case.status, case.followups)
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


def _kind_value(case: CaseTrack) -> str:
    kind = ping_kind(case.status, case.followups)
    return "" if kind is None else kind.value

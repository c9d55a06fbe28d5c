"""Where a case can stand (`CaseStatus`), the transition table, why a trigger is refused,
and the one machine every case shares."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from transitions import Machine

from conversations.machines import SharedMachine
from conversations.texts import N_, InputError


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


def _refusal(status: CaseStatus, trigger: str) -> str:
    if status in _REFUSED_IN:
        return _REFUSED_IN[status]
    # The status in words is English here; the adapter shows the generic line instead.
    return _REFUSED_TRIGGER.get(trigger, N_("That can't be done now."))

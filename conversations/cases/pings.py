"""What a reminder is about (`PingKind`) and the reminder itself (`Ping`), as data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from conversations.cases.machine import CaseStatus, S


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


def ping_kind(status: CaseStatus, followups: int) -> PingKind | None:
    """What a reminder on a case would be about now, from where it stands and its
    follow-ups; None when it gets no reminders."""
    if status is S.AWAITING_REPLY or (status is S.OVERDUE and followups == 0):
        return PingKind.REPLY_OVERDUE
    if status in {S.OVERDUE, S.FOLLOWED_UP}:
        return PingKind.FOLLOWUP_OVERDUE
    if status is S.ANSWERED:
        return PingKind.DECISION_PENDING
    if status is S.APPROVED:
        return PingKind.REFUND_OVERDUE
    return None

"""What the repositories hand back: rows as plain dataclasses, and the answer "already
handled" to a redelivered update."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from conversations.intake import Intake


class AlreadyHandled(Exception):
    """This update was applied before: Telegram delivered it again."""


# An update as `run_update` records it: Telegram's id, with what the update was (its chat
# and message, or its button press; "" when unknown). Only the same update under a recorded
# id is a redelivery: Telegram picks ids at random after a week without updates, and the
# terminal chat's come from a clock that may have moved back.
UpdateMark = tuple[int, str]


@dataclass
class IntakeRow:
    """An intake as stored: the domain model plus what ties buttons to it."""

    intake: Intake
    token: str
    seq: int = 0
    case_id: int | None = None
    team_id: int | None = None
    last_update: int = 0
    is_new: bool = field(default=False, repr=False)


@dataclass(frozen=True)
class CaseRecord:
    id: int
    team_id: int
    owner_user_id: int
    reason: str
    answers: dict[str, Any]
    outcome: str
    situation: str
    policy_version: str
    subject: str | None
    message: str | None
    status: str
    ticket: str | None
    created_at: datetime
    sent_at: datetime | None
    reply_due_on: str | None
    token: str | None = None
    track: dict[str, Any] | None = None
    assignee_user_id: int | None = None
    card_message_id: int | None = None
    topic_id: int | None = None
    version: int = 0
    # The intake's bookkeeping kept with the case (None/False on a case from before these
    # columns, which has them in its answers: `Intake` reads them from there).
    message_language: str | None = None
    saved_accounts_offered: bool = False


@dataclass(frozen=True)
class ClaimedReminder:
    id: int
    case_id: int
    chat_id: int
    attempts: int


@dataclass(frozen=True)
class TeamSettings:
    timezone: str | None
    quiet_start: str | None
    quiet_end: str | None
    reply_days: int | None
    blocked_at: datetime | None


@dataclass(frozen=True)
class CaseEvent:
    at: datetime
    actor_user_id: int
    what: str
    detail: str | None
    person_user_id: int | None = None


def new_token() -> str:
    """A short, unguessable reference for buttons and links."""
    return secrets.token_urlsafe(6)

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

The package's parts: `machine` (statuses, the transition table, refusals), `track` (the
`CaseTrack` model, `fire`, `ping_for`), `schedule` (a chat's waits and quiet hours, time
arithmetic) and `pings` (what a reminder is about). Underscored names are private to
the package.
"""

from conversations.cases.machine import (
    MACHINE,
    OPEN,
    PINGING,
    TRANSITIONS,
    TRIGGERS,
    CaseError,
    CaseMachine,
    CaseStatus,
    build_machine,
)
from conversations.cases.pings import Ping, PingKind
from conversations.cases.schedule import QUIET_END, QUIET_START, Change, Schedule, ping_time
from conversations.cases.track import SYSTEM_ACTOR, CaseTrack, Event, attached, fire, ping_for

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

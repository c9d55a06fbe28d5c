"""When things are due: a chat's `Schedule` (the policy's waits, the user's time zone and
quiet hours), a trigger's arguments (`Change`), and time arithmetic in the user's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations.dates import add_business_days
from conversations.policy import Timing

# The default quiet hours, local time: no reminder between 21:00 and 09:00.
QUIET_START = time(21)
QUIET_END = time(9)


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

"""The monthly summary: last month's /stats posted to each group with cases on the month's
first working day, at the group's local time and outside its quiet hours, once (across
restarts and processes), switchable in /settings; driven by the reminder sweep on a clock
the tests move."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from telegram.ext import Application

from bot.app.reminders.sweep import ReminderSweep
from bot.config import Settings
from bot.db.store import Store
from bot.db.tables import monthly_summaries
from bot.telegram.transport import ApiCall, Fault, InProcessBotApi
from conversations.cases import ping_time
from conversations.policy import Policy
from conversations.stats import first_working_day, monthly_summary_due
from tests.helpers import ChatDriver, Clock, bot_process, no_sleep, plain
from tests.stored_cases import make_sent_case

App = Application[Any, Any, Any, Any, Any, Any]
GROUP, OTHER_GROUP = -100700, -100800
KIM, ALEX = 1003, 1001
UTC_ZONE = ZoneInfo("UTC")


def sweep_of(app: App) -> ReminderSweep:
    sweep: ReminderSweep = app.bot_data.sweep
    sweep.sleep = no_sleep
    return sweep


def summaries(api: InProcessBotApi, chat_id: int | None = None) -> list[ApiCall]:
    """The monthly summaries the bot sent (to `chat_id`, if given)."""
    return [
        call
        for call in api.calls
        if call.method in ("sendPhoto", "sendMessage")
        and "Monthly summary ·" in str(call.params.get("caption") or call.params.get("text"))
        and (chat_id is None or int(call.params["chat_id"]) == chat_id)
    ]


async def run_until(app: App, clock: Clock, api: InProcessBotApi, end: datetime) -> list[datetime]:
    """Sweep every hour until `end`; return when each monthly summary went out."""
    times: list[datetime] = []
    while clock.now < end:
        clock.advance(hours=1)
        before = len(summaries(api))
        await sweep_of(app).run_once()
        times += [clock.now] * (len(summaries(api)) - before)
    return times


def group_case(app: App, team_id: int, opened: datetime) -> int:
    """A case of the group's team, opened (and sent to TikTok) at `opened`. The bot is in
    the group, so Telegram (the fake API) knows the chat."""
    app.bot.request.open_chat(team_id)
    return make_sent_case(app.bot_data.service.followup, team_id, KIM, opened)


async def admin_settings(app: App, api: InProcessBotApi, *commands: str) -> ChatDriver:
    api.admins.add((GROUP, KIM))
    admin = ChatDriver(app, api, KIM, GROUP, "Kim", "kim")
    for command in commands:
        await admin.send(f"/settings {command}")
        assert "Saved." in admin.last_text(), admin.last_text()
    return admin


# --- when: the domain rule -----------------------------------------------------------------


def test_the_first_working_day_skips_the_weekend() -> None:
    assert first_working_day(2026, 12) == date(2026, 12, 1)  # a Tuesday
    assert first_working_day(2027, 5) == date(2027, 5, 3)  # 1 May is a Saturday
    assert first_working_day(2026, 11) == date(2026, 11, 2)  # 1 Nov is a Sunday


def test_the_summary_is_due_from_the_first_working_days_allowed_time_to_the_seventh() -> None:
    """Due from the first working day's first moment outside quiet hours, in the chat's
    zone; never inside quiet hours; and after the month's seventh day no longer."""
    jakarta = ZoneInfo("Asia/Jakarta")  # UTC+7

    def quiet(moment: datetime) -> datetime:
        return ping_time(moment, jakarta, time(21), time(9))

    def due(year: int, month: int, day: int, hour: int, minute: int) -> str | None:
        return monthly_summary_due(
            datetime(year, month, day, hour, minute, tzinfo=UTC), jakarta, quiet
        )

    assert due(2026, 12, 1, 1, 59) is None  # 08:59 in Jakarta: still quiet
    assert due(2026, 12, 1, 2, 0) == "2026-11"  # 09:00
    assert due(2026, 12, 1, 14, 0) is None  # 21:00: quiet again
    assert due(2026, 12, 7, 13, 59) == "2026-11"  # the seventh, 20:59
    assert due(2026, 12, 8, 2, 0) is None  # the eighth: old news
    assert due(2026, 11, 30, 23, 0) is None  # 1 Dec 06:00 local, before 09:00
    # Without quiet hours the day's first moment, local midnight.
    assert monthly_summary_due(datetime(2026, 11, 30, 17, 0, tzinfo=UTC), jakarta, lambda m: m) == (
        "2026-11"
    )


# --- through the bot -----------------------------------------------------------------------


async def test_the_group_gets_last_months_figures_on_the_first_working_day_at_its_morning(
    app: App, api: InProcessBotApi, clock: Clock
) -> None:
    """A group in São Paulo (quiet hours 22:00–10:00) with a case opened in November gets
    one photo on Tuesday 1 December at 10:00 local (13:00 UTC): the chart, with November's
    figures as its caption. A private chat with cases gets none; nothing more follows."""
    await admin_settings(app, api, "tz America/Sao_Paulo", "quiet 22:00-10:00")
    group_case(app, GROUP, clock.now)
    make_sent_case(app.bot_data.service.followup, ALEX, ALEX, clock.now)
    clock.now = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    times = await run_until(app, clock, api, datetime(2026, 12, 12, tzinfo=UTC))
    assert times == [datetime(2026, 12, 1, 13, 0, tzinfo=UTC)]
    (photo,) = summaries(api)
    assert photo.method == "sendPhoto" and int(photo.params["chat_id"]) == GROUP
    filename, content = photo.files["photo"]
    assert filename == "stats.png" and content.startswith(b"\x89PNG")
    caption = plain(str(photo.params["caption"]))
    assert caption.startswith("📊 Monthly summary · November 2026"), caption
    assert "Cases opened: 1 · sent: 1 · closed: 0" in caption
    assert "asked 189.90 USD" in caption
    assert "Open now: 1" in caption
    assert summaries(api, ALEX) == []


async def test_a_group_east_of_utc_gets_each_month_on_its_own_morning(
    app: App, api: InProcessBotApi, clock: Clock
) -> None:
    """Jakarta (UTC+7, quiet hours 21:00–09:00): October's summary on Monday 2 November
    (1 November is a Sunday) at 09:00 local, 02:00 UTC; November's on Tuesday 1 December
    at 09:00 local, 02:00 UTC, when it is still 30 November west of UTC — not a day late
    because October's was sent."""
    await admin_settings(app, api, "tz Asia/Jakarta")
    group_case(app, GROUP, datetime(2026, 10, 15, 10, 0, tzinfo=UTC))
    clock.now = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    october = await run_until(app, clock, api, datetime(2026, 11, 4, tzinfo=UTC))
    assert october == [datetime(2026, 11, 2, 2, 0, tzinfo=UTC)]
    group_case(app, GROUP, datetime(2026, 11, 10, 10, 0, tzinfo=UTC))
    clock.now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    november = await run_until(app, clock, api, datetime(2026, 12, 3, tzinfo=UTC))
    assert november == [datetime(2026, 12, 1, 2, 0, tzinfo=UTC)]
    assert "November 2026" in plain(str(summaries(api)[-1].params["caption"]))


async def test_a_month_starting_on_a_saturday_is_summarised_on_monday(
    app: App, api: InProcessBotApi, clock: Clock
) -> None:
    """1 May 2027 is a Saturday: the group (UTC, default quiet hours 21:00–09:00) hears on
    Monday 3 May at 09:00."""
    clock.now = datetime(2027, 4, 20, 10, 0, tzinfo=UTC)
    group_case(app, GROUP, clock.now)
    clock.now = datetime(2027, 4, 30, 12, 0, tzinfo=UTC)
    times = await run_until(app, clock, api, datetime(2027, 5, 8, tzinfo=UTC))
    assert times == [datetime(2027, 5, 3, 9, 0, tzinfo=UTC)]
    assert "April 2027" in plain(str(summaries(api)[0].params["caption"]))


async def test_an_admin_switches_the_summary_off_in_settings(
    app: App, api: InProcessBotApi, clock: Clock, store: Store
) -> None:
    """On by default; an admin's tap on "Turn off the monthly summary" stops it (a member's
    doesn't), and the settings say so."""
    group_case(app, GROUP, clock.now)
    member = ChatDriver(app, api, ALEX, GROUP, "Alex")
    await member.send("/settings")
    assert "Monthly summary (last month's /stats, first working day): on" in plain(
        member.last_text()
    )
    await member.tap("Turn off the monthly summary")
    assert "Only a group admin can change the group's settings." in member.last_text()
    admin = await admin_settings(app, api)
    await admin.send("/settings")
    await admin.tap("Turn off the monthly summary")
    assert "Monthly summary (last month's /stats, first working day): off" in plain(
        admin.last_text()
    )
    assert "📊 Turn on the monthly summary" in admin.button_labels()
    times = await run_until(app, clock, api, datetime(2026, 12, 10, tzinfo=UTC))
    assert times == []
    await admin.send("/settings summary on")
    assert store.team_flags(GROUP)["monthly_summary"]


async def test_a_group_without_cases_last_month_gets_nothing(
    app: App, api: InProcessBotApi, clock: Clock, store: Store
) -> None:
    """A case opened in October, none in November: no December summary (its figures would
    all be zero), and the month is settled, not looked at again."""
    group_case(app, GROUP, datetime(2026, 10, 15, 10, 0, tzinfo=UTC))
    clock.now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert await run_until(app, clock, api, datetime(2026, 12, 10, tzinfo=UTC)) == []
    with store.transaction() as conn:
        rows = conn.execute(select(monthly_summaries.c.month, monthly_summaries.c.state)).all()
    assert [tuple(r) for r in rows] == [("2026-11", "empty")]


async def test_once_across_two_processes_and_a_restart(
    settings: Settings, policy: Policy, clock: Clock, db_url: str
) -> None:
    """Two bot processes on one database sweep at the same moment: one summary. A restart
    the next day sends none again."""
    api = InProcessBotApi()
    async with bot_process(settings, policy, clock, db_url, api) as (first, _api):
        group_case(first, GROUP, clock.now)
        group_case(first, OTHER_GROUP, clock.now)
        async with bot_process(settings, policy, clock, db_url, api) as (second, _api2):
            clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
            await sweep_of(first).run_once()
            await sweep_of(second).run_once()
    assert len(summaries(api, GROUP)) == 1 and len(summaries(api, OTHER_GROUP)) == 1
    clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    async with bot_process(settings, policy, clock, db_url, api) as (third, _api3):
        await run_until(third, clock, api, datetime(2026, 12, 5, tzinfo=UTC))
    assert len(summaries(api)) == 2


async def test_a_bot_stopped_on_the_day_catches_up_in_the_first_week_not_later(
    settings: Settings, policy: Policy, clock: Clock, db_url: str
) -> None:
    """Stopped from 30 November to Friday 4 December 02:00 UTC (quiet hours in the group's
    UTC): the summary goes out when they end, at 09:00. Another group's bot stopped until
    the 9th sends nothing for November, ever."""
    api = InProcessBotApi()
    async with bot_process(settings, policy, clock, db_url, api) as (app, _api):
        group_case(app, GROUP, clock.now)
    clock.now = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    async with bot_process(settings, policy, clock, db_url, api) as (app, _api):
        assert (await sweep_of(app).run_once()).summaries.sent == 0  # quiet hours
        times = await run_until(app, clock, api, datetime(2026, 12, 6, tzinfo=UTC))
    assert times == [datetime(2026, 12, 4, 9, 0, tzinfo=UTC)]

    late = InProcessBotApi()
    clock.now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    async with bot_process(settings, policy, clock, db_url, late) as (app, _api):
        group_case(app, OTHER_GROUP, clock.now)
    clock.now = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
    async with bot_process(settings, policy, clock, db_url, late) as (app, _api):
        assert await run_until(app, clock, late, datetime(2026, 12, 31, tzinfo=UTC)) == []
    assert summaries(late) == []


async def test_a_refused_send_is_tried_again_later_and_then_sent_once(
    app: App, api: InProcessBotApi, clock: Clock
) -> None:
    """Telegram answers 429 to the summary: it is held, not lost, and goes out after the
    wait Telegram asked for, once."""
    group_case(app, GROUP, clock.now)
    clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    api.faults.append(
        Fault(429, "Too Many Requests: retry after 30", retry_after=30, method="sendPhoto")
    )
    result = await sweep_of(app).run_once()
    assert result.summaries.retried == 1 and summaries(api) == []
    clock.advance(minutes=6)
    assert (await sweep_of(app).run_once()).summaries.sent == 1
    clock.advance(minutes=6)
    await sweep_of(app).run_once()
    assert len(summaries(api)) == 1


async def test_many_groups_are_summarised_a_batch_per_sweep(
    app: App, api: InProcessBotApi, clock: Clock
) -> None:
    """Three groups, two summaries a sweep: the third goes out with the next sweep (the
    reminders of a sweep don't wait behind every group's chart), each group once."""
    groups = [-100901, -100902, -100903]
    for group in groups:
        group_case(app, group, clock.now)
    app.bot_data.sweep.summaries.batch = 2
    clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert (await sweep_of(app).run_once()).summaries.sent == 2
    clock.advance(seconds=30)
    assert (await sweep_of(app).run_once()).summaries.sent == 1
    clock.advance(minutes=30)
    assert (await sweep_of(app).run_once()).summaries.sent == 0
    assert sorted(int(c.params["chat_id"]) for c in summaries(api)) == sorted(groups)

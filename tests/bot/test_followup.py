"""Following a sent case through the real Application: reminders from the database queue,
their buttons, quiet hours, snooze, escalation, restarts and Telegram's failures."""
# Over 400 lines: one case's follow-up life (reminders, snooze, escalation) in order.

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application

from bot.app.reminders.sweep import ReminderSweep
from bot.config import Settings
from bot.db.store import Store
from bot.telegram.transport import Fault, InProcessBotApi
from conversations.cases import CaseStatus
from conversations.policy import Policy
from tests.helpers import ChatDriver, Clock, bot_process, no_sleep, plain, sent_case

App = Application[Any, Any, Any, Any, Any, Any]


def sweep_of(app: App) -> ReminderSweep:
    sweep: ReminderSweep = app.bot_data.sweep
    sweep.sleep = no_sleep
    return sweep


def pings(api: InProcessBotApi) -> list[str]:
    return [plain(c.text) for c in api.sent() if c.text.startswith("⏰")]


async def run_hours(app: App, clock: Clock, hours: int) -> list[tuple[datetime, str]]:
    """Advance the clock an hour at a time, sweeping each hour; return (time, ping) pairs."""
    api: InProcessBotApi = app.bot.request
    seen = len(pings(api))
    out: list[tuple[datetime, str]] = []
    for _ in range(hours):
        clock.advance(hours=1)
        await sweep_of(app).run_once()
        new = pings(api)[seen:]
        out += [(clock.now, text) for text in new]
        seen += len(new)
    return out


async def test_reply_overdue_ping_then_follow_up_and_escalation(
    app: App, user: ChatDriver, clock: Clock, api: InProcessBotApi
) -> None:
    """No ping before the reply is due; then a ping with the six buttons; a follow-up
    message quoting the ticket, date and count; escalation offered at every overdue ping,
    and leading after the second unanswered follow-up."""
    await sent_case(user)
    early = await run_hours(app, clock, 24 * 6)  # Thu 26 Nov 10:00 → Wed 2 Dec 10:00
    assert early == []
    first = await run_hours(app, clock, 24)
    assert len(first) == 1
    at, text = first[0]
    assert at == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # 5 business days, quiet hours kept
    assert "Case #1 — no reply from TikTok yet" in text
    assert "Ticket TT-0099123" in text and "Waiting 7 days" in text
    labels = user.button_labels()
    for label in (
        "Send a follow-up",
        "They replied",
        "Refunded",
        "Denied",
        "Snooze 2 days",
        "Close",
    ):
        assert any(label in b for b in labels), label

    await user.tap("Send a follow-up")
    await user.tap("I've sent it")  # counted only now (issue 16 A.8)
    follow_up = plain(api.sent()[-2].text)
    assert "Follow-up #1 for case #1" in follow_up
    assert "Subject: Follow-up on ticket TT-0099123" in follow_up
    assert "which we sent on 26 November 2026" in follow_up
    assert "We have not had a reply yet." in follow_up
    assert "Next reminder: Tue 8 Dec, 10:00" in user.last_text()

    second = await run_hours(app, clock, 24 * 6)
    assert [t for _, t in second][:1] and "still no reply after your follow-up" in second[0][1]
    # Still no answer after the expected time: escalating is offered (POLICY.md §3).
    assert "Escalation message" in " ".join(user.button_labels())
    await user.tap("Send a follow-up")
    await user.tap("I've sent it")
    assert "We followed up once before" in plain(api.sent()[-2].text)
    third = await run_hours(app, clock, 24 * 6)
    assert third, "a ping after the second follow-up"
    assert "next step up is your TikTok sales rep" in third[0][1]
    await user.tap("Escalation message")
    escalation = user.last_text()
    assert (
        "Subject: No answer from support — ad account 7289000011112221010, ticket TT-0099123"
        in (escalation)
    )
    assert "We have followed up 2 times since" in escalation


async def test_no_answer_in_five_business_days_offers_escalation_at_once(
    app: App, user: ChatDriver, clock: Clock, api: InProcessBotApi
) -> None:
    """POLICY.md §3: escalate when there's no answer after the expected time (5 business
    days). The first overdue reminder offers the escalation message beside the follow-up,
    and that message doesn't pretend follow-ups were sent (issue 16 B.2; before, it came
    only after two unanswered follow-ups, about 11 business days)."""
    await sent_case(user, ticket=None)
    first = await run_hours(app, clock, 24 * 7)
    assert len(first) == 1
    text = first[0][1]
    assert "No answer in the expected time" in text
    assert "step up — to your TikTok sales rep" in text
    # No ticket: no "in the same ticket", and the line after the break starts with a capital.
    assert "same ticket" not in text
    assert "\nWaiting 7 days for TikTok." in text
    labels = " ".join(user.button_labels())
    assert "Escalation message" in labels and "Send a follow-up" in labels
    await user.tap("Escalation message")
    escalation = user.last_text()
    assert "Subject: No answer from support — ad account 7289000011112221010" in escalation
    assert "We have had no answer since." in escalation
    assert "followed up 0" not in escalation


async def test_denied_offers_the_next_rung(
    app: App, user: ChatDriver, clock: Clock, api: InProcessBotApi
) -> None:
    """After "Denied": ask support why (a ready message), escalate to the sales rep with
    the case file, and the chargeback caution (issue 16 B.2; before, only Reopen and
    Close were offered)."""
    await sent_case(user)
    await user.send("/case 1")
    await user.tap("Denied")
    card = user.last_text()
    assert "What you can do next" in card
    assert "Ask support for the reason" in card
    assert "your TikTok sales rep or account manager, if you have one" in card
    assert "/export" in card
    assert "Don't start a chargeback" in card
    labels = " ".join(user.button_labels())
    assert "Ask why" in labels and "Escalation message" in labels and "Reopen" in labels
    await user.tap("Ask why")
    ask = user.last_text()
    assert "Subject: Reason for the decision on ticket TT-0099123" in ask
    assert "Could you tell us the reason" in ask
    await user.tap("Escalation message")
    escalation = user.last_text()
    assert "Refund request declined: please review" in escalation
    assert "Support declined the request" in escalation
    assert "full case file" in escalation


async def test_approved_refund_not_arriving_in_60_days_escalates(
    app: App, user: ChatDriver, clock: Clock
) -> None:
    """After "Approved", the next ping comes when the refund is 60 days late, with the
    escalation message; "Refunded" ends the reminders."""
    await sent_case(user)
    await run_hours(app, clock, 24 * 7)
    await user.tap("They replied")
    await user.tap("Approved")
    assert "Next reminder: Mon 1 Feb, 10:00" in user.last_text()  # approved 3 Dec + 60 days
    pinged = await run_hours(app, clock, 24 * 61)
    assert len(pinged) == 1
    assert "the approved refund hasn't arrived" in pinged[0][1]
    await user.tap("Escalation message")
    assert "Approved refund not received" in user.last_text()
    await user.tap("Refunded")
    assert "No more reminders" in user.last_text()
    assert await run_hours(app, clock, 24 * 30) == []


async def test_pings_respect_the_users_quiet_hours(
    app: App, user: ChatDriver, clock: Clock
) -> None:
    """A user in São Paulo gets reminders only between 09:00 and 21:00 local time."""
    await user.send("/settings tz America/Sao_Paulo")
    assert "Saved" in user.last_text() and "America/Sao_Paulo" in user.last_text()
    clock.now = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # 20:30 in São Paulo
    await sent_case(user)
    pinged = await run_hours(app, clock, 24 * 40)
    assert pinged, "reminders keep coming while nobody answers"
    tz = ZoneInfo("America/Sao_Paulo")
    for at, _ in pinged:
        local = at.astimezone(tz).time()
        assert local.hour >= 9 and local.hour < 21, at


async def test_partly_refunded_is_recorded_from_its_button(
    app: App, user: ChatDriver, store: Store
) -> None:
    """After TikTok replied, "Partly refunded" records that outcome (its letter is not
    shared with any other button)."""
    await sent_case(user)
    await user.send("/case 1")
    await user.tap("They replied")
    assert "Partly refunded" in " ".join(user.button_labels())
    await user.tap("Partly refunded")
    assert store.load_track(1).status == "partly_refunded"
    assert "Who should take" not in user.last_text()


async def test_settings_are_changed_with_buttons(app: App, user: ChatDriver, store: Store) -> None:
    """/settings offers each setting as a button, its common choices as buttons (the
    current one marked), and a way back; a choice is saved and the settings shown again."""
    await user.send("/settings")
    assert user.button_labels() == [
        "🕘 Time zone",
        "🌙 Quiet hours",
        "⏳ Reply wait",
        "✍️ Signature",
    ]
    await user.tap("Time zone")
    assert "Now: UTC" in user.last_text()
    assert "• UTC" in user.button_labels() and "Asia/Jakarta" in user.button_labels()
    await user.tap("Asia/Jakarta", exact=True)
    assert "Saved" in user.last_text() and "Time zone: Asia/Jakarta" in user.last_text()
    await user.tap("Quiet hours")
    await user.tap("22:00–08:00")
    assert "Quiet hours (no reminders): 22:00–08:00" in user.last_text()
    await user.tap("Reply wait")
    assert "• 5 business days" in user.button_labels()
    await user.tap("Back")
    assert "Settings for this chat" in user.last_text() and "Saved" not in user.last_text()
    await user.tap("Reply wait")
    await user.tap("7 business days")
    assert "Reply wait before a reminder: 7 business days" in user.last_text()
    settings = store.team_settings(user.chat_id)
    assert (settings.timezone, settings.quiet_start, settings.quiet_end, settings.reply_days) == (
        "Asia/Jakarta",
        "22:00",
        "08:00",
        7,
    )
    # A forged choice is checked like a typed one.
    await user.press("m:set:tz:Mars/Base")
    assert "I don't know the time zone" in user.last_text()
    assert store.team_settings(user.chat_id).timezone == "Asia/Jakarta"


async def test_a_groups_settings_buttons_are_for_admins(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """In a group anyone sees the choices, but only an admin's choice is saved."""
    api.admins.add((-100500, 1003))
    member = ChatDriver(app, api, 1001, -100500, "Alex", "alex")
    admin = ChatDriver(app, api, 1003, -100500, "Kim", "kim")
    await member.send("/settings@refund_guide_bot")
    await member.tap("Reply wait")
    await member.tap("10 business days")
    assert "Only a group admin can change the group's settings." in member.last_text()
    assert store.team_settings(-100500).reply_days is None
    await admin.send("/settings@refund_guide_bot")
    await admin.tap("Reply wait")
    await admin.tap("10 business days")
    assert "Reply wait before a reminder: 10 business days" in admin.last_text()
    # The group's switches are buttons too, each offered the other way from how it is.
    labels = admin.button_labels()
    assert "💬 Answer questions here in the group" in labels
    assert "🧵 Turn on a topic per case" in labels
    await admin.tap("Turn on a topic per case")
    assert "One forum topic per case: on" in admin.last_text()
    assert "🧵 Turn off the topic per case" in admin.button_labels()
    await admin.tap("Answer questions here in the group")
    assert store.team_flags(-100500)["answer_in_group"]
    await member.send("/settings@refund_guide_bot")
    await member.tap("Also send my reminders in private")
    assert "Your reminders also in private: on" in member.last_text()
    assert store.members_wanting_copies(-100500) == {1001}
    await member.tap("Turn off the topic per case")
    assert "Only a group admin can change the group's settings." in member.last_text()
    assert store.team_flags(-100500)["topic_per_case"]


async def test_snooze_holds_the_next_ping_for_two_days(
    app: App, user: ChatDriver, clock: Clock
) -> None:
    """Snooze 2 days: no ping for two days, then one."""
    await sent_case(user)
    await run_hours(app, clock, 24 * 7)
    await user.tap("Snooze")
    assert await run_hours(app, clock, 47) == []
    assert len(await run_hours(app, clock, 2)) == 1


async def test_closed_case_never_pings(app: App, user: ChatDriver, clock: Clock) -> None:
    """Close from the ping: no reminder ever again."""
    await sent_case(user)
    await run_hours(app, clock, 24 * 7)
    await user.tap("Close")
    assert await run_hours(app, clock, 24 * 90) == []


async def test_case_buttons_from_another_chat_are_refused(
    app: App, user: ChatDriver, clock: Clock, api: InProcessBotApi
) -> None:
    """A case button replayed in another chat finds nothing and changes nothing."""
    await sent_case(user)
    await run_hours(app, clock, 24 * 7)
    close = next(data for label, data in user.last_with_buttons().buttons if "Close" in label)
    stranger = ChatDriver(app, api, user_id=2002, first_name="Sam")
    await stranger.press(close)
    assert "That case isn't here." in stranger.toasts()
    await user.send("/cases overdue")
    assert "#1" in user.last_text()


async def test_reminders_survive_a_restart_and_go_out_once(
    settings: Settings, policy: Policy, clock: Clock, db_url: str
) -> None:
    """Stop the bot with reminders due, start another on the same database: every due
    ping goes out exactly once."""
    async with bot_process(settings, policy, clock, db_url) as (app1, api1):
        for user_id in (1001, 1002, 1003):
            await sent_case(ChatDriver(app1, api1, user_id=user_id))
    clock.advance(days=8)

    # The same Telegram after the restart: it still knows the chats.
    restarted = InProcessBotApi()
    restarted.chats |= api1.chats
    async with bot_process(settings, policy, clock, db_url, restarted) as (app2, api2):
        result = await sweep_of(app2).run_once()
        again = await sweep_of(app2).run_once()
    assert result.sent == 3 and again.claimed == 0
    assert sorted(int(c.params["chat_id"]) for c in api2.sent() if c.text.startswith("⏰")) == [
        1001,
        1002,
        1003,
    ]


async def test_a_reminder_due_while_the_bot_was_stopped_waits_for_the_quiet_hours_end(
    app: App, user: ChatDriver, clock: Clock, api: InProcessBotApi
) -> None:
    """The reminder fell due at 10:00 while the bot was stopped; it is back at 23:00,
    inside the default quiet hours (21:00–09:00): nothing is sent until 09:00."""
    await sent_case(user)
    clock.now = datetime(2026, 12, 3, 23, 0, tzinfo=UTC)  # due Thu 3 Dec 10:00
    first = await sweep_of(app).run_once()
    assert first.claimed == 1 and first.postponed == 1 and first.sent == 0
    assert pings(api) == []
    clock.now = datetime(2026, 12, 4, 8, 59, tzinfo=UTC)
    assert (await sweep_of(app).run_once()).claimed == 0
    clock.now = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    assert (await sweep_of(app).run_once()).sent == 1
    assert len(pings(api)) == 1


async def test_429_is_retried_after_retry_after(
    app: App, user: ChatDriver, clock: Clock, api: InProcessBotApi, store: Store
) -> None:
    """Telegram's 429 puts the reminder back until retry_after has passed; then it goes."""
    await sent_case(user)
    clock.advance(days=7)
    api.faults.append(Fault(429, "Too Many Requests: retry after 30", retry_after=30))
    first = await sweep_of(app).run_once()
    assert first.retried == 1 and first.sent == 0
    assert (await sweep_of(app).run_once()).claimed == 0
    clock.advance(seconds=31)
    assert (await sweep_of(app).run_once()).sent == 1
    assert len(pings(api)) == 1


async def test_server_errors_and_timeouts_retry_with_bounded_backoff(
    app: App, user: ChatDriver, clock: Clock, api: InProcessBotApi, store: Store
) -> None:
    """5xx and time-outs are retried with growing waits, five tries at most, then the
    reminder is marked failed and /cases says it could not be delivered."""
    await sent_case(user)
    clock.advance(days=7)
    api.faults += [
        Fault(500),
        Fault(timeout=True),
        Fault(502, "Bad Gateway"),
        Fault(500),
        Fault(500),
    ]
    waits = []
    for _ in range(5):
        result = await sweep_of(app).run_once()
        assert result.claimed == 1
        states = store.reminder_states(1)
        state, attempts, due = states[-1]
        if state == "pending":
            waits.append(due - clock.now)
            clock.now = due
    assert state == "failed" and attempts == 5
    assert waits == sorted(waits) and waits[0] == timedelta(seconds=30)
    assert (await sweep_of(app).run_once()).claimed == 0, "retries are bounded"
    assert pings(api) == []
    await user.send("/cases")
    assert "couldn't deliver its last reminder" in user.last_text()


async def test_blocked_chat_stops_pings_and_is_recorded(
    app: App, user: ChatDriver, clock: Clock, api: InProcessBotApi, store: Store
) -> None:
    """403 (the user blocked the bot): the chat is marked, its reminders stop."""
    await sent_case(user)
    clock.advance(days=7)
    api.faults.append(Fault(403, "Forbidden: bot was blocked by the user"))
    result = await sweep_of(app).run_once()
    assert result.blocked == 1
    assert store.team_settings(user.chat_id).blocked_at is not None
    assert [s for s, _, _ in store.reminder_states(1)] == ["blocked"]
    clock.advance(days=30)
    assert (await sweep_of(app).run_once()).claimed == 0
    await user.send("/start")
    assert store.team_settings(user.chat_id).blocked_at is None
    assert (await sweep_of(app).run_once()).sent == 1


async def test_cases_filters_and_attention_order(
    app: App, user: ChatDriver, clock: Clock, api: InProcessBotApi
) -> None:
    """/cases shows overdue cases first; the filter buttons narrow the list."""
    await sent_case(user, ticket="T-1")
    await sent_case(user, ticket="T-2")
    await run_hours(app, clock, 24 * 7)
    await user.tap("Close")  # the newest ping is case #2's
    await user.send("/cases")
    listing = user.last_text()
    assert listing.index("#1") < listing.index("#2")
    await user.tap("Closed")
    assert "#2" in user.last_text() and "#1" not in user.last_text()
    await user.tap("Overdue")
    assert "#1" in user.last_text() and "#2" not in user.last_text()


async def test_a_case_in_the_list_opens_with_a_tap(
    app: App, user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """Each listed case has a button that shows it as /case N does; its data is the case's
    random token, and someone else's chat can't open it."""
    await sent_case(user, ticket="T-1")
    await sent_case(user, ticket="T-2")
    await user.send("/cases")
    assert user.button_labels()[:2] == ["Case #2 ›", "Case #1 ›"]
    opens = dict(user.last_with_buttons().buttons)["Case #1 ›"]
    case = store.get_case(user.chat_id, 1)
    # The token, not the case's number (a token may itself begin with a digit).
    assert case is not None and case.token and opens.split(":")[-1] == case.token
    assert "1" not in opens.split(":")[:-1]
    await user.tap("Case #1 ›")
    shown = user.last_text()
    assert shown.startswith("Case #1") and "T-1" in shown and "Timeline" in shown
    stranger = ChatDriver(app, api, user_id=4242)
    await stranger.press(opens)
    assert "That case isn't here." in stranger.toasts()


async def test_button_pressed_while_a_reminder_is_sent_wins(
    app: App, user: ChatDriver, clock: Clock, api: InProcessBotApi, store: Store
) -> None:
    """If the user closes the case while its reminder is on the wire, the case stays
    closed and no later reminder is queued."""
    await sent_case(user)
    await run_hours(app, clock, 24 * 7)  # first reminder out; the case is overdue
    clock.advance(days=3)  # the repeat reminder is due
    close = next(data for label, data in user.last_with_buttons().buttons if "Close" in label)
    sweep = sweep_of(app)
    sender = sweep.sender

    async def slow_sender(chat_id: int, reply: Any) -> None:
        await user.press(close)  # the press lands while the reminder is being sent
        await sender(chat_id, reply)

    sweep.sender = slow_sender
    result = await sweep.run_once()
    assert result.sent == 1
    assert store.load_track(1).status == "closed"
    assert [s for s, _, _ in store.reminder_states(1) if s in ("pending", "claimed")] == []
    assert await run_hours(app, clock, 24 * 30) == []


async def test_a_case_closed_through_set_case_status_is_closed_everywhere(
    app: App, user: ChatDriver, store: Store, clock: Clock
) -> None:
    """A case's status is in one place (issue 15): `Store.set_case_status` on a case that
    has a track (before, it wrote the column alone, and the track still said "Waiting for
    TikTok") — /case N, /cases' filters, the track and the reminder sweep all say closed."""
    await sent_case(user)
    store.set_case_status(1, user.user_id, "closed")
    assert store.load_track(1).status is CaseStatus.CLOSED
    await user.send("/case 1")
    card = plain(user.last_text())
    assert "Closed" in card and "Waiting for TikTok" not in card, card
    await user.send("/cases closed")
    listed = plain(user.last_text())
    assert "#1" in listed and "Closed" in listed, listed
    await user.send("/cases open")
    assert "#1" not in plain(user.last_text()), user.last_text()
    assert await run_hours(app, clock, 24 * 30) == [], "no reminder of a closed case"

"""Two bot processes on one PostgreSQL database: real operating-system processes (see
tests/processes.py), each with its own engine (asyncpg) and its own fake Telegram.

The same update handed to both at the same instant (a webhook retry landing on the other
process) is applied by one and makes the other do and send nothing. Approved and Denied
pressed on one case at the same instant, from the owner's private chat and the group's
card: exactly one is recorded, every time, and the other presser is told.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.db.store import Store
from bot.db.tables import evidence, links
from bot.telegram.transport import InProcessBotApi
from tests.databases import PostgresServer
from tests.helpers import ChatDriver, Clock, button, count, events, sent_case, until_overdue
from tests.processes import BotProcesses, Call, make_group_case, sends

App = Application[Any, Any, Any, Any, Any, Any]
GROUP = -100_888
ALEX, KIM = 1001, 1003  # Alex owns the cases; Kim administers the group
CHANGED = "Someone changed this case meanwhile, so I didn't apply that."
RACES = 40


@pytest.fixture
def db_url(postgres: PostgresServer, postgres_database: str) -> str:
    """The suite's fixtures (the test's own bot, its store) on this test's PostgreSQL."""
    return postgres.url_for(postgres_database)


@pytest.fixture(scope="module")
def bot_processes() -> Iterator[BotProcesses]:
    processes = BotProcesses(2)
    yield processes
    processes.stop()


@pytest.fixture
def twins(
    bot_processes: BotProcesses, postgres: PostgresServer, postgres_database: str
) -> Iterator[BotProcesses]:
    """The two processes, each with a bot open on this test's database."""
    url = postgres.url_for(postgres_database, driver="postgresql+asyncpg")
    bot_processes.open(url, frozenset({(GROUP, KIM)}))
    yield bot_processes
    bot_processes.close()


async def the_update(kind: str, app: App, api: InProcessBotApi, user: ChatDriver) -> Update:
    """Bring the database to where `kind` of update does something, here in the test's own
    bot process; return that update (not handled yet)."""
    store: Store = app.bot_data.service.store
    if kind == "group /new":
        group = ChatDriver(app, api, ALEX, GROUP, "Alex", "alex")
        return group.updates.text("/new@refund_guide_bot")
    await sent_case(user)
    if kind == "snooze":
        await until_overdue(app, app.bot_data.service.clock, store)
        data, message_id = button(user, "Snooze")
        return user.updates.button(data, message_id)
    await user.send("/case 1")
    if kind == "evidence file":
        await user.tap("Add evidence")
        return user.updates.document("ev-file-77", "payments-page.png", "both charges")
    if kind == "outcome":
        data, message_id = button(user, "Approved")
        return user.updates.button(data, message_id)
    assert kind == "/export"
    return user.updates.text("/export")


def applied(kind: str, store: Store) -> int:
    """How many times the database shows `kind`'s change."""
    if kind == "group /new":
        return count(store, links, links.c.team_id == GROUP)
    if kind == "snooze":
        return events(store, 1, "snooze")
    if kind == "evidence file":
        return count(store, evidence, evidence.c.case_id == 1)
    if kind == "outcome":
        return events(store, 1, "approve")
    return 1  # /export changes nothing: what it sends is counted


@pytest.mark.parametrize("kind", ["snooze", "evidence file", "/export", "group /new", "outcome"])
async def test_an_update_handed_to_two_processes_at_once_is_applied_and_answered_once(
    kind: str,
    twins: BotProcesses,
    app: App,
    api: InProcessBotApi,
    user: ChatDriver,
    store: Store,
    clock: Clock,
) -> None:
    update = await the_update(kind, app, api, user)
    first, second = twins.deliver([update, update], clock.now)
    answered = [calls for calls in (first, second) if sends(calls)]
    assert len(answered) == 1, (sends(first), sends(second))
    assert applied(kind, store) == 1
    if kind == "/export":
        assert [c.method for c in answered[0]].count("sendDocument") == 1


def toast(calls: list[Call]) -> str:
    [answer] = [c.text for c in calls if c.method == "answerCallbackQuery"]
    return answer


async def test_approved_against_denied_from_two_processes_one_wins_every_time(
    twins: BotProcesses, app: App, store: Store, clock: Clock
) -> None:
    """Each round a new case, waiting for TikTok; the owner presses Approved in private
    while an admin presses Denied on the group's card, both from buttons showing the same
    version, in two processes at the same instant (alternating which process gets which)."""
    followup = app.bot_data.service.followup
    owner = ChatDriver(app, InProcessBotApi(), ALEX, None, "Alex", "alex")
    admin = ChatDriver(app, InProcessBotApi(), KIM, GROUP, "Kim", "kim")
    both_recorded: list[int] = []
    for round_ in range(RACES):
        case = make_group_case(followup, GROUP, ALEX, clock.now)
        approve = owner.updates.button(f"k:{case.token}:a:{case.version}")
        deny = admin.updates.button(f"k:{case.token}:D:{case.version}")
        updates = [approve, deny] if round_ % 2 == 0 else [deny, approve]
        results = twins.deliver(updates, clock.now)
        in_order = results if round_ % 2 == 0 else results[::-1]
        by_press = dict(zip(("approve", "deny"), in_order, strict=True))
        recorded = {what: events(store, case.id, what) for what in ("approve", "deny")}
        if sum(recorded.values()) != 1:
            both_recorded.append(case.id)
            continue
        winner = next(what for what, n in recorded.items() if n == 1)
        loser = "deny" if winner == "approve" else "approve"
        status = store.load_track(case.id).status
        assert status == ("approved" if winner == "approve" else "denied")
        assert toast(by_press[winner]).endswith("— noted."), by_press[winner]
        assert toast(by_press[loser]) == CHANGED, by_press[loser]
        if loser == "approve":
            # In private: the line above the case as it is now, with its buttons now.
            [shown] = [c for c in by_press[loser] if c.method == "sendMessage"]
            assert shown.text.startswith("🔄 ")
    assert both_recorded == [], f"both presses recorded in {len(both_recorded)} of {RACES}"

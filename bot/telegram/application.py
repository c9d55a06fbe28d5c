"""Builds the PTB Application: settings in, a ready bot out."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, cast

from telegram.ext import AIORateLimiter, Application, ContextTypes
from telegram.request import BaseRequest

from bot.app.intake.service import RefundService
from bot.app.reminders.summaries import MonthlySummaries
from bot.app.reminders.sweep import ReminderSweep
from bot.config import Settings
from bot.db.store import Store
from bot.metrics import Metrics
from bot.telegram.background import BackgroundWork
from bot.telegram.handlers import (
    BotContext,
    BotData,
    add_handlers,
    close_database,
    forget_handled_updates,
    register_commands,
    sweep_reminders,
    telegram_sender,
)
from bot.telegram.observe import InstrumentedApplication
from bot.telegram.updates import ChatOrderedProcessor
from bot.views.rendering import Renderer
from conversations import regions
from conversations.policy import Policy, load_policy


def utc_now() -> datetime:
    return datetime.now(UTC)


# Questions to Telegram, not messages: its per-chat message limits don't count them.
NOT_MESSAGES = frozenset({"getChatMember"})


class MessageRateLimiter(AIORateLimiter):
    """PTB's limiter, for messages only. It counts every call that names a chat toward that
    chat's limit (20 a minute in a group); a group's membership checks would then hold its
    cards and replies back."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint in NOT_MESSAGES:
            return await callback(*args, **kwargs)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


def build_service(
    settings: Settings,
    store: Store | None = None,
    policy: Policy | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> RefundService:
    """The service with its storage, policy and templates."""
    # Countries' names are read from CLDR once (about a second): beside start-up, in a
    # thread, so neither start-up nor the first update whose answer is a country waits.
    threading.Thread(target=regions.warm_up, name="region-names", daemon=True).start()
    return RefundService(
        store=store or Store.open(settings.database_url),
        policy=policy or load_policy(),
        renderer=Renderer(),
        clock=clock,
        timezone=settings.default_timezone,
    )


def build_application(
    settings: Settings,
    service: RefundService,
    request: BaseRequest | None = None,
    token: str | None = None,
    rate_limited: bool = True,
    metrics: Metrics | None = None,
    concurrent: bool = True,
) -> InstrumentedApplication:
    """The Telegram application; `request` replaces the network (terminal chat, tests).

    It counts and times what it handles in `metrics` (a fresh set unless given).
    `concurrent=False` handles one update at a time, PTB's default (for the benchmark
    that compares the two).
    """
    metrics = metrics if metrics is not None else Metrics()
    store = service.store

    async def flow_team(user_id: int) -> int | None:
        return await store.run(store.intake_team, user_id, user_id)

    if token is None:
        assert settings.telegram_bot_token is not None
        token = settings.telegram_bot_token.get_secret_value()
    builder = (
        Application.builder()
        .token(token)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .post_init(register_commands)
        .post_shutdown(close_database)
        .application_class(InstrumentedApplication, kwargs={"metrics": metrics})
    )
    if concurrent:
        # Chats in parallel, each chat's updates in order (bot/telegram/updates.py).
        builder = builder.concurrent_updates(ChatOrderedProcessor(flow_team=flow_team))
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
    if settings.telegram_file_url:
        builder = builder.base_file_url(settings.telegram_file_url)
    if settings.telegram_local_mode:
        builder = builder.local_mode(True)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limited:
        # The builder's generics say "no rate limiter" until one is set; AIORateLimiter is
        # generic over its retry argument, which mypy can't reconcile here.
        # 30 messages a second, released one every 1/30 s rather than in bursts of 30: a
        # burst makes Telegram answer 429 and the limiter then stalls every send.
        limiter = MessageRateLimiter(overall_max_rate=1, overall_time_period=1 / 30, max_retries=3)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    application = cast(InstrumentedApplication, builder.build())
    application.bot_data.service = service
    application.bot_data.board_url = settings.board_public_url
    application.bot_data.background = BackgroundWork(application)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    application.bot_data.sweep = ReminderSweep(
        service.store,
        service.followup,
        telegram_sender(application.bot, service),
        service.clock,
        worker=worker,
        observe=metrics.observe_sweep,
        summaries=MonthlySummaries(service.store, service.followup, service.clock, worker=worker),
    )
    add_handlers(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            sweep_reminders, interval=settings.sweep_seconds, first=1, name="reminder-sweep"
        )
        application.job_queue.run_repeating(
            forget_handled_updates, interval=3600, first=60, name="forget-handled-updates"
        )
    return application

"""Builds the PTB Application: settings in, a ready bot out."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

from telegram.ext import AIORateLimiter, Application, ContextTypes
from telegram.request import BaseRequest

from bot.config import Settings
from bot.handlers import (
    BotContext,
    BotData,
    add_handlers,
    close_database,
    register_commands,
    sweep_reminders,
    telegram_sender,
)
from bot.metrics import Metrics
from bot.observe import InstrumentedApplication
from bot.reminders import ReminderSweep
from bot.rendering import Renderer
from bot.service import RefundService
from bot.storage import Store
from conversations.policy import Policy, load_policy


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_service(
    settings: Settings,
    store: Store | None = None,
    policy: Policy | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> RefundService:
    """The service with its storage, policy and templates."""
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
) -> InstrumentedApplication:
    """The Telegram application; `request` replaces the network (terminal chat, tests).

    It counts and times what it handles in `metrics` (a fresh set unless given).
    """
    metrics = metrics if metrics is not None else Metrics()
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
        limiter = AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 30, max_retries=3)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    application = cast(InstrumentedApplication, builder.build())
    application.bot_data.service = service
    application.bot_data.sweep = ReminderSweep(
        service.store,
        service.followup,
        telegram_sender(application.bot, service),
        service.clock,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        observe=metrics.observe_sweep,
    )
    add_handlers(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            sweep_reminders, interval=settings.sweep_seconds, first=1, name="reminder-sweep"
        )
    return application

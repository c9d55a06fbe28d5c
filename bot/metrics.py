"""The bot's Prometheus metrics: what `/metrics` shows.

Each `Metrics` has its own `CollectorRegistry` rather than prometheus_client's global one,
so that several applications (tests, benchmarks) can live in one process without
"Duplicated timeseries" errors, and `/metrics` shows exactly this bot's series.

The per-update path (`observe_update`) is on the benchmarked hot path: label children are
resolved once here, so an update costs one dictionary lookup, one counter increment and
one histogram observation.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.app.reminders.sweep import SweepResult

UPDATE_KINDS = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "other",
)
# How a Telegram request can fail; the sweep's and the handlers' errors are sorted into these.
TELEGRAM_ERROR_KINDS = (
    "retry_after",
    "forbidden",
    "bad_request",
    "timed_out",
    "conflict",
    "network",
    "other",
)

# An update takes a few hundred microseconds to a few milliseconds; the default buckets
# (5 ms and up) would put nearly all of them in the first one.
UPDATE_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
# A sweep sends one chat's reminders a second apart, so a busy one takes minutes.
SWEEP_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class Metrics:
    """Counters and histograms of one bot process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        # prometheus_client adds the `_total` suffix to counter names.
        self.updates = Counter(
            "refundbot_updates", "Updates handled, by kind", ["kind"], registry=registry
        )
        self.update_seconds = Histogram(
            "refundbot_update_seconds",
            "Time to handle one update, every handler and error handler included",
            buckets=UPDATE_BUCKETS,
            registry=registry,
        )
        self.reminders_due = Counter(
            "refundbot_reminders_due", "Reminders claimed by a sweep", registry=registry
        )
        self.reminders_sent = Counter(
            "refundbot_reminders_sent", "Reminders delivered", registry=registry
        )
        self.reminders_failed = Counter(
            "refundbot_reminders_failed",
            "Reminders given up on (refused by Telegram, or out of retries)",
            registry=registry,
        )
        self.reminders_retried = Counter(
            "refundbot_reminders_retried",
            "Reminder sends put off to a later sweep (429, network)",
            registry=registry,
        )
        self.reminders_blocked = Counter(
            "refundbot_reminders_blocked",
            "Reminders not sent because the chat blocked or removed the bot",
            registry=registry,
        )
        self.sweep_seconds = Histogram(
            "refundbot_sweep_seconds",
            "Duration of one reminder sweep",
            buckets=SWEEP_BUCKETS,
            registry=registry,
        )
        self.last_sweep = Gauge(
            "refundbot_last_sweep_timestamp_seconds",
            "When the last reminder sweep finished its run (Unix time); alert when it is old",
            registry=registry,
        )
        self.telegram_errors = Counter(
            "refundbot_telegram_errors",
            "Telegram requests that failed, by kind",
            ["kind"],
            registry=registry,
        )
        self.webhook_refused = Counter(
            "refundbot_webhook_refused",
            "Webhook requests refused for a missing or wrong secret token",
            registry=registry,
        )
        self.webhook_duplicates = Counter(
            "refundbot_webhook_duplicates",
            "Webhook deliveries of an update this process had already received",
            registry=registry,
        )
        self._updates_by_kind = {kind: self.updates.labels(kind) for kind in UPDATE_KINDS}
        self._errors_by_kind = {
            kind: self.telegram_errors.labels(kind) for kind in TELEGRAM_ERROR_KINDS
        }

    def observe_update(self, kind: str, seconds: float) -> None:
        """Count one handled update of `kind` and its handling time."""
        counter = self._updates_by_kind.get(kind)
        if counter is None:
            counter = self._updates_by_kind["other"]
        counter.inc()
        self.update_seconds.observe(seconds)

    def count_telegram_error(self, kind: str, count: int = 1) -> None:
        counter = self._errors_by_kind.get(kind)
        if counter is None:
            counter = self._errors_by_kind["other"]
        counter.inc(count)

    def observe_sweep(self, result: SweepResult, seconds: float, finished: datetime) -> None:
        """Record one sweep's outcome (ReminderSweep calls this at the end of each run)."""
        self.sweep_seconds.observe(seconds)
        self.last_sweep.set(finished.timestamp())
        self.reminders_due.inc(result.claimed)
        self.reminders_sent.inc(result.sent)
        self.reminders_failed.inc(result.failed)
        self.reminders_retried.inc(result.retried)
        self.reminders_blocked.inc(result.blocked)
        for kind, count in result.errors.items():
            self.count_telegram_error(kind, count)

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)

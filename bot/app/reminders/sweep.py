"""The reminder sweep: the database is the queue.

Each sweep claims the due reminders in one statement, sends them (one chat's
reminders a second apart, different chats concurrently, the bot's rate limiter
keeping the whole under Telegram's limits), and records each outcome. A claim
lapses after a lease, so reminders held by a process that died come due again;
a reminder is sent twice only if the process dies between Telegram accepting it
and the database recording it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.app.cases.service import FollowUpService
from bot.app.reminders.sending import (
    ChatUnreachable,
    PermanentSendError,
    RetryLater,
    Sender,
    TransientSendError,
)
from bot.app.reminders.summaries import MonthlySummaries, SummaryResult
from bot.db.records import ClaimedReminder
from bot.db.store import Store

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    dropped: int = 0
    postponed: int = 0  # due inside the chat's quiet hours (after downtime): sent at their end
    errors: dict[str, int] = field(default_factory=dict)
    summaries: SummaryResult = field(default_factory=SummaryResult)


SweepObserver = Callable[[SweepResult, float, datetime], None]


class ReminderSweep:
    """Claims due reminders and sends them; one instance per bot process.

    `last_run` is when the last sweep finished (for /healthz); `observe`, if given, is told
    each sweep's result, duration in seconds and finish time (for /metrics).
    """

    def __init__(
        self,
        store: Store,
        service: FollowUpService,
        sender: Sender,
        clock: Callable[[], datetime],
        *,
        worker: str,
        batch: int = 500,
        lease: timedelta = timedelta(minutes=10),
        max_attempts: int = 5,
        base_backoff: timedelta = timedelta(seconds=30),
        per_chat_gap: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        observe: SweepObserver | None = None,
        summaries: MonthlySummaries | None = None,
    ) -> None:
        self.store = store
        self.service = service
        self.sender = sender
        self.clock = clock
        self.worker = worker
        self.batch = batch
        self.lease = lease
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.per_chat_gap = per_chat_gap
        self.sleep = sleep
        self.observe = observe
        # The groups' monthly summaries go out from the same sweep (bot/app/reminders/summaries.py).
        self.summaries = summaries
        self.last_run: datetime | None = None

    async def run_once(self) -> SweepResult:
        """Send every reminder due now (up to one batch)."""
        started = time.perf_counter()
        now = self.clock()
        claimed = await self.store.run(
            self.store.claim_due_reminders,
            now,
            limit=self.batch,
            lease=self.lease,
            worker=self.worker,
        )
        result = SweepResult(claimed=len(claimed))
        by_chat: dict[int, list[ClaimedReminder]] = defaultdict(list)
        for item in claimed:
            by_chat[item.chat_id].append(item)
        await asyncio.gather(*(self._send_chat(items, result) for items in by_chat.values()))
        if self.summaries is not None:
            result.summaries = await self.summaries.run_once(self.sender)
        if claimed:
            log.info(
                "Sweep: %d claimed, %d sent, %d retried, %d failed, %d blocked",
                result.claimed,
                result.sent,
                result.retried,
                result.failed,
                result.blocked,
            )
        self.last_run = self.clock()
        if self.observe is not None:
            self.observe(result, time.perf_counter() - started, self.last_run)
        return result

    async def _send_chat(self, items: list[ClaimedReminder], result: SweepResult) -> None:
        # A reminder is timed out of the chat's quiet hours when it is scheduled, but one
        # that fell due while the bot was stopped comes up whenever the bot is back: it
        # waits for the end of the quiet hours too.
        now = self.clock()
        schedule = await self.store.run(self.service.schedule, items[0].chat_id)
        after_quiet = schedule.ping_time(now)
        if after_quiet > now:
            for item in items:
                await self.store.run(self.store.postpone_reminder, item.id, after_quiet)
            result.postponed += len(items)
            return
        if items[0].chat_id < 0:
            # A group: one digest per sweep, not one message per case (20 a minute per group).
            await self._send_digest(items, result)
            return
        # Telegram allows about one message a second into one chat.
        for n, item in enumerate(items):
            if n:
                await self.sleep(self.per_chat_gap)
            if await self._send_one(item, result) == "blocked":
                return

    async def _send_one(self, item: ClaimedReminder, result: SweepResult) -> str:
        db = self.store.run
        now = self.clock()
        reply = await db(self.service.ping, item.case_id, item.chat_id, now)
        if reply is None:
            await db(self.store.reminder_dropped, item.id)
            result.dropped += 1
            return "dropped"
        try:
            await self.sender(item.chat_id, reply)
        except RetryLater as error:
            await db(
                self.store.retry_reminder, item.id, now + timedelta(seconds=error.seconds), "429"
            )
            return self._count(result, "retried", "retry_after")
        except ChatUnreachable as error:
            await db(self.store.block_chat, item.chat_id, now)
            log.info("Chat %s is unreachable (%s): its reminders stop", item.chat_id, error)
            return self._count(result, "blocked", "forbidden")
        except PermanentSendError as error:
            await db(self.store.fail_reminder, item.id, str(error))
            return self._count(result, "failed", "bad_request")
        except TransientSendError as error:
            if item.attempts + 1 >= self.max_attempts:
                await db(self.store.fail_reminder, item.id, str(error))
                return self._count(result, "failed", "network")
            backoff = self.base_backoff * (2**item.attempts)
            await db(self.store.retry_reminder, item.id, now + backoff, str(error))
            return self._count(result, "retried", "network")
        # Read the case again after the send's await: a button pressed meanwhile wins.
        track = await db(self.service.pinged, item.case_id, item.chat_id, now)
        await db(self.store.reminder_sent, item.id, now, item.case_id, item.chat_id, track)
        result.sent += 1
        return "sent"

    async def _send_digest(self, items: list[ClaimedReminder], result: SweepResult) -> None:
        db = self.store.run
        now = self.clock()
        chat_id = items[0].chat_id
        case_ids = [item.case_id for item in items]
        before = await db(self.service.statuses, case_ids)
        main, copies = await db(self.service.digest, chat_id, case_ids, now)
        if not main:
            for item in items:
                await db(self.store.reminder_dropped, item.id)
            result.dropped += len(items)
            return
        try:
            for reply in main:
                await self.sender(chat_id, reply)
        except RetryLater as error:
            for item in items:
                await db(
                    self.store.retry_reminder,
                    item.id,
                    now + timedelta(seconds=error.seconds),
                    "429",
                )
            self._count(result, "retried", "retry_after")
            return
        except ChatUnreachable:
            await db(self.store.block_chat, chat_id, now)
            self._count(result, "blocked", "forbidden")
            return
        except (PermanentSendError, TransientSendError) as error:
            for item in items:
                if isinstance(error, PermanentSendError) or item.attempts + 1 >= self.max_attempts:
                    await db(self.store.fail_reminder, item.id, str(error))
                else:
                    backoff = self.base_backoff * (2**item.attempts)
                    await db(self.store.retry_reminder, item.id, now + backoff, str(error))
            kind = "bad_request" if isinstance(error, PermanentSendError) else "network"
            self._count(result, "failed", kind)
            return
        for item in items:
            track = await db(self.service.pinged, item.case_id, chat_id, now)
            await db(self.store.reminder_sent, item.id, now, item.case_id, chat_id, track)
        result.sent += len(items)
        for card in await db(self.service.cards_after_reminders, chat_id, before):
            # The cards say what the digest says; like the copies, a courtesy.
            try:
                await self.sender(chat_id, card)
            except (RetryLater, ChatUnreachable, PermanentSendError, TransientSendError):
                log.info("Card of case %s in %s not updated", card.card_case_id, chat_id)
        for reply in copies:
            # A private copy is a courtesy: the group already has the reminder.
            try:
                await self.sender(reply.chat_id or chat_id, reply)
            except (RetryLater, ChatUnreachable, PermanentSendError, TransientSendError):
                log.info("Private copy of a reminder to %s not delivered", reply.chat_id)

    @staticmethod
    def _count(result: SweepResult, outcome: str, error: str) -> str:
        setattr(result, outcome, getattr(result, outcome) + 1)
        result.errors[error] = result.errors.get(error, 0) + 1
        return outcome

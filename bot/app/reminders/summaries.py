"""The monthly summary: last month's /stats, posted to each group on the month's first
working day.

It rides on the reminder sweep (no scheduler of its own): each sweep, at most every few
minutes and only in the first days of a month, looks for groups whose summary is due —
the switch on in /settings, at least one case, nothing recorded for that month yet — and
sends each one's in the group's language, at its local time, outside its quiet hours
(at most `batch` a sweep; the next sweep goes on with the rest).

Once per group and month, across restarts and processes: a group's summary is claimed by
inserting its row (`monthly_summaries`, only if there is none) before anything is sent,
and the row then says what became of it. A claim held by a process that died lapses and
comes due again; so a summary is sent twice only if the process dies between Telegram
accepting it and the database recording it, as with reminders. A bot that was stopped on
the day sends it when it is back, until the end of the month's seventh day; after that the
summary is old news and is not sent.

A group with no case opened last month gets nothing: its figures would all be zero, and
its open and overdue cases already come up in the reminder digests. A month-end message
saying "nothing happened" is noise a team lead would switch off, with the useful months.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from bot.app.cases.service import FollowUpService
from bot.app.reminders.sending import (
    ChatUnreachable,
    PermanentSendError,
    RetryLater,
    Sender,
    TransientSendError,
)
from bot.app.stats import StatsService
from bot.views import i18n
from bot.views.replies import Reply
from bot.views.stats_screens import StatsScreen, render_chart, stats_reply
from conversations.stats import SUMMARY_LAST_DAY, monthly_summary_due

if TYPE_CHECKING:
    from bot.db.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class SummaryResult:
    sent: int = 0
    empty: int = 0  # no case opened that month: nothing sent
    retried: int = 0
    failed: int = 0


class MonthlySummaries:
    """Finds the groups whose summary is due and sends it; one instance per bot process."""

    def __init__(
        self,
        store: Store,
        followup: FollowUpService,
        clock: Callable[[], datetime],
        *,
        worker: str,
        lease: timedelta = timedelta(minutes=10),
        every: timedelta = timedelta(minutes=5),
        batch: int = 20,
        max_attempts: int = 5,
        base_backoff: timedelta = timedelta(minutes=1),
    ) -> None:
        self.store = store
        self.followup = followup
        self.stats = StatsService(store, followup.renderer, clock, followup)
        self.clock = clock
        self.worker = worker
        self.lease = lease
        self.every = every
        # Summaries drawn per sweep (a chart takes a few hundred milliseconds): the
        # reminders of the next sweep don't wait behind a hundred groups' charts.
        self.batch = batch
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self._next_look: datetime | None = None

    async def run_once(self, sender: Sender) -> SummaryResult:
        """Send the summaries due now (looking at most once every `every`)."""
        result = SummaryResult()
        now = self.clock()
        if self._next_look is not None and now < self._next_look:
            return result
        self._next_look = now + self.every
        # A month's summaries go out from its first day (the day before in UTC, for zones
        # ahead of it) to its seventh: the rest of the month costs no query.
        if not any((now + timedelta(hours=h)).day <= SUMMARY_LAST_DAY for h in (-14, 14)):
            return result
        db = self.store.run
        # A group whose summary is due is in the first days of its month, and the month
        # is the one of the furthest-ahead zone (UTC+14): fewer than 26 hours apart, and
        # no month's first week is that close to the next month.
        month_due = _month_before(now + timedelta(hours=14))
        claimed = 0
        for team_id in await db(self.store.summary_candidates, month_due, now):
            if claimed == self.batch:
                self._next_look = None  # more are due: the next sweep goes on
                break
            schedule = await db(self.followup.schedule, team_id)
            month = monthly_summary_due(now, schedule.tz, schedule.ping_time)
            if month != month_due:
                continue
            attempts = await db(
                self.store.claim_summary, team_id, month, now, lease=self.lease, worker=self.worker
            )
            if attempts is None:
                continue  # another process has it, or it is done
            claimed += 1
            done = self.store.summary_done
            with i18n.speaking(await db(self.followup.chat_language, team_id)):
                found = await self._off_the_loop(self.stats.monthly_summary, team_id)
                if found is None:
                    await db(done, team_id, month, "empty", now, None)
                    result.empty += 1
                    continue
                reply = await self._reply(found[1])
            try:
                await sender(team_id, reply)
            except RetryLater as error:
                retry = now + timedelta(seconds=error.seconds)
                await db(done, team_id, month, "claimed", now, retry)
                result.retried += 1
                continue
            except ChatUnreachable:
                await db(self.store.block_chat, team_id, now)
                await db(done, team_id, month, "blocked", now, None)
                result.failed += 1
                continue
            except (PermanentSendError, TransientSendError) as error:
                if isinstance(error, TransientSendError) and attempts + 1 < self.max_attempts:
                    retry = now + self.base_backoff * (2**attempts)
                    await db(done, team_id, month, "claimed", now, retry)
                    result.retried += 1
                else:
                    log.info("Monthly summary to %s not sent: %s", team_id, error)
                    await db(done, team_id, month, "failed", now, None)
                    result.failed += 1
                continue
            await db(done, team_id, month, "sent", now, None)
            result.sent += 1
            log.info("Monthly summary of %s sent to %s", month, team_id)
        return result

    async def _reply(self, screen: StatsScreen) -> Reply:
        # The chart takes matplotlib a few hundred milliseconds: in a thread, which keeps
        # the group's language (context variables are copied).
        png = await asyncio.to_thread(render_chart, screen.chart) if screen.chart else None
        return stats_reply(screen, png)

    async def _off_the_loop(self, work: Callable[[int], T], team_id: int) -> T:
        """Read a team's figures without holding up the chats: in a thread with a
        synchronous driver, through the greenlet bridge with asyncpg."""
        if self.store.is_async:
            return await self.store.run(work, team_id)
        return await asyncio.to_thread(work, team_id)


def _month_before(moment: datetime) -> str:
    first = moment.replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")

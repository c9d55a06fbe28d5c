"""/stats: the figures of a chat's cases (a group's: the team's), a chart, and stats.csv.

The figures come from `conversations.stats.compute` over one read of the cases
(`Store.stats_cases`); the caption, the chart and the export's stats.csv all show that
one result. Their screens, and the chart (`render_chart`, which the handler runs in a
thread), are bot/views/stats_screens.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.db.store import Store
from bot.views import stats_screens
from bot.views.callbacks import Callback, Kind
from bot.views.i18n import _
from bot.views.rendering import Renderer
from bot.views.replies import Who
from bot.views.stats_screens import StatsScreen, person_name
from conversations.stats import Period, PeriodKey, Stats, compute

if TYPE_CHECKING:
    from bot.app.cases.service import FollowUpService
    from bot.app.intake.service import RefundService


class StatsService:
    """/stats and stats.csv, as a user meets them in a chat."""

    def __init__(
        self,
        store: Store,
        renderer: Renderer,
        clock: Callable[[], datetime],
        followup: FollowUpService,
    ) -> None:
        self.store = store
        self.renderer = renderer
        self.clock = clock
        self.followup = followup

    @classmethod
    def for_service(cls, service: RefundService) -> StatsService:
        """The stats service next to the bot's main service (cheap: holds no state)."""
        return cls(service.store, service.renderer, service.clock, service.followup)

    def figures(self, team_id: int, key: PeriodKey | str = PeriodKey.ALL) -> Stats:
        """The team's figures over the period `key` (the chat's time zone says when the
        year began)."""
        now = self.clock()
        period = Period.of(key, now, self.followup.schedule(team_id).tz)
        return compute(self.store.stats_cases(team_id, period.start), period, now)

    def screen(self, who: Who, argument: str = "") -> StatsScreen:
        """/stats [30d|90d|year|all]: anything else is the last 30 days."""
        wanted = argument.strip().casefold()
        key = PeriodKey(wanted) if wanted in set(PeriodKey) else PeriodKey.DAYS_30
        stats = self.figures(who.chat_id, key)
        names = self.store.member_names(who.chat_id) if who.in_group else {}
        month = None
        if key is PeriodKey.LAST_MONTH and stats.period.start is not None:
            month = stats.period.start.astimezone(self.followup.schedule(who.chat_id).tz)
        return stats_screens.period_screen(self.renderer, stats, names, who.in_group, key, month)

    def button(self, who: Who, button: Callback) -> StatsScreen:
        """A period button ("m:stats:90d"); one the bot never made shows the last 30 days."""
        if button.kind is not Kind.STATS or button.value:
            return self.screen(who, "")
        return self.screen(who, button.action)

    def monthly_summary(self, team_id: int) -> tuple[str, StatsScreen] | None:
        """Last month's figures of a group's team, in the group's language, as /stats shows
        them (no buttons: the summary is a record of the month), with the month they are
        of ("YYYY-MM"); None when no case was opened that month."""
        stats = self.figures(team_id, PeriodKey.LAST_MONTH)
        assert stats.period.start is not None
        month = stats.period.start.astimezone(self.followup.schedule(team_id).tz)
        if stats.opened == 0:
            return None
        names = self.store.member_names(team_id)
        screen = stats_screens.summary_screen(self.renderer, stats, names, month)
        return month.strftime("%Y-%m"), screen

    def csv(self, team_id: int) -> bytes:
        """stats.csv: the figures of /stats over all time, one figure a row."""
        stats = self.figures(team_id, PeriodKey.ALL)
        return stats_csv(stats, self.store.member_names(team_id))


def stats_csv(stats: Stats, names: dict[int, tuple[str, str | None]]) -> bytes:
    """One row a figure: (figure, what it is of — a currency, reason or person — value).
    Figure names are fixed identifiers (a spreadsheet filters on them); money is the exact
    decimal, never summed across currencies; rates under five decided cases are left
    empty, with the counts beside them."""
    text = io.StringIO()
    writer = csv.writer(text)
    # Translators: the columns of stats.csv in /export.
    writer.writerow([_("Figure"), _("Currency, reason or person"), _("Value")])
    rows: list[tuple[str, str, object]] = [
        ("cases_opened", "", stats.opened),
        ("cases_sent", "", stats.sent),
        ("cases_closed", "", stats.closed),
    ]
    for code, m in sorted(stats.money.items()):
        rows += [
            ("money_asked", code, m.asked),
            ("money_approved", code, m.approved),
            ("money_refunded", code, m.refunded),
        ]
    rows.append(("outcomes_without_amount", "", stats.unknown_amounts))
    for reason, f in sorted(stats.by_reason.items()):
        rows += [
            ("approved", reason, f.approved),
            ("denied", reason, f.denied),
            ("approval_rate", reason, "" if f.rate is None else f"{f.rate:.4f}"),
        ]
    medians = (
        ("median_days_to_first_reply", stats.days_to_reply),
        ("median_days_to_money", stats.days_to_money),
    )
    for name, median in medians:
        rows.append((name, "", "" if median is None else f"{median:.1f}"))
    rows += [("open_now", "", stats.open_now), ("overdue_now", "", stats.overdue_now)]
    for user_id, (n_open, n_late) in sorted(stats.by_assignee.items(), key=lambda i: i[0] or 0):
        person = person_name(user_id, names) if user_id is not None else ""
        rows += [("open_by_assignee", person, n_open), ("overdue_by_assignee", person, n_late)]
    for figure, of, value in rows:
        writer.writerow([figure, _safe_cell(of), value])
    return text.getvalue().encode("utf-8-sig")


def _safe_cell(text: str) -> str:
    # A name starting with = + - @ would be a formula to a spreadsheet.
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text

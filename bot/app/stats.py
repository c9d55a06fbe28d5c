"""/stats: the figures of a chat's cases (a group's: the team's), a chart, and stats.csv.

The figures come from `conversations.stats.compute` over one read of the cases
(`Store.stats_cases`); the caption, the chart and the export's stats.csv all show that
one result. The chart is drawn with matplotlib, imported only when a chart is drawn (so
start-up doesn't pay for it), by `render_chart`, which the handler runs in a thread.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from bot.db.store import Store
from bot.views import callbacks, i18n, labels
from bot.views.callbacks import Kind
from bot.views.formats import money, number
from bot.views.i18n import N_, _
from bot.views.rendering import Renderer
from bot.views.replies import Button, Document, Reply, Who, in_rows
from conversations.stats import Period, PeriodKey, Stats, compute

if TYPE_CHECKING:
    from bot.app.followup import FollowUpService
    from bot.app.intake import RefundService

# Where the transport sends the period buttons ("m:stats:30d" … "m:stats:all", made and
# read with the codec below).
STATS_PREFIX = Kind.STATS.value + ":"
PERIOD_WORDS: dict[PeriodKey, str] = {
    PeriodKey.DAYS_30: N_("Last 30 days"),
    PeriodKey.DAYS_90: N_("Last 90 days"),
    PeriodKey.YEAR: N_("This year"),
    PeriodKey.ALL: N_("All time"),
    PeriodKey.LAST_MONTH: N_("Last month"),
}
# The periods offered as buttons under /stats ("/stats month" is typed).
BUTTON_PERIODS = (PeriodKey.DAYS_30, PeriodKey.DAYS_90, PeriodKey.YEAR, PeriodKey.ALL)
# Telegram's limit on a photo's caption (characters after the HTML is read).
CAPTION_LIMIT = 1024
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class ChartData:
    """What the chart draws, its words already in the chat's language."""

    currency: str
    months: list[str]
    asked: list[float]
    recovered: list[float]
    # (reason, rate 0–1 or None, "3 of 4"): a rate only over enough decided cases.
    reasons: list[tuple[str, float | None, str]]
    language: str = i18n.DEFAULT_LANGUAGE
    titles: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StatsScreen:
    """/stats before its chart is drawn: the figures as Telegram HTML, the period buttons,
    and what to draw (None when no sent case has money to draw)."""

    text: str
    buttons: list[list[Button]]
    chart: ChartData | None


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
        title = None
        if key is PeriodKey.LAST_MONTH and stats.period.start is not None:
            month = stats.period.start.astimezone(self.followup.schedule(who.chat_id).tz)
            title = f"{_(PERIOD_WORDS[key])} · {long_month(month)}"
        text = self.renderer.chat_text("stats", **self.view(stats, names, who.in_group, title))
        buttons = in_rows(
            [
                Button(
                    ("• " if k is key else "") + _(PERIOD_WORDS[k]),
                    callbacks.menu(Kind.STATS, k.value),
                )
                for k in BUTTON_PERIODS
            ]
        )
        return StatsScreen(text, buttons, chart_data(stats))

    def button(self, who: Who, data: str) -> StatsScreen:
        """A period button ("m:stats:90d"); one the bot never made shows the last 30 days."""
        button = callbacks.decode(data)
        if button is None or button.kind is not Kind.STATS or button.value:
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
        title = _("Monthly summary · %(month)s") % {"month": long_month(month)}
        names = self.store.member_names(team_id)
        text = self.renderer.chat_text("stats", **self.view(stats, names, True, title))
        return month.strftime("%Y-%m"), StatsScreen(text, [], chart_data(stats))

    def view(
        self,
        stats: Stats,
        names: dict[int, tuple[str, str | None]],
        in_group: bool,
        title: str | None = None,
    ) -> dict[str, Any]:
        """The template's values: every number already in the chat's way of writing it."""
        return {
            "period": title or _(PERIOD_WORDS[stats.period.key]),
            "opened": number(stats.opened),
            "sent": number(stats.sent),
            "closed": number(stats.closed),
            "money": [
                {
                    "currency": code,
                    "asked": money(m.asked, code),
                    "approved": money(m.approved, code),
                    "refunded": money(m.refunded, code),
                }
                for code, m in sorted(stats.money.items())
            ],
            "unknown_amounts": stats.unknown_amounts,
            "reasons": [
                {
                    "reason": labels.REASONS.get(reason, reason),
                    "rate": percent(f.rate) if f.rate is not None else None,
                    "approved": f.approved,
                    "decided": f.decided,
                }
                for reason, f in sorted(
                    stats.by_reason.items(), key=lambda item: (-item[1].decided, item[0])
                )
            ],
            "days_to_reply": days(stats.days_to_reply),
            "days_to_money": days(stats.days_to_money),
            "open_now": number(stats.open_now),
            "overdue_now": number(stats.overdue_now),
            "assignees": [
                {"name": person_name(user_id, names), "open": n_open, "overdue": n_late}
                for user_id, (n_open, n_late) in sorted(
                    stats.by_assignee.items(), key=lambda item: -item[1][0]
                )
            ]
            if in_group
            else [],
        }

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


def long_month(moment: datetime) -> str:
    """`November 2026` (`ноябрь 2026 г.`): the month on its own, in the chat's language."""
    return str(format_date(moment.date(), "LLLL y", locale=i18n.babel_locale()))


def percent(rate: float) -> str:
    return str(format_percent(rate, locale=i18n.babel_locale())).replace("\xa0", " ")


def days(value: float | None) -> str | None:
    if value is None:
        return None
    return str(format_decimal(round(value, 1), format="0.#", locale=i18n.babel_locale()))


def person_name(user_id: int | None, names: dict[int, tuple[str, str | None]]) -> str:
    if user_id is None:
        return _("unassigned")
    first, username = names.get(user_id, ("", None))
    return f"@{username}" if username else first or f"#{user_id}"


def chart_data(stats: Stats) -> ChartData | None:
    """The chart of the main currency (money is never summed across currencies), with
    its words in the current language; None when no sent case has an amount."""
    currency = stats.main_currency
    if currency is None:
        return None
    months = sorted(m for m, code in stats.months if code == currency)
    values = [stats.months[(m, currency)] for m in months]
    reasons = [
        (
            labels.REASONS.get(reason, reason),
            f.rate,
            _("%(approved)s of %(decided)s") % {"approved": f.approved, "decided": f.decided},
        )
        for reason, f in sorted(stats.by_reason.items(), key=lambda i: (-i[1].decided, i[0]))
    ][:8]
    return ChartData(
        currency=currency,
        months=months,
        asked=[float(a) for a, _r in values],
        recovered=[float(r) for _a, r in values],
        reasons=reasons,
        language=i18n.babel_locale(),
        titles={
            "money": _("Money asked vs recovered, %(currency)s") % {"currency": currency},
            "asked": _("Asked"),
            "recovered": _("Recovered"),
            "rates": _("Approved, by reason"),
        },
    )


def render_chart(chart: ChartData) -> bytes:
    """The chart as a PNG: money asked vs recovered by month (bars), and the approval rate
    by reason (a rate where enough cases were decided, the counts otherwise). Large type
    for a phone; amounts on the axis in the chat's money format. Blocking: run it in a
    thread (`asyncio.to_thread`), which keeps the chat's language (context variables)."""
    # Imported here: matplotlib costs a few hundred milliseconds to import, only /stats
    # needs it, and the Agg backend draws without a display.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    with i18n.speaking(chart.language):
        figure = Figure(figsize=(8, 9), dpi=110)
        money_axes, rate_axes = figure.subplots(2, 1, gridspec_kw={"height_ratios": [3, 2]})
        positions = list(range(len(chart.months)))
        width = 0.4
        money_axes.bar(
            [p - width / 2 for p in positions], chart.asked, width, label=chart.titles["asked"]
        )
        money_axes.bar(
            [p + width / 2 for p in positions],
            chart.recovered,
            width,
            label=chart.titles["recovered"],
        )
        money_axes.set_xticks(positions, chart.months, rotation=45, ha="right", fontsize=13)
        money_axes.yaxis.set_major_formatter(
            FuncFormatter(lambda value, _pos: money(Decimal(str(round(value, 2))), chart.currency))
        )
        money_axes.tick_params(axis="y", labelsize=12)
        money_axes.set_title(chart.titles["money"], fontsize=17)
        money_axes.legend(fontsize=13)
        rows = list(range(len(chart.reasons)))
        rate_axes.barh(rows, [100 * (rate or 0) for _r, rate, _c in chart.reasons], color="#2a9d8f")
        rate_axes.set_yticks(rows, [_short(reason) for reason, _rate, _c in chart.reasons])
        rate_axes.tick_params(axis="y", labelsize=13)
        rate_axes.invert_yaxis()
        rate_axes.set_xlim(0, 130)
        rate_axes.set_xticks([0, 50, 100], ["0", "50", "100"])
        for row, (_reason, rate, counts) in zip(rows, chart.reasons, strict=True):
            shown = f"{percent(rate)} ({counts})" if rate is not None else counts
            rate_axes.text((rate or 0) * 100 + 2, row, shown, va="center", fontsize=13)
        rate_axes.set_title(chart.titles["rates"], fontsize=17)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _short(text: str, most: int = 28) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def stats_reply(screen: StatsScreen, png: bytes | None) -> Reply:
    """/stats as one message: the chart with the figures as its caption (when they fit
    Telegram's caption; otherwise the figures follow the chart), or the figures alone."""
    if png is None:
        return Reply(screen.text, screen.buttons)
    if caption_length(screen.text) <= CAPTION_LIMIT:
        return Reply("", screen.buttons, photo=Document("stats.png", png, screen.text))
    first_line = screen.text.split("\n", 1)[0]
    return Reply(screen.text, screen.buttons, photo=Document("stats.png", png, first_line))


def caption_length(text: str) -> int:
    """The length Telegram counts for a caption: the text without its HTML tags, in UTF-16
    code units (an emoji counts two)."""
    plain = html.unescape(_TAGS.sub("", text))
    return len(plain.encode("utf-16-le")) // 2

"""/stats as the chat sees it: the figures as the "stats" template's values, the period
buttons, the chart (drawn with matplotlib, imported only when a chart is drawn, so start-up
doesn't pay for it) and the one message they make. One function a screen; the figures
come from bot/app/stats.py.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from bot.views import callbacks, i18n, labels
from bot.views.callbacks import Kind
from bot.views.formats import money, number
from bot.views.i18n import _
from bot.views.rendering import Renderer
from bot.views.replies import Button, Document, Reply, in_rows
from conversations.stats import PeriodKey, Stats
from conversations.texts import N_

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


def period_screen(
    renderer: Renderer,
    stats: Stats,
    names: dict[int, tuple[str, str | None]],
    in_group: bool,
    key: PeriodKey,
    month: datetime | None = None,
) -> StatsScreen:
    """/stats over the period `key`, with the period buttons (the shown one marked);
    `month`: which month "Last month" is, in the chat's time zone."""
    title = None
    if key is PeriodKey.LAST_MONTH and month is not None:
        title = f"{_(PERIOD_WORDS[key])} · {long_month(month)}"
    text = renderer.chat_text("stats", **stats_context(stats, names, in_group, title))
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


def summary_screen(
    renderer: Renderer, stats: Stats, names: dict[int, tuple[str, str | None]], month: datetime
) -> StatsScreen:
    """A group's monthly summary: last month's figures as /stats shows them, without
    buttons (the summary is a record of the month)."""
    title = _("Monthly summary · %(month)s") % {"month": long_month(month)}
    text = renderer.chat_text("stats", **stats_context(stats, names, True, title))
    return StatsScreen(text, [], chart_data(stats))


def stats_context(
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

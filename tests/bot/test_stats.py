"""/stats through the real Application and the in-process fake Bot API: the figures as the
caption of a PNG chart, the period buttons, a private chat and a group (members only), and
stats.csv in /export."""

from __future__ import annotations

import csv
import io
import os
import struct
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application

from bot.app.cases.service import FollowUpService
from bot.telegram.terminal import TerminalScreen
from bot.telegram.transport import ApiCall, InProcessBotApi
from bot.views.rendering import Renderer
from bot.views.stats_screens import (
    CAPTION_LIMIT,
    ChartData,
    StatsScreen,
    caption_length,
    chart_data,
    render_chart,
    stats_reply,
)
from conversations.stats import CaseFacts, Period, PeriodKey, Step, compute
from tests.helpers import ChatDriver, Clock, plain, sent_case
from tests.stored_cases import make_real_case

App = Application[Any, Any, Any, Any, Any, Any]
GROUP = -100111
ALEX, SAM, STRANGER = 1001, 1002, 1003
BOT = "refund_guide_bot"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def the_photo(calls: list[ApiCall]) -> ApiCall:
    photos = [c for c in calls if c.method == "sendPhoto"]
    assert len(photos) == 1, [c.method for c in calls]
    return photos[0]


def png_size(content: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (after the 8-byte signature)."""
    assert content.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", content[16:24])
    return width, height


async def refunded_case(user: ChatDriver) -> None:
    """A duplicate charge of 189.90 USD sent to TikTok, then "Approved" and "Refunded" on
    its card."""
    await sent_case(user)
    await user.send("/case 1")
    await user.tap("Approved")
    await user.tap("Refunded")


async def test_stats_in_a_private_chat_is_a_chart_with_the_figures_as_caption(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """A sent case refunded: /stats sends one PNG with the figures (money in the chat's
    format), and period buttons under it."""
    await refunded_case(user)
    calls = await user.send("/stats")
    photo = the_photo(calls)
    filename, content = photo.files["photo"]
    assert filename == "stats.png"
    width, height = png_size(content)
    assert 600 <= width <= 2000 and 600 <= height <= 2000
    assert 10_000 < len(content) < 1_000_000
    caption = plain(str(photo.params["caption"]))
    assert caption_length(str(photo.params["caption"])) <= CAPTION_LIMIT
    assert "Last 30 days" in caption
    assert "Cases opened: 1 · sent: 1 · closed: 1" in caption
    assert "asked 189.90 USD · approved 189.90 USD · refunded 189.90 USD" in caption
    assert "I was charged twice: 1 of 1" in caption  # one decided case: a count, no rate
    assert "%" not in caption
    assert "Open now: 0 · overdue: 0" in caption
    data = [d for _label, d in photo.buttons]
    assert data == ["m:stats:30d", "m:stats:90d", "m:stats:year", "m:stats:all"]
    assert all(len(d.encode()) <= 64 for d in data)
    assert photo.buttons[0][0].startswith("• ")


async def test_a_partly_refunded_amount_counts_as_refunded(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """ "Partly refunded" asks how much came back; /stats counts that amount as refunded
    (not the amount asked, and not "without an amount")."""
    await sent_case(user)
    await user.send("/case 1")
    await user.tap("They replied")
    await user.tap("Partly refunded")
    await user.send("120.50")
    calls = await user.send("/stats")
    caption = plain(str(the_photo(calls).params["caption"]))
    assert "refunded 120.50 USD" in caption, caption


async def test_period_buttons_show_the_figures_of_that_period(
    user: ChatDriver, api: InProcessBotApi, clock: Clock
) -> None:
    """A case opened 40 days ago is out of the last 30 days but in 90 days and all time."""
    await refunded_case(user)
    clock.advance(days=40)
    await user.send("/stats")
    assert "No cases sent in this period yet." in plain(user.last_with_buttons().params["text"])
    calls = await user.tap_data("m:stats:90d")
    caption = plain(str(the_photo(calls).params["caption"]))
    assert "Last 90 days" in caption and "Cases opened: 1" in caption
    assert ("• Last 90 days", "m:stats:90d") in the_photo(calls).buttons
    calls = await user.tap_data("m:stats:all")
    assert "refunded 189.90 USD" in plain(str(the_photo(calls).params["caption"]))


async def test_stats_with_no_cases_says_so_without_a_chart(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    calls = await user.send("/stats")
    assert not [c for c in calls if c.method == "sendPhoto"]
    assert "No cases sent in this period yet." in user.last_text()
    assert [d for _l, d in user.last().buttons][-1] == "m:stats:all"


async def test_stats_in_a_group_counts_the_team_and_open_cases_by_assignee(
    app: App, api: InProcessBotApi, clock: Clock
) -> None:
    """In a group: the team's cases (not a member's private ones), open and overdue by
    assignee, in the group's chart."""
    followup: FollowUpService = app.bot_data.service.followup
    store = followup.store
    store.ensure_team(GROUP, "supergroup", "Agency")
    sam = ChatDriver(app, api, SAM, GROUP, "Sam", "sam")
    await sam.send(f"/help@{BOT}")  # Sam is a known member (for the name)
    first = make_real_case(followup, GROUP, clock.now - timedelta(days=20))
    second = make_real_case(followup, GROUP, clock.now - timedelta(days=2))
    make_real_case(followup, ALEX, clock.now - timedelta(days=2))  # Alex's own, private
    store.assign_case(first, SAM, SAM, clock.now)
    track = store.load_track(first)
    track.deadline_passed(clock.now, 0, followup.schedule(GROUP))
    store.save_track(first, GROUP, track)
    assert store.load_track(second).status == "awaiting_reply"
    calls = await sam.send(f"/stats@{BOT}")
    caption = plain(str(the_photo(calls).params["caption"]))
    assert "Cases opened: 2 · sent: 2 · closed: 0" in caption
    assert "Open now: 2 · overdue: 1" in caption
    assert "@sam: 1 · ⏰ 1" in caption and "unassigned: 1" in caption
    calls = await sam.tap_data("m:stats:year")
    assert "This year" in plain(str(the_photo(calls).params["caption"]))


async def test_a_stranger_in_the_group_gets_no_stats(app: App, api: InProcessBotApi) -> None:
    stranger = ChatDriver(app, api, STRANGER, GROUP, "Eve", member=False)
    calls = await stranger.send(f"/stats@{BOT}")
    assert not [c for c in calls if c.method == "sendPhoto"]
    assert "Only members of this group" in stranger.last_text()
    calls = await stranger.press("m:stats:all")
    assert not [c for c in calls if c.method == "sendPhoto"]


async def test_export_holds_stats_csv_with_the_same_figures(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    await refunded_case(user)
    await user.send("/export")
    _name, content = api.sent("sendDocument")[-1].files["document"]
    archive = zipfile.ZipFile(io.BytesIO(content))
    rows = list(csv.reader(io.StringIO(archive.read("stats.csv").decode("utf-8-sig"))))
    assert rows[0] == ["Figure", "Currency, reason or person", "Value"]
    figures = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert figures[("cases_opened", "")] == "1"
    assert figures[("money_asked", "USD")] == "189.90"
    assert figures[("money_refunded", "USD")] == "189.90"
    assert figures[("approved", "duplicate")] == "1"
    assert figures[("approval_rate", "duplicate")] == ""  # under five decided cases


def test_figures_too_long_for_a_caption_follow_the_chart() -> None:
    chart = ChartData("USD", [], [], [], [])
    short = stats_reply(StatsScreen("<b>📊 x</b>\nfigures", [], chart), PNG_SIGNATURE)
    assert short.photo is not None and short.photo.caption.endswith("figures")
    assert short.text == ""
    long_text = "<b>📊 Last 30 days</b>\n" + "• line\n" * 300
    long = stats_reply(StatsScreen(long_text, [], chart), PNG_SIGNATURE)
    assert long.photo is not None and long.photo.caption == "<b>📊 Last 30 days</b>"
    assert long.text == long_text


def test_the_template_renders_rates_and_counts(renderer: Renderer) -> None:
    text = plain(
        renderer.chat_text(
            "stats",
            period="All time",
            opened="9",
            sent="8",
            closed="6",
            money=[],
            unknown_amounts=2,
            reasons=[
                {"reason": "I was charged twice", "rate": "80%", "approved": 4, "decided": 5},
                {"reason": "Charged after I paused", "rate": None, "approved": 1, "decided": 3},
            ],
            days_to_reply="4",
            days_to_money=None,
            open_now="2",
            overdue_now="1",
            assignees=[],
        )
    )
    assert "I was charged twice: 80% (4 of 5)" in text
    assert "Charged after I paused: 1 of 3" in text
    assert "Outcomes without an amount recorded: 2" in text
    assert "first reply: 4" in text and "money arriving" not in text


def test_starting_the_bot_does_not_import_matplotlib() -> None:
    """matplotlib is imported when the first chart is drawn, not at start-up."""
    code = (
        "import sys, bot.telegram.application, bot.telegram.handlers, "
        "bot.app.stats, bot.app.records.service, bot.views.stats_screens;"
        "sys.exit('matplotlib' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_the_terminal_chat_saves_the_chart_and_shows_its_caption_and_buttons(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    screen = TerminalScreen(out, tmp_path / "files")
    markup = {"inline_keyboard": [[{"text": "• Last 30 days", "callback_data": "m:stats:30d"}]]}
    screen.show(
        ApiCall(
            "sendPhoto",
            {"chat_id": 1, "caption": "<b>📊 Last 30 days</b>", "reply_markup": markup},
            {"photo": ("stats.png", PNG_SIGNATURE)},
            message_id=7,
        )
    )
    shown = out.getvalue()
    assert "stats.png — saved to" in shown and "📊 Last 30 days" in shown
    assert "[1] • Last 30 days" in shown
    assert (tmp_path / "files" / "stats.png").read_bytes() == PNG_SIGNATURE
    assert screen.button_for("1") == "m:stats:30d"


def test_a_teams_half_year_draws_as_a_readable_chart() -> None:
    """Six months of a team's cases in two currencies, some refunded in part, some denied:
    the chart is a PNG of a phone-readable size; with REFUNDBOT_SCREENSHOTS=1 it is also
    kept as docs/stats-chart.png, the README's example."""
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    reasons = ["duplicate", "after_pause", "unrecognised", "unused_balance"]
    outcomes = [
        ("refunded", "refund_arrived", ""),
        ("partly_refunded", "partly_refunded", "60.00"),
        ("denied", "deny", ""),
        ("approved", "approve", ""),
        ("awaiting_reply", "", ""),
    ]
    cases = []
    for n in range(60):
        opened = now - timedelta(days=5 + 3 * n)
        sent = opened + timedelta(hours=3)
        status, what, detail = outcomes[n % len(outcomes)]
        steps = [Step(sent, "send")]
        if what:
            steps.append(Step(sent + timedelta(days=2 + n % 6), what, detail))
        cases.append(
            CaseFacts(
                id=n + 1,
                reason=reasons[n % len(reasons)],
                status=status,
                created_at=opened,
                sent_at=sent,
                amount=Decimal("189.90") if n % 3 else Decimal("95000"),
                currency="USD" if n % 3 else "JPY",
                steps=tuple(steps),
            )
        )
    stats = compute(cases, Period.of(PeriodKey.ALL, now, ZoneInfo("UTC")), now)
    chart = chart_data(stats)
    assert chart is not None
    png = render_chart(chart)
    width, height = png_size(png)
    assert 600 <= width <= 2000 and 600 <= height <= 2000
    if os.environ.get("REFUNDBOT_SCREENSHOTS") == "1":
        docs = Path(__file__).resolve().parents[2] / "docs"
        docs.mkdir(exist_ok=True)
        (docs / "stats-chart.png").write_bytes(png)


async def test_stats_month_is_the_last_calendar_month(
    user: ChatDriver, api: InProcessBotApi, clock: Clock
) -> None:
    """`/stats month`: the cases opened in the calendar month before this one (the monthly
    summary's figures), named by its month; a case opened this month is not in it."""
    await refunded_case(user)  # opened 26 November
    clock.now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    caption = plain(str(the_photo(await user.send("/stats month")).params["caption"]))
    assert caption.startswith("📊 Last month · November 2026")
    assert "Cases opened: 1 · sent: 1 · closed: 1" in caption
    clock.now = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
    await user.send("/stats month")
    text = plain(user.last_with_buttons().params["text"])
    assert text.startswith("📊 Last month · December 2026") and "Cases opened: 0" in text


async def test_a_period_button_the_bot_never_made_shows_the_last_30_days(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """A period the bot doesn't know, or a known one with more after it, is not that
    period: /stats shows the last 30 days, as for "/stats" with no period."""
    await refunded_case(user)
    for forged in ["m:stats:decade", "m:stats:all:x", "m:stats:"]:
        calls = await user.press(forged)
        assert ("• Last 30 days", "m:stats:30d") in the_photo(calls).buttons, forged

"""/stats for a big team: the time to compute its figures and to draw its chart.

A fresh SQLite file (WAL) holds one group's team with --cases cases spread over the last
two years: statuses as an agency's mix (a third refunded, a tenth partly refunded with an
amount, a fifth denied, the rest open, closed or drafted), twelve reasons, three
currencies, six assignees, and the timeline events a real case gets (sent, reply,
approval, refund or denial). The rows are bulk-inserted; the figures are read back the
way the bot reads them.

Timed, --repeats times each, median and worst printed:
- figures: `StatsService.screen` (one read of the cases and their events, the domain
  function over every period's cases, the caption rendered), for "all time";
- chart: `render_chart` (matplotlib, Agg) of those figures;
- first chart: the first `render_chart` in the process, including matplotlib's import
  (what the first /stats after start-up pays), measured once.

    python benchmarks/bench_stats.py [--cases 10000] [--repeats 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.app.stats import StatsService  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db.store import Store  # noqa: E402
from bot.db.tables import case_events, cases, members  # noqa: E402
from bot.telegram.application import build_service  # noqa: E402
from bot.views.replies import Who  # noqa: E402
from bot.views.stats_screens import render_chart  # noqa: E402
from conversations.facts import Reason  # noqa: E402

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
TEAM = -1001234567890
REASONS = tuple(reason.value for reason in Reason)
CURRENCIES = (("USD", "189.90"), ("EUR", "120.00"), ("IDR", "1500000"))
# (status, weight, the events after "send")
MIX: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("refunded", 33, ("reply", "approve", "refund_arrived")),
    ("partly_refunded", 10, ("reply", "partly_refunded")),
    ("denied", 20, ("reply", "deny")),
    ("approved", 7, ("approve",)),
    ("awaiting_reply", 12, ()),
    ("overdue", 6, ("deadline_passed",)),
    ("closed", 7, ("reply", "close")),
    ("drafted", 5, ()),
)


def fill(store: Store, count: int, seed: int = 7) -> None:
    """`count` cases of the team TEAM, with their timelines, in bulk."""
    rng = random.Random(seed)
    store.ensure_team(TEAM, "supergroup", "Agency")
    weights = [w for _s, w, _e in MIX]
    case_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    for number in range(1, count + 1):
        status, _w, after = rng.choices(MIX, weights)[0]
        created = NOW - timedelta(days=rng.uniform(0, 730))
        sent = None if status == "drafted" else created + timedelta(hours=2)
        currency, amount = rng.choice(CURRENCIES)
        case_rows.append(
            {
                "id": number,
                "team_id": TEAM,
                "owner_user_id": 1000 + number % 6,
                "assignee_user_id": rng.choice([None, 2001, 2002, 2003, 2004, 2005, 2006]),
                "reason": rng.choice(REASONS),
                "answers": {"amount": amount, "amount_currency": currency, "amount_text": amount},
                "outcome": "eligible",
                "situation": "duplicate_charge",
                "policy_version": "2026-11",
                "status": status,
                "created_at": created,
                "sent_at": sent,
                "updated_at": created,
                "version": 1,
            }
        )
        if sent is None:
            continue
        at = sent
        event_rows.append({"case_id": number, "at": at, "actor_user_id": 1, "what": "send"})
        for what in after:
            at += timedelta(days=rng.uniform(1, 12))
            detail = str(int(float(amount) / 2)) if what == "partly_refunded" else None
            event_rows.append(
                {"case_id": number, "at": at, "actor_user_id": 1, "what": what, "detail": detail}
            )
    with store.transaction() as conn:
        for start in range(0, len(case_rows), 5000):
            conn.execute(insert(cases), case_rows[start : start + 5000])
        for start in range(0, len(event_rows), 10000):
            rows = event_rows[start : start + 10000]
            conn.execute(insert(case_events), [{"detail": None, **row} for row in rows])
        conn.execute(
            insert(members),
            [
                {"team_id": TEAM, "user_id": 2000 + i, "first_name": f"Member {i}", "seen_at": NOW}
                for i in range(1, 7)
            ],
        )


def timed(work: Any, repeats: int) -> tuple[float, float, Any]:
    """(median seconds, worst seconds, the last result) of `repeats` runs of `work`."""
    took: list[float] = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        took.append(time.perf_counter() - started)
    return statistics.median(took), max(took), result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stats.sqlite3"
        settings = Settings(_env_file=None, database_url=f"sqlite:///{path}")  # type: ignore[call-arg]
        store = Store.open(settings.database_url)
        try:
            fill(store, args.cases)
            service = build_service(settings, store=store, clock=lambda: NOW)
            stats = StatsService.for_service(service)
            who = Who(chat_id=TEAM, user_id=2001, chat_kind="supergroup", chat_title="Agency")
            first_started = time.perf_counter()
            screen = stats.screen(who, "all")
            assert screen.chart is not None
            first_png = render_chart(screen.chart)
            first = time.perf_counter() - first_started
            figures_median, figures_worst, screen = timed(
                lambda: stats.screen(who, "all"), args.repeats
            )
            chart = screen.chart
            chart_median, chart_worst, png = timed(lambda: render_chart(chart), args.repeats)
        finally:
            store.close()
    result = {
        "cases": args.cases,
        "figures_median_s": round(figures_median, 4),
        "figures_worst_s": round(figures_worst, 4),
        "chart_median_s": round(chart_median, 4),
        "chart_worst_s": round(chart_worst, 4),
        "total_median_s": round(figures_median + chart_median, 4),
        "first_stats_s": round(first, 4),
        "png_bytes": len(png),
        "first_png_bytes": len(first_png),
    }
    print(f"/stats for a team with {args.cases:,} cases (SQLite, {args.repeats} runs each):")
    print(f"  figures (read + compute + caption): median {figures_median * 1000:.0f} ms,")
    print(f"    worst {figures_worst * 1000:.0f} ms")
    print(f"  chart (matplotlib, Agg): median {chart_median * 1000:.0f} ms,")
    print(f"    worst {chart_worst * 1000:.0f} ms, {len(png):,} bytes")
    print(f"  together: median {(figures_median + chart_median) * 1000:.0f} ms")
    print(f"  the first /stats after start-up (imports matplotlib): {first * 1000:.0f} ms")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()

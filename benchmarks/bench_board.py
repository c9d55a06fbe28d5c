"""The board's first load for a team with --cases cases: the time to answer the cases API.

A fresh SQLite file holds one group's team with --cases cases (four in five sent and
waiting, the rest drafts; three currencies, twelve reasons, three ad accounts) and a
member. The board's aiohttp app (the bot's own code, the in-process Bot API answering
getChatMember) is served on 127.0.0.1 and asked `GET /board/api/cases` with initData
signed for the member, as the Mini App page asks on opening:

- first: the first request (Telegram asked whether they are in the group; nothing warm);
- then --repeats more, median and worst (membership kept for a minute, as in the bot);
- the chart the page then fetches (`GET /board/api/chart.png`, the /stats chart of all
  time): the first (matplotlib imported) and the median of --repeats more.

    python benchmarks/bench_board.py [--cases 1000] [--repeats 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.telegram.application import build_application, build_service  # noqa: E402
from bot.telegram.board import mount_board  # noqa: E402
from bot.telegram.miniapp_auth import make_init_data  # noqa: E402
from bot.telegram.transport import InProcessBotApi  # noqa: E402
from conversations.facts import Reason  # noqa: E402

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
TEAM, MEMBER, TOKEN = -1001234567890, 4242, "123:BENCH"
REASONS = tuple(reason.value for reason in Reason)
CURRENCIES = (("USD", "189.90"), ("EUR", "120.00"), ("IDR", "1500000"))
ACCOUNT: dict[str, Any] = {
    "account_name": "Shop",
    "billing": "automatic",
    "in_bc": False,
    "bc_id": None,
    "currency": "USD",
    "account_status": "active",
    "paid_via": "tiktok",
}


def fill(settings: Settings, count: int) -> Any:
    service = build_service(settings, clock=lambda: NOW)
    store, followup = service.store, service.followup
    store.ensure_team(TEAM, "supergroup", "Agency")
    store.remember_member(TEAM, MEMBER, "Rita", None)
    refs = [
        store.save_account(TEAM, {**ACCOUNT, "advertiser_id": f"72890000{n:011d}"})
        for n in range(3)
    ]
    for n in range(count):
        currency, amount = CURRENCIES[n % 3]
        answers = {
            "advertiser_id": f"72890000{n % 3:011d}",
            **ACCOUNT,
            "account_ref": refs[n % 3],
            "reason": REASONS[n % len(REASONS)],
            "amount": amount,
            "amount_currency": currency,
        }
        case_id = store.save_draft_case(
            case_id=None,
            team_id=TEAM,
            owner_user_id=MEMBER,
            answers=answers,
            outcome="eligible",
            situation="duplicate_charge",
            policy_version=followup.policy.version,
            subject="Refund",
            message="Hello",
            now=NOW - timedelta(days=n % 300, minutes=3),
        )
        if n % 5:
            track = store.load_track(case_id)
            track.send(NOW - timedelta(days=n % 300), MEMBER, followup.schedule(TEAM))
            store.save_track(case_id, TEAM, track)
    return service


async def measure(settings: Settings, service: Any, repeats: int) -> dict[str, Any]:
    api = InProcessBotApi(strict=False)
    api.set_member(TEAM, MEMBER)
    application = build_application(settings, service, request=api, token=TOKEN, rate_limited=False)
    async with application:
        app = web.Application()
        mount_board(app, application.bot_data, application.bot, settings)
        async with TestClient(TestServer(app)) as client:
            headers = {"Authorization": "tma " + make_init_data(TOKEN, {"id": MEMBER})}

            async def load() -> tuple[float, int]:
                started = time.perf_counter()
                response = await client.get("/board/api/cases", headers=headers)
                body = await response.read()
                assert response.status == 200, body[:200]
                return time.perf_counter() - started, len(body)

            async def chart() -> float:
                started = time.perf_counter()
                response = await client.get("/board/api/chart.png", headers=headers)
                body = await response.read()
                assert response.status == 200 and body.startswith(b"\x89PNG"), response.status
                return time.perf_counter() - started

            first, size = await load()
            times = [(await load())[0] for _ in range(repeats)]
            chart_first = await chart()
            charts = [await chart() for _ in range(repeats)]
    return {
        "first_s": round(first, 4),
        "median_s": round(statistics.median(times), 4),
        "worst_s": round(max(times), 4),
        "response_bytes": size,
        "chart_first_s": round(chart_first, 4),
        "chart_median_s": round(statistics.median(charts), 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite:///{folder}/bench.sqlite3",
            files_dir=Path(folder) / "files",
        )
        started = time.perf_counter()
        service = fill(settings, args.cases)
        filled = time.perf_counter() - started
        result = asyncio.run(measure(settings, service, args.repeats))
        service.store.close()
    result = {"cases": args.cases, "fill_s": round(filled, 2), **result}
    print(f"The board's first load for a team with {args.cases} cases")
    print(f"  first request (getChatMember asked): {result['first_s'] * 1000:.0f} ms")
    print(
        f"  then median {result['median_s'] * 1000:.0f} ms, worst {result['worst_s'] * 1000:.0f} ms"
        f" ({args.repeats} requests), {result['response_bytes'] / 1024:.0f} KB of JSON"
    )
    print(
        f"  the chart: first {result['chart_first_s'] * 1000:.0f} ms (matplotlib imported), "
        f"then median {result['chart_median_s'] * 1000:.0f} ms"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

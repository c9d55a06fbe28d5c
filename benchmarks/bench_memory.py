"""Memory of the bot with many open intakes and after many updates.

Drives the real Application (in-process Bot API, SQLite file) with 10,000 users who each
open an intake and answer a few questions, then keeps them answering until 100,000
updates were handled, printing the process's resident memory (RSS) along the way. The
state lives in the database, so memory should stay flat. Also times start-up: from a
fresh interpreter to the first reply, for the bot and for bare python-telegram-bot.

    python benchmarks/bench_memory.py [--users 10000] [--updates 100000] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.telegram.application import build_application, build_service  # noqa: E402
from bot.telegram.transport import InProcessBotApi, UpdateFactory  # noqa: E402
from tests.helpers import ADVERTISER_ID  # noqa: E402

# After /new, the answers each user gives in turn (what went wrong, typed as its label, then
# the account's ID, then the charge), cycling through the first two.
ANSWERS = ["I was charged twice", ADVERTISER_ID, "9 Nov 10:02", "189.90 USD", "1881"]


def rss_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def drive(users: int, updates: int, db: Path) -> list[tuple[int, int, float]]:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{db}")  # type: ignore[call-arg]
    service = build_service(settings)
    api = InProcessBotApi(strict=False)
    app = build_application(settings, service, request=api, token="1:MEM", rate_limited=False)
    samples: list[tuple[int, int, float]] = []
    handled = 0
    async with app:
        people = [UpdateFactory(app.bot, user_id=100_000 + n) for n in range(users)]
        for person in people:
            await app.process_update(person.text("/new"))
            handled += 1
            if handled % 2000 == 0:
                api.calls.clear()
        gc.collect()
        samples.append((users, handled, rss_mb()))
        step = 0
        while handled < updates:
            answer = ANSWERS[step % 2]  # the first two questions, typed
            for person in people:
                if handled >= updates:
                    break
                await app.process_update(person.text(answer))
                handled += 1
                if handled % 2000 == 0:
                    api.calls.clear()
                if handled % 25_000 == 0:
                    gc.collect()
                    samples.append((users, handled, rss_mb()))
            step += 1
    service.store.close()
    return samples


STARTUP_BOT = """
import time, asyncio, tempfile, pathlib
t0 = time.perf_counter()
from bot.telegram.application import build_application, build_service
from bot.config import Settings
from bot.telegram.transport import InProcessBotApi, UpdateFactory
async def main():
    d = pathlib.Path(tempfile.mkdtemp())
    s = Settings(_env_file=None, database_url=f"sqlite:///{d / 'x.sqlite3'}")
    api = InProcessBotApi(strict=False)
    app = build_application(s, build_service(s), request=api, token="1:S", rate_limited=False)
    async with app:
        await app.process_update(UpdateFactory(app.bot).text("/start"))
    assert api.sent()
asyncio.run(main())
print(time.perf_counter() - t0)
"""

STARTUP_BARE = """
import time, asyncio
t0 = time.perf_counter()
from telegram.ext import Application, CommandHandler
from bot.telegram.transport import InProcessBotApi, UpdateFactory
async def main():
    api = InProcessBotApi(strict=False)
    app = Application.builder().token("1:S").request(api).get_updates_request(api).build()
    async def start(update, context):
        await context.bot.send_message(update.effective_chat.id, "hello")
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.process_update(UpdateFactory(app.bot).text("/start"))
    assert api.sent()
asyncio.run(main())
print(time.perf_counter() - t0)
"""


def startup(code: str, runs: int = 5) -> float:
    """Median seconds from a fresh interpreter's first line to the first reply sent."""
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return sorted(times)[len(times) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=100_000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    before = rss_mb()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        samples = asyncio.run(drive(args.users, args.updates, Path(tmp) / "mem.sqlite3"))
    elapsed = time.perf_counter() - start
    bot_start, bare_start = startup(STARTUP_BOT), startup(STARTUP_BARE)
    print(f"RSS before: {before:.0f} MB; {args.users:,} users, {args.updates:,} updates,")
    print(f"{elapsed:.0f} s")
    print(f"{'open intakes':>13} {'updates':>9} {'RSS MB':>8}")
    for users, handled, rss in samples:
        print(f"{users:>13,} {handled:>9,} {rss:>8.0f}")
    growth = samples[-1][2] - samples[0][2]
    print(f"growth from {samples[0][1]:,} to {samples[-1][1]:,} updates: {growth:+.0f} MB")
    print(
        f"start-up to first reply: bot {bot_start * 1000:.0f} ms,"
        f" bare PTB {bare_start * 1000:.0f} ms, ratio {bot_start / bare_start:.2f}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "samples": samples,
                    "growth_mb": growth,
                    "startup_bot_s": bot_start,
                    "startup_bare_s": bare_start,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

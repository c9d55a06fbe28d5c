"""Per-update cost of the refund intake vs bare python-telegram-bot, in the same run.

Drives complete intakes through the real Application with the in-process Bot API
(no network) and, interleaved with them round by round, the same number of updates
through three bare PTB applications:

- the issue's baseline: a 3-step ConversationHandler sending one plain reply per update;
- the same with Back and Cancel buttons on each reply (every question of ours has them);
- one making exactly the Bot API calls the intake makes, update by update, with no
  state, storage or rendering.

Rounds alternate between the four so that this VM's slow spells hit them alike; the
ratios are the median of the rounds' p50 ratios. Also times the hot path on its own:
loading and saving one intake row.

    python benchmarks/bench_updates.py [--intakes 200] [--rounds 10] [--postgres] [--json F]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_application, build_service  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.storage import Store  # noqa: E402
from bot.transport import ApiCall, InProcessBotApi, UpdateFactory  # noqa: E402
from tests.databases import PostgresServer  # noqa: E402
from tests.helpers import ADVERTISER_ID  # noqa: E402

# One intake, as a user answers it: (kind, value) with kind "text" or "tap" (label part).
SCRIPT: list[tuple[str, str]] = [
    ("text", "/new"),
    ("text", ADVERTISER_ID),
    ("text", "Northwind Apparel"),
    ("tap", "Automatic payment"),
    ("tap", "No"),
    ("tap", "USD"),
    ("tap", "Active"),
    ("tap", "TikTok directly"),
    ("tap", "charged twice"),
    ("text", "9 Nov 10:02"),
    ("text", "189.90 USD"),
    ("text", "1881"),
    ("text", "BDUS2026550101"),
    ("tap", "Skip"),
    ("text", "9 Nov 10:08"),
    ("text", "BDUS2026550102"),
    ("tap", "Today"),
    ("tap", "Skip"),
    ("tap", "sent it"),
    ("text", "TT-1"),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(
    process: Callable[[Update], Awaitable[None]], update: Update, out: list[float]
) -> None:
    start = time.perf_counter()
    await process(update)
    out.append(time.perf_counter() - start)


Calls = list[list[ApiCall]]


# The least a question with a way back carries: Back and Cancel (callback data as long as
# the intake's).
def ptb_keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """(label, callback data) rows as PTB's own objects: the way a bare PTB bot sends them."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


WAY_BACK = ptb_keyboard([[("⬅️ Back", "i:k3Fz9QaB:4:b"), ("✖️ Cancel", "i:k3Fz9QaB:4:x")]])


class Intakes:
    """The refund bot on `url`, driven through complete intakes by new users."""

    def __init__(self, url: str) -> None:
        settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
        self.service = build_service(settings)
        self.api = InProcessBotApi()
        self.app = build_application(
            settings, self.service, request=self.api, token="1:BENCH", rate_limited=False
        )
        self.users = 0

    async def run(self, intakes: int, samples: list[float], record: Calls | None = None) -> None:
        """`intakes` complete intakes; `record` gets the Bot API calls of each update of
        the first one."""
        for n in range(intakes):
            user = UpdateFactory(self.app.bot, user_id=10_000 + self.users)
            self.users += 1
            for kind, value in SCRIPT:
                if kind == "text":
                    update = user.text(value)
                else:
                    message = next(c for c in reversed(self.api.calls) if c.buttons)
                    data = next(
                        d for label, d in message.buttons if value.casefold() in label.casefold()
                    )
                    update = user.button(data, message.message_id or 1)
                made = len(self.api.calls)
                await timed(self.app.process_update, update, samples)
                if record is not None and n == 0:
                    record.append(self.api.calls[made:])
            self.api.calls.clear()

    async def close(self) -> None:
        await self.service.store.aclose()


class Bare:
    """The issue's baseline: a bare PTB 3-step ConversationHandler sending one plain reply
    per update; with `way_back`, each reply also carries Back and Cancel buttons."""

    def __init__(self, way_back: bool = False) -> None:
        self.api = InProcessBotApi()
        self.app = (
            Application.builder().token("1:BARE").request(self.api).get_updates_request(self.api)
        ).build()
        self.users = 0
        markup = WAY_BACK if way_back else None

        async def step(update: Update, context: ContextTypes.DEFAULT_TYPE, nxt: int) -> int:
            assert update.effective_chat is not None
            await context.bot.send_message(
                update.effective_chat.id, f"step {nxt}", reply_markup=markup
            )
            return nxt

        async def first(u: Update, c: ContextTypes.DEFAULT_TYPE) -> int:
            return await step(u, c, 1)

        async def second(u: Update, c: ContextTypes.DEFAULT_TYPE) -> int:
            return await step(u, c, 2)

        async def third(u: Update, c: ContextTypes.DEFAULT_TYPE) -> int:
            await step(u, c, 3)
            return ConversationHandler.END

        text = filters.TEXT & ~filters.COMMAND
        self.app.add_handler(
            ConversationHandler(
                entry_points=[CommandHandler("new", first)],
                states={1: [MessageHandler(text, second)], 2: [MessageHandler(text, third)]},
                fallbacks=[],
            )
        )

    async def run(self, updates: int, samples: list[float]) -> None:
        done = 0
        while done < updates:
            user = UpdateFactory(self.app.bot, user_id=20_000 + self.users)
            self.users += 1
            for line in ("/new", "a", "b"):
                await timed(self.app.process_update, user.text(line), samples)
            done += 3
            self.api.calls.clear()


class SameCalls:
    """Bare PTB making exactly the Bot API calls the intake makes, update by update (same
    methods, texts and keyboards, built once up front), with no state, storage or
    rendering: the floor for a bot with this chat's call pattern."""

    def __init__(self, calls: Calls) -> None:
        self.api = InProcessBotApi()
        self.app = (
            Application.builder().token("1:SAME").request(self.api).get_updates_request(self.api)
        ).build()
        self.users = 0
        self.step = 0
        markups = [
            [ptb_keyboard([[(label, data)] for label, data in call.buttons]) for call in step]
            for step in calls
        ]

        async def replay(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.effective_chat is not None
            for call, markup in zip(calls[self.step], markups[self.step], strict=True):
                if call.method == "answerCallbackQuery":
                    assert update.callback_query is not None
                    await update.callback_query.answer()
                elif call.method == "editMessageReplyMarkup":
                    assert update.callback_query is not None
                    await update.callback_query.edit_message_reply_markup(None)
                elif call.method == "sendMessage":
                    await context.bot.send_message(
                        update.effective_chat.id,
                        call.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                        disable_web_page_preview=True,
                    )
                else:
                    raise ValueError(f"the floor doesn't replay {call.method}")

        self.app.add_handler(MessageHandler(filters.ALL, replay))
        self.app.add_handler(CallbackQueryHandler(replay))

    async def run(self, updates: int, samples: list[float]) -> None:
        done = 0
        while done < updates:
            user = UpdateFactory(self.app.bot, user_id=30_000 + self.users)
            self.users += 1
            for step, (kind, value) in enumerate(SCRIPT):
                self.step = step
                update = user.text(value) if kind == "text" else user.button("x", 1)
                await timed(self.app.process_update, update, samples)
            done += len(SCRIPT)
            self.api.calls.clear()


NAMES = ("intake", "bare_ptb", "bare_ptb_back_cancel", "bare_ptb_same_calls")


async def compare(url: str, intakes: int, rounds: int) -> dict[str, list[list[float]]]:
    """Samples per contender (NAMES), round by round: each round runs its share of the
    intakes, then as many updates through each bare application."""
    ours = Intakes(url)
    calls: Calls = []
    async with ours.app:
        await ours.run(1, [], record=calls)  # warm-up, and the calls to replay
        contenders: tuple[Bare | SameCalls, ...] = (Bare(), Bare(way_back=True), SameCalls(calls))
        for contender in contenders:
            await contender.app.initialize()
        per_round = max(1, intakes // rounds)
        samples: dict[str, list[list[float]]] = {name: [] for name in NAMES}
        try:
            for _ in range(rounds):
                ours_round: list[float] = []
                await ours.run(per_round, ours_round)
                samples["intake"].append(ours_round)
                for name, contender in zip(NAMES[1:], contenders, strict=True):
                    theirs: list[float] = []
                    await contender.run(len(ours_round), theirs)
                    samples[name].append(theirs)
        finally:
            for contender in contenders:
                await contender.app.shutdown()
    await ours.close()
    return samples


async def run_intakes(url: str, intakes: int) -> list[float]:
    """Per-update seconds of `intakes` complete intakes on `url` (no baseline)."""
    ours = Intakes(url)
    samples: list[float] = []
    async with ours.app:
        await ours.run(intakes, samples)
    await ours.close()
    return samples


def run_on_postgres(intakes: int) -> dict[str, dict[str, float]]:
    """The same intakes on the local PostgreSQL (a database of their own, dropped after),
    through asyncpg and through psycopg."""
    found = PostgresServer.find()
    if isinstance(found, str):
        print(f"PostgreSQL skipped: {found}")
        return {}
    results: dict[str, dict[str, float]] = {}
    for driver in ("postgresql+asyncpg", "postgresql+psycopg"):
        template = found.migrated_template()
        name = next(template)
        try:
            database = found.fresh(name)
            db = next(database)
            try:
                url = found.url_for(db, driver=driver)
                results[driver] = summary(asyncio.run(run_intakes(url, intakes)))
            finally:
                database.close()
        finally:
            template.close()
    return results


def hot_path(db_dir: Path, rounds: int) -> float:
    """Microseconds per load + save of one intake row."""
    store = Store.open(f"sqlite:///{db_dir / 'hot.sqlite3'}")
    from bot.storage import IntakeRow
    from conversations.intake import Intake

    row = IntakeRow(
        Intake(answers={"advertiser_id": ADVERTISER_ID, "reason": "duplicate"}), "tok", is_new=True
    )
    store.save_intake(1, 1, row)
    start = time.perf_counter()
    for _ in range(rounds):
        loaded = store.load_intake(1, 1)
        assert loaded is not None
        store.save_intake(1, 1, loaded)
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed / rounds * 1e6


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "updates": len(samples),
        "p50_us": percentile(samples, 0.50) * 1e6,
        "p99_us": percentile(samples, 0.99) * 1e6,
        "mean_us": statistics.fmean(samples) * 1e6,
        "updates_per_s": len(samples) / sum(samples),
    }


def round_ratio(samples: dict[str, list[list[float]]], top: str, bottom: str) -> float:
    """The median over rounds of the p50 ratio `top` / `bottom` within each round."""
    return statistics.median(
        percentile(a, 0.5) / percentile(b, 0.5)
        for a, b in zip(samples[top], samples[bottom], strict=True)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--intakes", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also run the intakes on the local PostgreSQL (REFUNDBOT_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        rounds = asyncio.run(compare(url, args.intakes, max(1, min(args.rounds, args.intakes))))
        hot = hot_path(Path(tmp), 3000)
    postgres = run_on_postgres(args.intakes) if args.postgres else {}
    totals = {name: summary([s for r in rounds[name] for s in r]) for name in NAMES}
    ratios = {
        "ratio_p50": round_ratio(rounds, "intake", "bare_ptb"),
        "ratio_back_cancel": round_ratio(rounds, "bare_ptb_back_cancel", "bare_ptb"),
        "ratio_same_calls": round_ratio(rounds, "bare_ptb_same_calls", "bare_ptb"),
        "ratio_own_work": round_ratio(rounds, "intake", "bare_ptb_same_calls"),
    }
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}"
        f" python {platform.python_version()}; {len(rounds['intake'])} interleaved rounds"
    )
    print(f"{'':31}{'updates':>9}{'p50 µs':>10}{'p99 µs':>10}{'mean µs':>10}{'upd/s':>9}")
    rows = [("refund intake (full flow)", totals["intake"])]
    rows += [(f"  same, {driver.split('+')[1]}", s) for driver, s in postgres.items()]
    rows += [
        ("bare PTB, same API calls", totals["bare_ptb_same_calls"]),
        ("bare PTB, 3-step, Back/Cancel", totals["bare_ptb_back_cancel"]),
        ("bare PTB, 3-step conv.", totals["bare_ptb"]),
    ]
    for name, s in rows:
        print(
            f"{name:31}{s['updates']:>9.0f}{s['p50_us']:>10.0f}{s['p99_us']:>10.0f}"
            f"{s['mean_us']:>10.0f}{s['updates_per_s']:>9.0f}"
        )
    print("p50 ratios (median over rounds):")
    print(f"  intake / bare PTB: {ratios['ratio_p50']:.2f} (goal ≤ 1.3)")
    print(f"  bare PTB with Back/Cancel / bare PTB: {ratios['ratio_back_cancel']:.2f}")
    print(f"  the intake's Bot API calls alone / bare PTB: {ratios['ratio_same_calls']:.2f}")
    print(f"  the bot's own work (intake / same calls): {ratios['ratio_own_work']:.2f}")
    print(f"hot path, load + save of one intake row (SQLite, sync): {hot:.0f} µs")
    if args.json:
        args.json.write_text(
            json.dumps(
                {**totals, "intake_postgres": postgres, **ratios, "hot_path_us": hot},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

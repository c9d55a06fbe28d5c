"""Per-update cost of the refund intake vs bare python-telegram-bot, in the same run.

Drives complete intakes through the real Application with the in-process Bot API
(no network), and the same number of updates through a bare PTB 3-step
ConversationHandler that sends one reply per update. Also times the hot path on
its own: loading and saving one intake row.

    python benchmarks/bench_updates.py [--intakes 200] [--json out.json]
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

from telegram import Update
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
from bot.keyboards import inline_keyboard  # noqa: E402
from bot.replies import Button  # noqa: E402
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


async def run_intakes(
    db_dir: Path, intakes: int, url: str | None = None, record: Calls | None = None
) -> list[float]:
    """Per-update seconds of `intakes` complete intakes; `record` gets the Bot API calls
    each update of the first intake made."""
    url = url or f"sqlite:///{db_dir / 'bench.sqlite3'}"
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    service = build_service(settings)
    api = InProcessBotApi()
    app = build_application(settings, service, request=api, token="1:BENCH", rate_limited=False)
    samples: list[float] = []
    async with app:
        for n in range(intakes):
            user = UpdateFactory(app.bot, user_id=10_000 + n)
            for kind, value in SCRIPT:
                if kind == "text":
                    update = user.text(value)
                else:
                    message = next(c for c in reversed(api.calls) if c.buttons)
                    data = next(
                        d for label, d in message.buttons if value.casefold() in label.casefold()
                    )
                    update = user.button(data, message.message_id or 1)
                made = len(api.calls)
                await timed(app.process_update, update, samples)
                if record is not None and n == 0:
                    record.append(api.calls[made:])
            api.calls.clear()
    await service.store.aclose()
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
                results[driver] = summary(asyncio.run(run_intakes(Path("."), intakes, url)))
            finally:
                database.close()
        finally:
            template.close()
    return results


# The least a question with a way back carries: Back and Cancel (callback data as long as
# the intake's).
WAY_BACK = inline_keyboard(
    [[Button("⬅️ Back", "i:k3Fz9QaB:4:b"), Button("✖️ Cancel", "i:k3Fz9QaB:4:x")]]
)


async def run_bare_ptb(updates: int, way_back: bool = False) -> list[float]:
    """The issue's baseline: a bare PTB 3-step ConversationHandler sending one plain reply
    per update; with `way_back`, each reply also carries Back and Cancel buttons."""
    api = InProcessBotApi()
    app = Application.builder().token("1:BARE").request(api).get_updates_request(api).build()
    markup = WAY_BACK if way_back else None

    async def step(update: Update, context: ContextTypes.DEFAULT_TYPE, nxt: int) -> int:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, f"step {nxt}", reply_markup=markup)
        return nxt

    async def first(u: Update, c: ContextTypes.DEFAULT_TYPE) -> int:
        return await step(u, c, 1)

    async def second(u: Update, c: ContextTypes.DEFAULT_TYPE) -> int:
        return await step(u, c, 2)

    async def third(u: Update, c: ContextTypes.DEFAULT_TYPE) -> int:
        await step(u, c, 3)
        return ConversationHandler.END

    text = filters.TEXT & ~filters.COMMAND
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("new", first)],
            states={1: [MessageHandler(text, second)], 2: [MessageHandler(text, third)]},
            fallbacks=[],
        )
    )
    samples: list[float] = []
    async with app:
        n = 0
        while len(samples) < updates:
            user = UpdateFactory(app.bot, user_id=20_000 + n)
            for line in ("/new", "a", "b"):
                await timed(app.process_update, user.text(line), samples)
            n += 1
            api.calls.clear()
    return samples


async def run_same_calls(calls: Calls, updates: int) -> list[float]:
    """Bare PTB making exactly the Bot API calls the intake makes, update by update (same
    methods, texts and keyboards, built once up front), with no state, storage or
    rendering: the floor a bot with this chat's call pattern can reach."""
    api = InProcessBotApi()
    app = Application.builder().token("1:SAME").request(api).get_updates_request(api).build()
    markups = [
        [inline_keyboard([[Button(label, data)] for label, data in call.buttons]) for call in step]
        for step in calls
    ]
    position = {"step": 0}

    async def replay(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        step = position["step"]
        for call, markup in zip(calls[step], markups[step], strict=True):
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

    app.add_handler(MessageHandler(filters.ALL, replay))
    app.add_handler(CallbackQueryHandler(replay))
    samples: list[float] = []
    async with app:
        n = 0
        while len(samples) < updates:
            user = UpdateFactory(app.bot, user_id=30_000 + n)
            for step, (kind, value) in enumerate(SCRIPT):
                position["step"] = step
                update = user.text(value) if kind == "text" else user.button("x", 1)
                await timed(app.process_update, update, samples)
            n += 1
            api.calls.clear()
    return samples


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intakes", type=int, default=150)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also run the intakes on the local PostgreSQL (REFUNDBOT_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        calls: Calls = []
        ours = summary(asyncio.run(run_intakes(Path(tmp), args.intakes, record=calls)))
        bare = summary(asyncio.run(run_bare_ptb(int(ours["updates"]))))
        same = summary(asyncio.run(run_same_calls(calls, int(ours["updates"]))))
        buttons = summary(asyncio.run(run_bare_ptb(int(ours["updates"]), way_back=True)))
        hot = hot_path(Path(tmp), 3000)
    postgres = run_on_postgres(args.intakes) if args.postgres else {}
    ratio = ours["p50_us"] / bare["p50_us"]
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}"
        f" python {platform.python_version()}"
    )
    print(f"{'':31}{'updates':>9}{'p50 µs':>10}{'p99 µs':>10}{'mean µs':>10}{'upd/s':>9}")
    rows = [("refund intake (full flow)", ours)]
    rows += [(f"  same, {driver.split('+')[1]}", s) for driver, s in postgres.items()]
    rows.append(("bare PTB, same API calls", same))
    rows.append(("bare PTB, 3-step, Back/Cancel", buttons))
    rows.append(("bare PTB, 3-step conv.", bare))
    for name, s in rows:
        print(
            f"{name:31}{s['updates']:>9.0f}{s['p50_us']:>10.0f}{s['p99_us']:>10.0f}"
            f"{s['mean_us']:>10.0f}{s['updates_per_s']:>9.0f}"
        )
    print(f"ratio p50 intake / bare PTB: {ratio:.2f} (goal ≤ 1.3)")
    print(
        f"  floor of any bot whose questions have a way back (Back/Cancel / bare PTB):"
        f" {buttons['p50_us'] / bare['p50_us']:.2f}"
    )
    print(
        f"  the intake's Bot API calls alone (same calls / bare PTB):"
        f" {same['p50_us'] / bare['p50_us']:.2f}"
    )
    print(f"  the bot's own work (intake / same calls): {ours['p50_us'] / same['p50_us']:.2f}")
    print(f"hot path, load + save of one intake row (SQLite, sync): {hot:.0f} µs")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "intake": ours,
                    "intake_postgres": postgres,
                    "bare_ptb": bare,
                    "bare_ptb_same_calls": same,
                    "bare_ptb_back_cancel": buttons,
                    "ratio_p50": ratio,
                    "hot_path_us": hot,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

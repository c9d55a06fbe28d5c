"""Per-update cost of the refund intake vs bare python-telegram-bot, in the same run.

Drives complete intakes through the real Application with the in-process Bot API
(no network) and, interleaved with them round by round, the same number of updates
through three bare PTB applications:

- the issue's baseline: a 3-step ConversationHandler sending one plain reply per update;
- the same with Back and Cancel buttons on each reply (every question of ours has them);
- one making exactly the Bot API calls the intake makes, update by update, the way the
  bot makes them (keyboards as the Bot API's JSON through `api_kwargs`), with no state,
  storage or rendering: the floor.

Rounds alternate between them (and, with --postgres, the intake on the local PostgreSQL
through asyncpg and psycopg) so that this VM's slow spells hit them alike; the ratios are
the median of the rounds' ratios, of p50 and of the mean (the steps are bimodal: the
review costs several times a light step, which p50 alone hides). Also times the hot path
on its own (loading and saving one intake row) and the garbage collector's pauses.

With --network: the figure users feel. The Bot API answers each call after 50 ms and
200 chats go through intakes at once (benchmarks/chats.py), against bare PTB making the
same calls with concurrent updates: throughput, and p50/p99 from a user's message to the
bot's last reply reaching the chat. Two loads, each printed with the goal's verdict
(throughput ≥ 0.9 of bare PTB's, p99 ≤ 1.5× bare PTB's):

- saturated (--seconds): every user answers the moment the reply arrives, so both bots
  run flat out and the ratio is their CPU work per update: the capacity, not what users
  of a bot that keeps up feel.
- paced (--paced-seconds): every user answers each reply after a think time drawn from
  1–4 s (--think; seeded per user with --seed, so both bots get the same users). One to
  four seconds is a person reading a one-line question and tapping a button or typing a
  short answer; real users typing an advertiser ID or an invoice number take longer, so
  this is a busy hour rather than a quiet one: 200 such users send about 75 updates a
  second, a third of what the bot can take on this VM. The first 4 s, while the users
  arrive, are left out.

In each load the bot runs as `refundbot` runs it (gc.freeze() after start-up,
bot/cli.py), then bare PTB, then the bot again without the freeze, to show what it buys:
the collector's longest pause and its total are printed beside the latencies.

    python benchmarks/bench_updates.py [--intakes 200] [--rounds 10] [--postgres]
        [--network] [--chats 200] [--seconds 15] [--paced-seconds 40] [--think 1 4]
        [--seed 7] [--json F]
"""
# Over 400 lines: one benchmark script; intake and bare PTB must run in one process.

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from chats import Chats, GcPauses, Latencies  # noqa: E402

from bot.cli import freeze_start_up  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db.store import Store  # noqa: E402
from bot.telegram.application import build_application, build_service  # noqa: E402
from bot.telegram.transport import ApiCall, InProcessBotApi, UpdateFactory  # noqa: E402
from tests.databases import PostgresServer  # noqa: E402
from tests.helpers import ADVERTISER_ID  # noqa: E402

# One intake, as a user answers it: (kind, value) with kind "text" or "tap" (label part).
SCRIPT: list[tuple[str, str]] = [
    ("text", "/new"),
    ("tap", "charged twice"),
    ("text", ADVERTISER_ID),
    ("tap", "TikTok directly"),
    ("tap", "Automatic payment"),
    ("tap", "USD"),
    ("text", "9 Nov 10:02"),
    ("text", "189.90 USD"),
    ("text", "1881"),
    ("text", "BDUS2026550101"),
    ("tap", "Skip"),
    ("text", "9 Nov 10:08"),
    ("text", "BDUS2026550102"),
    ("tap", "My money back"),
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
        self.api = InProcessBotApi(strict=False)
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
        self.api = InProcessBotApi(strict=False)
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


def raw_markup(call: ApiCall) -> dict[str, object] | None:
    """`api_kwargs` carrying the call's keyboard as the bot sent it, or None."""
    markup = call.params.get("reply_markup")
    if not markup:
        return None
    return {"reply_markup": json.loads(markup) if isinstance(markup, str) else markup}


class SameCalls:
    """Bare PTB making exactly the Bot API calls the intake makes, update by update (same
    methods, texts and keyboards, built once up front), with no state, storage or
    rendering: the floor for a bot with this chat's call pattern."""

    def __init__(self, calls: Calls, delay: float = 0.0, concurrent: bool = False) -> None:
        self.api = InProcessBotApi(delay=delay, strict=False)
        builder = (
            Application.builder().token("1:SAME").request(self.api).get_updates_request(self.api)
        )
        if concurrent:
            builder = builder.concurrent_updates(True)
        self.app = builder.build()
        self.users = 0
        self.step = 0
        # With concurrent updates each chat is at its own step of the script.
        self.steps: dict[int, int] | None = {} if concurrent else None
        # The keyboards as the bot sends them: the Bot API's JSON, passed through api_kwargs
        # (bot/telegram/keyboards.py), not PTB's InlineKeyboardMarkup objects (16–22 % dearer).
        markups = [[raw_markup(call) for call in step] for step in calls]

        async def replay(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.effective_chat is not None
            step = self.step
            if self.steps is not None:
                chat = update.effective_chat.id
                step = self.steps.get(chat, 0) % len(calls)
                self.steps[chat] = step + 1
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
                        disable_web_page_preview=True,
                        api_kwargs=markup,
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
DRIVERS = ("postgresql+asyncpg", "postgresql+psycopg")


async def compare(
    url: str, intakes: int, rounds: int, postgres: dict[str, str] | None = None
) -> dict[str, list[list[float]]]:
    """Samples per contender (NAMES, then `intake_<driver>` for each PostgreSQL URL), round
    by round: each round runs its share of the intakes on SQLite, then as many updates
    through each bare application, then the intakes again on each PostgreSQL."""
    ours = Intakes(url)
    calls: Calls = []
    theirs_pg = {
        f"intake_{driver.split('+')[1]}": Intakes(u) for driver, u in (postgres or {}).items()
    }
    async with ours.app:
        await ours.run(1, [], record=calls)  # warm-up, and the calls to replay
        contenders: tuple[Bare | SameCalls, ...] = (Bare(), Bare(way_back=True), SameCalls(calls))
        for contender in contenders:
            await contender.app.initialize()
        for pg in theirs_pg.values():
            await pg.app.initialize()
            await pg.run(1, [])  # warm-up
        per_round = max(1, intakes // rounds)
        samples: dict[str, list[list[float]]] = {name: [] for name in (*NAMES, *theirs_pg)}
        try:
            for _ in range(rounds):
                ours_round: list[float] = []
                await ours.run(per_round, ours_round)
                samples["intake"].append(ours_round)
                for name, contender in zip(NAMES[1:], contenders, strict=True):
                    theirs: list[float] = []
                    await contender.run(len(ours_round), theirs)
                    samples[name].append(theirs)
                for name, pg in theirs_pg.items():
                    pg_round: list[float] = []
                    await pg.run(per_round, pg_round)
                    samples[name].append(pg_round)
        finally:
            for contender in contenders:
                await contender.app.shutdown()
            for pg in theirs_pg.values():
                await pg.app.shutdown()
                await pg.close()
    await ours.close()
    return samples


@contextmanager
def postgres_databases() -> Iterator[dict[str, str]]:
    """A fresh database on the local PostgreSQL for each driver (dropped after), or none
    (with the reason printed) when there is no server."""
    found = PostgresServer.find()
    if isinstance(found, str):
        print(f"PostgreSQL skipped: {found}")
        yield {}
        return
    with ExitStack() as stack:
        urls: dict[str, str] = {}
        for driver in DRIVERS:
            template = found.migrated_template()
            name = next(template)
            stack.callback(template.close)
            database = found.fresh(name)
            db = next(database)
            stack.callback(database.close)
            urls[driver] = found.url_for(db, driver=driver)
        yield urls


def hot_path(db_dir: Path, rounds: int) -> float:
    """Microseconds per load + save of one intake row."""
    store = Store.open(f"sqlite:///{db_dir / 'hot.sqlite3'}")
    from bot.db.records import IntakeRow
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
        "max_us": max(samples) * 1e6,
        "mean_us": statistics.fmean(samples) * 1e6,
        "updates_per_s": len(samples) / sum(samples),
    }


def round_ratio(
    samples: dict[str, list[list[float]]], top: str, bottom: str, stat: str = "p50"
) -> float:
    """The median over rounds of the ratio `top` / `bottom` within each round, of their
    p50 or of their mean."""

    def measure(values: list[float]) -> float:
        return percentile(values, 0.5) if stat == "p50" else statistics.fmean(values)

    return statistics.median(
        measure(a) / measure(b) for a, b in zip(samples[top], samples[bottom], strict=True)
    )


# --- the realistic network --------------------------------------------------------------

# The two loads of the network run (see benchmarks/chats.py): as fast as the chats can go
# (the capacity), and users who read each reply and answer after a think time.
LOADS = ("saturated", "paced")
# "bot" is the bot as `refundbot` runs it: gc.freeze() after start-up (bot/cli.py); the
# last run is the same bot without it, to show what the freeze is worth.
CONTENDERS = ("bot", "bare_ptb_same_calls", "bot_without_gc_freeze")
# The paced users' think time, seconds: uniform between these (see `main`'s --think).
THINK = (1.0, 4.0)


async def network_run(
    url: str,
    chats: int,
    seconds: float,
    delay: float,
    freeze: bool,
    think: tuple[float, float] | None,
    seed: int,
) -> tuple[Latencies, dict[str, float]]:
    """The bot with `chats` users in intakes over a network of `delay` seconds a call:
    latency summary and GC pauses; with `freeze`, start-up's objects frozen as `refundbot`
    freezes them (`bot.cli.freeze_start_up`)."""
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    service = build_service(settings)
    api = InProcessBotApi(delay=delay, strict=False)
    app = build_application(settings, service, request=api, token="1:NET", rate_limited=False)
    async with app:
        driver = Chats(app, api, SCRIPT, first_user=100_000, until_reply=True, keep_calls=False)
        await app.start()
        if freeze:
            freeze_start_up()
        try:
            with GcPauses() as pauses:
                latencies = await driver.run(chats, seconds, think=think, seed=seed)
        finally:
            await app.stop()
            if freeze:
                gc.unfreeze()
    await service.store.aclose()
    return latencies, pauses.summary()


async def bare_network_run(
    calls: Calls,
    chats: int,
    seconds: float,
    delay: float,
    think: tuple[float, float] | None,
    seed: int,
) -> tuple[Latencies, dict[str, float]]:
    """Bare PTB making the intake's calls, with concurrent updates, on the same network."""
    floor = SameCalls(calls, delay=delay, concurrent=True)
    async with floor.app:
        driver = Chats(
            floor.app, floor.api, SCRIPT, first_user=500_000, until_reply=True, keep_calls=False
        )
        await floor.app.start()
        try:
            with GcPauses() as pauses:
                latencies = await driver.run(chats, seconds, think=think, seed=seed)
        finally:
            await floor.app.stop()
    return latencies, pauses.summary()


async def record_calls(url: str) -> Calls:
    ours = Intakes(url)
    calls: Calls = []
    async with ours.app:
        await ours.run(1, [], record=calls)
    await ours.close()
    return calls


def network(
    db_dir: Path,
    chats: int,
    seconds: float,
    delay: float,
    paced_seconds: float,
    think: tuple[float, float],
    seed: int,
    rounds: int,
) -> dict[str, object]:
    """Each load in turn (saturated, then paced), in `rounds` rounds that share its
    length; in each round the bot as run, bare PTB and the bot without gc.freeze() one
    after the other (each bot on a database of its own), the paced users' think times
    drawn afresh each round but alike for the three. The figures pool the rounds; the
    ratios are the median of the rounds' ratios, so that a slow spell of this shared VM
    hits both sides of a ratio alike."""
    calls = asyncio.run(record_calls(f"sqlite:///{db_dir / 'calls.sqlite3'}"))
    figures: dict[str, object] = {
        "chats": chats,
        "delay_s": delay,
        "seconds": seconds,
        "paced_seconds": paced_seconds,
        "think_s": list(think),
        "seed": seed,
        "rounds": rounds,
    }
    for load in LOADS:
        paced = think if load == "paced" else None
        length = (paced_seconds if load == "paced" else seconds) / rounds
        pooled = {name: Latencies() for name in CONTENDERS}
        pauses: dict[str, list[dict[str, float]]] = {name: [] for name in CONTENDERS}
        by_round: list[dict[str, dict[str, float]]] = []
        for round_ in range(rounds):
            this: dict[str, dict[str, float]] = {}
            for name in CONTENDERS:
                if name == "bare_ptb_same_calls":
                    latencies, gc_pauses = asyncio.run(
                        bare_network_run(calls, chats, length, delay, paced, seed + round_)
                    )
                else:
                    url = f"sqlite:///{db_dir / f'{load}_{name}_{round_}.sqlite3'}"
                    latencies, gc_pauses = asyncio.run(
                        network_run(url, chats, length, delay, name == "bot", paced, seed + round_)
                    )
                pooled[name].samples += latencies.samples
                pooled[name].elapsed += latencies.elapsed
                pauses[name].append(gc_pauses)
                this[name] = latencies.summary()
            by_round.append(this)

        def ratio(
            stat: str, top: str = "bot", rounds_: list[dict[str, dict[str, float]]] = by_round
        ) -> float:
            return statistics.median(r[top][stat] / r["bare_ptb_same_calls"][stat] for r in rounds_)

        throughput, p99 = ratio("updates_per_s"), ratio("p99_ms")
        figures[load] = {
            **{name: pooled[name].summary() for name in CONTENDERS},
            "gc": {name: merged_pauses(pauses[name]) for name in CONTENDERS},
            "throughput_ratio": throughput,
            "p50_ratio": ratio("p50_ms"),
            "p99_ratio": p99,
            "goal_met": throughput >= 0.9 and p99 <= 1.5,
            "without_gc_freeze": {
                "throughput_ratio": ratio("updates_per_s", "bot_without_gc_freeze"),
                "p99_ratio": ratio("p99_ms", "bot_without_gc_freeze"),
            },
            "rounds": [
                {
                    "throughput_ratio": r["bot"]["updates_per_s"]
                    / r["bare_ptb_same_calls"]["updates_per_s"],
                    "p99_ratio": r["bot"]["p99_ms"] / r["bare_ptb_same_calls"]["p99_ms"],
                }
                for r in by_round
            ],
        }
    return figures


def merged_pauses(runs: list[dict[str, float]]) -> dict[str, float]:
    """The GC pauses of several runs as one: counts and totals added, the longest kept."""
    return {
        key: (max if key.startswith("max") else sum)(run[key] for run in runs) for key in runs[0]
    }


def print_network(figures: dict[str, object]) -> None:
    delay, think = figures["delay_s"], figures["think_s"]
    assert isinstance(delay, float) and isinstance(think, list)
    print(
        f"realistic network: {figures['chats']} chats in intakes, each Bot API call answered"
        f" after {delay * 1000:.0f} ms, concurrent updates; latency: from the user's message"
        " to the bot's last reply reaching the chat"
    )
    print(
        f"  saturated: each user answers at once ({figures['seconds']:g} s): the capacity;"
        f" paced: each user answers {think[0]:g}–{think[1]:g} s after the reply (seeded),"
        f" {figures['paced_seconds']:g} s, the first {think[1]:g} s of each round left out;"
        f" {figures['rounds']} rounds of each load (bot, bare PTB, bot without gc.freeze()),"
        " figures pooled, ratios the median of the rounds'"
    )
    print(
        f"{'':10}{'':34}{'updates':>8}{'upd/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
        f"{'GC max ms':>10}{'GC sum ms':>10}"
    )
    for load in LOADS:
        by_load = figures[load]
        assert isinstance(by_load, dict)
        for name, label in (
            ("bot", "refund bot (gc.freeze(), as run)"),
            ("bare_ptb_same_calls", "bare PTB, same API calls"),
            ("bot_without_gc_freeze", "refund bot without gc.freeze()"),
        ):
            s, g = by_load[name], by_load["gc"][name]
            print(
                f"{load if name == 'bot' else '':10}{label:34}{s['updates']:>8.0f}"
                f"{s['updates_per_s']:>8.1f}{s['p50_ms']:>8.0f}{s['p99_ms']:>8.0f}"
                f"{s['max_ms']:>8.0f}{g['max_pause_ms']:>10.1f}{g['total_pause_ms']:>10.0f}"
            )
    for load in LOADS:
        by_load = figures[load]
        assert isinstance(by_load, dict)
        print(
            f"  {load}: bot / bare PTB: throughput {by_load['throughput_ratio']:.2f}"
            f" (goal ≥ 0.9), p50 {by_load['p50_ratio']:.2f}, p99 {by_load['p99_ratio']:.2f}"
            f" (goal ≤ 1.5): {'met' if by_load['goal_met'] else 'NOT met'}"
        )
        rounds = ", ".join(f"{r['p99_ratio']:.2f}" for r in by_load["rounds"])
        without = by_load["without_gc_freeze"]
        print(
            f"    the rounds' p99 ratios: {rounds}; without gc.freeze(): throughput"
            f" {without['throughput_ratio']:.2f}, p99 {without['p99_ratio']:.2f}"
        )
    for load in LOADS:
        by_load = figures[load]
        assert isinstance(by_load, dict)
        plain, frozen = by_load["gc"]["bot_without_gc_freeze"], by_load["gc"]["bot"]
        without, with_ = by_load["bot_without_gc_freeze"], by_load["bot"]
        print(
            f"  {load}: gc.freeze() after start-up: longest GC pause"
            f" {plain['max_pause_ms']:.1f} → {frozen['max_pause_ms']:.1f} ms, oldest generation"
            f" {plain['max_gen2_pause_ms']:.1f} → {frozen['max_gen2_pause_ms']:.1f} ms,"
            f" all pauses {plain['total_pause_ms']:.0f} → {frozen['total_pause_ms']:.0f} ms;"
            f" p99 {without['p99_ms']:.0f} → {with_['p99_ms']:.0f} ms"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--intakes", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also run the intakes on the local PostgreSQL (REFUNDBOT_TEST_POSTGRES_URL),"
        " interleaved with the others",
    )
    parser.add_argument("--network", action="store_true", help="also the realistic-network run")
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument(
        "--seconds", type=float, default=15.0, help="length of the saturated network runs"
    )
    parser.add_argument(
        "--paced-seconds", type=float, default=60.0, help="length of the paced network runs"
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=THINK,
        metavar=("LOW", "HIGH"),
        help="a paced user's think time, seconds (uniform between the two)",
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the think times")
    parser.add_argument(
        "--network-rounds",
        type=int,
        default=3,
        help="rounds of each network load (bot, bare PTB, bot without gc.freeze() in each)",
    )
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()
    rounds_wanted = max(1, min(args.rounds, args.intakes))
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        postgres = stack.enter_context(postgres_databases()) if args.postgres else {}
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        with GcPauses() as pauses:
            rounds = asyncio.run(compare(url, args.intakes, rounds_wanted, postgres))
        hot = hot_path(Path(tmp), 3000)
        networked = (
            network(
                Path(tmp),
                args.chats,
                args.seconds,
                args.delay,
                args.paced_seconds,
                (args.think[0], args.think[1]),
                args.seed,
                args.network_rounds,
            )
            if args.network
            else None
        )
    pg_names = [name for name in rounds if name.startswith("intake_")]
    totals = {name: summary([s for r in rounds[name] for s in r]) for name in rounds}
    ratios = {
        "ratio_p50": round_ratio(rounds, "intake", "bare_ptb"),
        "ratio_back_cancel": round_ratio(rounds, "bare_ptb_back_cancel", "bare_ptb"),
        "ratio_same_calls": round_ratio(rounds, "bare_ptb_same_calls", "bare_ptb"),
        "ratio_own_work": round_ratio(rounds, "intake", "bare_ptb_same_calls"),
        "ratio_own_work_mean": round_ratio(rounds, "intake", "bare_ptb_same_calls", "mean"),
    }
    for name in pg_names:
        ratios[f"ratio_{name}_floor"] = round_ratio(rounds, name, "bare_ptb_same_calls")
        ratios[f"ratio_{name}_floor_mean"] = round_ratio(
            rounds, name, "bare_ptb_same_calls", "mean"
        )
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}"
        f" python {platform.python_version()}; {len(rounds['intake'])} interleaved rounds"
    )
    print(
        f"{'':31}{'updates':>9}{'p50 µs':>10}{'mean µs':>10}{'p99 µs':>10}{'max µs':>10}"
        f"{'upd/s':>9}"
    )
    rows = [("refund intake (full flow)", totals["intake"])]
    rows += [(f"  same, {name.removeprefix('intake_')}", totals[name]) for name in pg_names]
    rows += [
        ("bare PTB, same API calls", totals["bare_ptb_same_calls"]),
        ("bare PTB, 3-step, Back/Cancel", totals["bare_ptb_back_cancel"]),
        ("bare PTB, 3-step conv.", totals["bare_ptb"]),
    ]
    for name, s in rows:
        print(
            f"{name:31}{s['updates']:>9.0f}{s['p50_us']:>10.0f}{s['mean_us']:>10.0f}"
            f"{s['p99_us']:>10.0f}{s['max_us']:>10.0f}{s['updates_per_s']:>9.0f}"
        )
    print("ratios (median over rounds):")
    print(f"  intake / bare PTB, p50: {ratios['ratio_p50']:.2f} (goal ≤ 1.3)")
    print(f"  bare PTB with Back/Cancel / bare PTB: {ratios['ratio_back_cancel']:.2f}")
    print(f"  the intake's Bot API calls alone / bare PTB: {ratios['ratio_same_calls']:.2f}")
    print(
        f"  the bot's own work (intake / same calls): p50 {ratios['ratio_own_work']:.2f}"
        f" (goal ≤ 2), mean {ratios['ratio_own_work_mean']:.2f} (goal ≤ 2.5)"
    )
    for name in pg_names:
        print(
            f"  intake on PostgreSQL ({name.removeprefix('intake_')}) / same calls:"
            f" p50 {ratios[f'ratio_{name}_floor']:.2f},"
            f" mean {ratios[f'ratio_{name}_floor_mean']:.2f}"
        )
    print(f"hot path, load + save of one intake row (SQLite, sync): {hot:.0f} µs")
    gc_rounds = pauses.summary()
    print(
        f"GC during the rounds: {gc_rounds['collections']:.0f} collections,"
        f" {gc_rounds['gen2_collections']:.0f} of the oldest generation,"
        f" longest pause {gc_rounds['max_pause_ms']:.1f} ms"
        f" (oldest generation {gc_rounds['max_gen2_pause_ms']:.1f} ms)"
    )
    if networked is not None:
        print_network(networked)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    **totals,
                    "intake_postgres": {name: totals[name] for name in pg_names},
                    **ratios,
                    "hot_path_us": hot,
                    "gc": gc_rounds,
                    "network": networked,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

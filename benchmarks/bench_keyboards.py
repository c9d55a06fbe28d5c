"""What a keyboard costs the bot: the Bot API's JSON vs PTB's own types, against a whole update.

The issue asks for keyboards in PTB's types (InlineKeyboardMarkup, InlineKeyboardButton)
unless, in the same run, they cost something that matters against a whole update. This
measures, round by round and interleaved so that this VM's slow spells hit all alike:

- building and serialising a typical question's keyboard (five buttons: three answers,
  Back and Cancel, callback data as long as the intake's) as the Bot API's JSON, the way
  bot/telegram/keyboards.py does (a dict sent through `api_kwargs`), and as PTB's objects
  (`InlineKeyboardMarkup(...)`, walked back to a dict and serialised as PTB sends it);
- the same keyboard sent with `send_message` through the in-process Bot API, both ways:
  PTB's whole request path, the keyboard included;
- a whole update: the refund intake's p50 per update (benchmarks/bench_updates.py's
  intakes, through the real Application on SQLite).

and prints the extra cost of PTB's types per keyboard as a share of the update's p50: the
figure bot/telegram/keyboards.py's decision rests on (the switch is worth it under 5 %).

    python benchmarks/bench_keyboards.py [--keyboards 2000] [--sends 500] [--intakes 20]
        [--rounds 5] [--json F]
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
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.ext import ExtBot

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_updates  # noqa: E402

from bot.telegram.transport import InProcessBotApi  # noqa: E402
from bot.views.replies import Button  # noqa: E402

# A question of the intake: three answers on their own rows, then Back and Cancel.
ROWS: list[list[Button]] = [
    [Button("💳 Charged twice for one thing", "i:k3Fz9QaB:4:a:double")],
    [Button("🧾 Charged after I cancelled", "i:k3Fz9QaB:4:a:after_cancel")],
    [Button("❓ Something else", "i:k3Fz9QaB:4:a:other")],
    [Button("⬅️ Back", "i:k3Fz9QaB:4:b"), Button("✖️ Cancel", "i:k3Fz9QaB:4:x")],
]
BUTTONS = sum(len(row) for row in ROWS)
CHAT_ID = 4242
THRESHOLD = 0.05  # PTB's types are worth their cost below this share of an update


def raw_markup(rows: list[list[Button]]) -> dict[str, Any]:
    """The keyboard as the Bot API's JSON, as the bot built it before PTB's types."""
    return {
        "inline_keyboard": [
            [{"text": button.label, "callback_data": button.data} for button in row] for row in rows
        ]
    }


def ptb_markup(rows: list[list[Button]]) -> InlineKeyboardMarkup:
    """The keyboard as PTB's own objects."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(button.label, callback_data=button.data) for button in row]
            for row in rows
        ]
    )


def build_raw() -> str:
    return json.dumps(raw_markup(ROWS))


def build_ptb() -> str:
    # What PTB does with a reply_markup: to_dict(), then json.dumps in the request.
    return json.dumps(ptb_markup(ROWS).to_dict())


# Both ways alternate in batches this long, so that a slow spell of the VM (2 cores shared)
# hits both alike rather than one whole side.
BATCH = 25


def builds(repeats: int) -> tuple[float, float]:
    """Seconds per keyboard built and serialised: (as JSON, as PTB's types)."""
    spent = [0.0, 0.0]
    for _ in range(max(1, repeats // BATCH)):
        for side, work in enumerate((build_raw, build_ptb)):
            start = time.perf_counter()
            for _ in range(BATCH):
                work()
            spent[side] += time.perf_counter() - start
    done = max(1, repeats // BATCH) * BATCH
    return spent[0] / done, spent[1] / done


async def send(bot: ExtBot[None], ptb: bool) -> None:
    """One question with its keyboard, one way or the other."""
    if ptb:
        await bot.send_message(
            CHAT_ID, "Which is it?", parse_mode=ParseMode.HTML, reply_markup=ptb_markup(ROWS)
        )
    else:
        await bot.send_message(
            CHAT_ID,
            "Which is it?",
            parse_mode=ParseMode.HTML,
            api_kwargs={"reply_markup": raw_markup(ROWS)},
        )


async def sends(bot: ExtBot[None], repeats: int) -> tuple[float, float]:
    """Seconds per send_message carrying the keyboard: (as JSON, as PTB's types)."""
    spent = [0.0, 0.0]
    for _ in range(max(1, repeats // BATCH)):
        for side in (0, 1):
            start = time.perf_counter()
            for _ in range(BATCH):
                await send(bot, ptb=side == 1)
            spent[side] += time.perf_counter() - start
    done = max(1, repeats // BATCH) * BATCH
    return spent[0] / done, spent[1] / done


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Every figure, `args.rounds` rounds interleaved; the medians over rounds."""
    api = InProcessBotApi(strict=False)
    bot: ExtBot[None] = ExtBot("1:KEYBOARDS", request=api)
    rounds: dict[str, list[float]] = {
        "build_raw": [],
        "build_ptb": [],
        "send_raw": [],
        "send_ptb": [],
        "update_p50": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        intakes = bench_updates.Intakes(f"sqlite:///{Path(tmp) / 'keyboards.sqlite3'}")
        try:
            async with bot, intakes.app:
                await intakes.run(1, [])  # warm up: templates, the first queries
                for _ in range(args.rounds):
                    raw, ptb = builds(args.keyboards)
                    rounds["build_raw"].append(raw)
                    rounds["build_ptb"].append(ptb)
                    raw, ptb = await sends(bot, args.sends)
                    rounds["send_raw"].append(raw)
                    rounds["send_ptb"].append(ptb)
                    api.calls.clear()
                    samples: list[float] = []
                    await intakes.run(max(1, args.intakes // args.rounds), samples)
                    rounds["update_p50"].append(bench_updates.percentile(samples, 0.5))
        finally:
            await intakes.close()
    figures: dict[str, Any] = {
        f"{name}_us": statistics.median(values) * 1e6 for name, values in rounds.items()
    }
    figures["buttons"] = BUTTONS
    figures["extra_build_us"] = figures["build_ptb_us"] - figures["build_raw_us"]
    figures["extra_send_us"] = figures["send_ptb_us"] - figures["send_raw_us"]
    figures["extra_per_button_us"] = figures["extra_send_us"] / BUTTONS
    figures["share_of_update"] = figures["extra_send_us"] / figures["update_p50_us"]
    figures["ptb_types_worth_it"] = figures["share_of_update"] < THRESHOLD
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--keyboards", type=int, default=2000, help="keyboards built a round")
    parser.add_argument("--sends", type=int, default=500, help="send_message calls a round")
    parser.add_argument("--intakes", type=int, default=20, help="intakes in all")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures = asyncio.run(measure(args))
    print(f"A question's keyboard ({BUTTONS} buttons), medians of {args.rounds} rounds")
    print(f"  python {platform.python_version()}, {platform.machine()}")
    print(f"  build + serialise, Bot API JSON:   {figures['build_raw_us']:8.1f} µs")
    print(f"  build + serialise, PTB's types:    {figures['build_ptb_us']:8.1f} µs")
    print(f"  send_message with JSON api_kwargs: {figures['send_raw_us']:8.1f} µs")
    print(f"  send_message with PTB's types:     {figures['send_ptb_us']:8.1f} µs")
    print(
        f"  PTB's types cost {figures['extra_send_us']:.1f} µs more a keyboard "
        f"({figures['extra_per_button_us']:.1f} µs a button; build alone "
        f"{figures['extra_build_us']:.1f} µs)"
    )
    print(f"  a whole update (the intake's p50): {figures['update_p50_us']:8.1f} µs")
    verdict = "use PTB's types" if figures["ptb_types_worth_it"] else "keep the Bot API's JSON"
    print(
        f"  extra cost / update: {figures['share_of_update']:.1%} "
        f"(threshold {THRESHOLD:.0%}): {verdict}"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

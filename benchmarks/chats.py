"""Many chats talking to a bot at once, as its users would: the driver of the latency benchmarks.

Each simulated user sends an update, waits until the bot has finished handling it (every
reply sent), then sends the next: a closed loop, like a person who reads the question
before answering. Updates go into the running application's update queue, so PTB's
update fetcher and the application's update processor decide what runs when, as in
Telegram mode. The in-process Bot API answers each call after a delay, like a network.

A user who finishes the script starts over as a new user (a new private chat), so the
load stays the same for the whole run.

Two loads:

- saturated (no `think`): each user sends the next update as soon as the last one is
  handled, so the chats go as fast as the bot lets them: the bot's capacity.
- paced (`think=(low, high)`): each user reads the reply and answers after a human think
  time, drawn uniformly from [low, high] seconds by a random generator seeded per user
  (the same draws for every bot in a run, and from run to run); the users start spread
  over the first `high` seconds, not all at once. What users of a bot that keeps up feel.

With `until_reply`, a latency ends when the update's last reply reaches the chat (its
sendMessage answered by the API: with a network delay, when Telegram has it) rather than
when the bot has finished handling the update; a paced user's think time starts there.
"""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.telegram.transport import ApiCall, InProcessBotApi, UpdateFactory

App = Application[Any, Any, Any, Any, Any, Any]
Script = list[tuple[str, str]]  # (kind, value): "text" typed, "tap" a button by label


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Latencies:
    """Seconds from an update entering the queue to the end of its handling."""

    samples: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    def summary(self) -> dict[str, float]:
        s = self.samples
        return {
            "updates": len(s),
            "p50_ms": percentile(s, 0.50) * 1e3,
            "p99_ms": percentile(s, 0.99) * 1e3,
            "max_ms": (max(s) if s else float("nan")) * 1e3,
            "mean_ms": (statistics.fmean(s) if s else float("nan")) * 1e3,
            "updates_per_s": len(s) / self.elapsed if self.elapsed else 0.0,
        }


class Chats:
    """Drives `users` closed-loop users of `script` through `app` (already initialized)."""

    def __init__(
        self,
        app: App,
        api: InProcessBotApi,
        script: Script,
        first_user: int,
        until_reply: bool = False,
        keep_calls: bool = True,
    ) -> None:
        self.app = app
        self.api = api
        self.script = script
        self.first_user = first_user
        self.until_reply = until_reply
        self._done: dict[int, asyncio.Future[None]] = {}
        # The newest message with buttons in each chat: (message id, buttons).
        self.buttons: dict[int, tuple[int, list[tuple[str, str]]]] = {}
        # When the newest message reached each chat (perf_counter seconds).
        self.replied: dict[int, float] = {}
        previous = api.on_call

        def seen(call: ApiCall) -> None:
            if call.method == "sendMessage":
                chat = int(call.params["chat_id"])
                self.replied[chat] = time.perf_counter()
                if call.buttons:
                    self.buttons[chat] = (call.message_id or 1, call.buttons)
            if previous is not None:
                previous(call)
            if not keep_calls:
                # The fake API's record of every call would otherwise grow all run long:
                # garbage no real bot keeps, walked by each of the collector's full passes.
                api.calls.clear()

        api.on_call = seen
        handle = app.process_update

        async def process_update(update: object) -> None:
            try:
                await handle(update)
            finally:
                if isinstance(update, Update):
                    waiting = self._done.pop(update.update_id, None)
                    if waiting is not None and not waiting.done():
                        waiting.set_result(None)

        # PTB's update fetcher calls `self.process_update`: the instance's wins.
        app.process_update = process_update  # type: ignore[method-assign]

    async def deliver(self, update: Update) -> float:
        """Put `update` in the queue and wait until it was handled; the seconds until then,
        or (`until_reply`) until its last reply reached the chat."""
        start, end = await self._deliver(update)
        return end - start

    async def _deliver(self, update: Update) -> tuple[float, float]:
        """`deliver`'s start and end (perf_counter seconds)."""
        done = asyncio.get_running_loop().create_future()
        self._done[update.update_id] = done
        start = time.perf_counter()
        await self.app.update_queue.put(update)
        await done
        end = time.perf_counter()
        if self.until_reply and update.effective_chat is not None:
            replied = self.replied.get(update.effective_chat.id, 0.0)
            if replied >= start:
                end = replied
        return start, end

    def next_update(self, user: UpdateFactory, kind: str, value: str) -> Update:
        if kind == "text":
            return user.text(value)
        chat = int(user.chat["id"])
        message_id, buttons = self.buttons.get(chat, (1, [("x", "x")]))
        data = next((d for label, d in buttons if value.casefold() in label.casefold()), "x")
        return user.button(data, message_id)

    async def run(
        self,
        users: int,
        seconds: float,
        until: asyncio.Event | None = None,
        measuring: Callable[[], bool] = lambda: True,
        think: tuple[float, float] | None = None,
        seed: int = 7,
    ) -> Latencies:
        """Every user in a loop for `seconds` (or until `until` is set, if sooner and given);
        the latencies of the updates sent while `measuring()` held. With `think`, each user
        answers a reply after a think time (see the module's docstring), and the first
        `think[1]` seconds, while the users arrive, are left out of the figures."""
        result = Latencies()
        started = time.perf_counter()
        stop_at = started + seconds
        warm_until = started + (think[1] if think is not None else 0.0)
        if think is not None and seconds <= think[1]:
            raise ValueError(f"a paced run needs more than {think[1]} s (the users' arrival)")

        def stopping() -> bool:
            return time.perf_counter() >= stop_at or (until is not None and until.is_set())

        async def pause(seconds: float) -> None:
            await asyncio.sleep(max(0.0, min(seconds, stop_at - time.perf_counter())))

        async def one(n: int) -> None:
            draws = random.Random(seed * 1_000_003 + n)
            if think is not None:
                await pause(draws.uniform(0.0, think[1]))
            round_ = 0
            while not stopping():
                user = UpdateFactory(
                    self.app.bot, user_id=self.first_user + n + 1_000 * round_, first_name="U"
                )
                round_ += 1
                for kind, value in self.script:
                    if stopping():
                        return
                    counted = measuring() and time.perf_counter() >= warm_until
                    start, end = await self._deliver(self.next_update(user, kind, value))
                    if counted:
                        result.samples.append(end - start)
                    if think is not None:
                        # The think time starts when the reply reached the chat.
                        await pause(draws.uniform(*think) - (time.perf_counter() - end))

        await asyncio.gather(*(one(n) for n in range(users)))
        result.elapsed = time.perf_counter() - max(started, warm_until)
        return result


class GcPauses:
    """Garbage-collection pauses while the block runs (gc.callbacks), by generation."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((int(info["generation"]), time.perf_counter() - self._started))

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def summary(self) -> dict[str, float]:
        oldest = [s for g, s in self.pauses if g == 2]
        every = [s for _, s in self.pauses]
        return {
            "collections": len(every),
            "gen2_collections": len(oldest),
            "max_pause_ms": max(every, default=0.0) * 1e3,
            "max_gen2_pause_ms": max(oldest, default=0.0) * 1e3,
            "total_pause_ms": sum(every) * 1e3,
        }

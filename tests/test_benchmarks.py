"""The per-update benchmark compares like with like: a smoke run of its command, and a
check that its "same API calls" baseline really makes the intake's calls; a smoke run of
the concurrency benchmark."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_updates  # noqa: E402

from bot.telegram.transport import ApiCall, UpdateFactory  # noqa: E402

Payload = tuple[str, str, list[object], object]


def run_benchmark(tmp_path: Path, script: str, *args: str) -> tuple[str, dict[str, Any]]:
    """Run `benchmarks/<script>` with `args` and --json; its output and its figures."""
    out = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures: dict[str, Any] = json.loads(out.read_text())
    return result.stdout, figures


def test_the_command_prints_every_row_and_writes_the_ratios(tmp_path: Path) -> None:
    stdout, figures = run_benchmark(
        tmp_path,
        "bench_updates.py",
        "--intakes",
        "2",
        "--rounds",
        "2",
        "--network",
        "--chats",
        "3",
        "--seconds",
        "1",
        "--paced-seconds",
        "1.5",
        "--think",
        "0.1",
        "0.3",
        "--network-rounds",
        "1",
    )
    for row in (
        "refund intake (full flow)",
        "bare PTB, same API calls",
        "bare PTB, 3-step, Back/Cancel",
        "bare PTB, 3-step conv.",
        "intake / bare PTB, p50:",
        "2 interleaved rounds",
    ):
        assert row in stdout
    steps = len(bench_updates.SCRIPT)
    assert figures["intake"]["updates"] == 2 * steps
    assert figures["bare_ptb_same_calls"]["updates"] == 2 * steps
    for key in (
        "ratio_p50",
        "ratio_back_cancel",
        "ratio_same_calls",
        "ratio_own_work",
        "ratio_own_work_mean",
    ):
        assert figures[key] > 0
    assert "the bot's own work (intake / same calls): p50" in stdout
    assert "realistic network: 3 chats" in stdout
    network = figures["network"]
    # Both loads, each with the bot, bare PTB and the bot with gc.freeze(), and the verdict.
    for load in ("saturated", "paced"):
        assert f"  {load}: bot / bare PTB: throughput" in stdout
        for name in ("bot", "bare_ptb_same_calls", "bot_without_gc_freeze"):
            assert network[load][name]["updates"] > 0, (load, name)
            assert network[load][name]["p99_ms"] > 0, (load, name)
        assert network[load]["throughput_ratio"] > 0 and network[load]["p99_ratio"] > 0
        assert isinstance(network[load]["goal_met"], bool)
    assert network["think_s"] == [0.1, 0.3]


def test_paced_users_wait_their_think_time_and_latency_ends_at_the_reply() -> None:
    """A paced user answers each reply after a think time drawn from the given range, so
    a handful of users make a few updates a second, not as many as the bot can take; a
    latency runs to the reply reaching the chat (here one sendMessage, 50 ms away)."""
    from chats import Chats

    async def run() -> tuple[list[float], float, int]:
        floor = bench_updates.SameCalls(
            [[ApiCall("sendMessage", {"text": "Next?"})]] * len(bench_updates.SCRIPT),
            delay=0.05,
            concurrent=True,
        )
        async with floor.app:
            driver = Chats(floor.app, floor.api, bench_updates.SCRIPT, 1, until_reply=True)
            await floor.app.start()
            try:
                paced = await driver.run(4, 3.0, think=(0.4, 0.6), seed=1)
                saturated = await driver.run(4, 1.0)
            finally:
                await floor.app.stop()
        return paced.samples, paced.summary()["updates_per_s"], len(saturated.samples)

    samples, rate, saturated = asyncio.run(run())
    # 4 users, about 0.55 s a round (0.4–0.6 s thinking + 50 ms): about 7 updates a second
    # after the 0.6 s of arrivals; as fast as they can go, 4 users make about 80.
    assert 4 <= rate <= 10, rate
    assert saturated > 3 * rate
    # From the message to the reply: not less than the network, nor the next think time.
    assert all(0.05 <= s < 0.4 for s in samples), samples


def test_the_concurrency_benchmark_prints_both_ways_and_writes_the_ratio(tmp_path: Path) -> None:
    """Tiny sizes: both ways of processing, both phases, and the import reported."""
    stdout, figures = run_benchmark(
        tmp_path, "bench_concurrency.py", "--chats", "3", "--rows", "500", "--seconds", "1"
    )
    assert "import running" in stdout and "goal ≤ 1.5" in stdout
    for mode in ("concurrent", "serial"):
        for phase in ("alone", "import"):
            assert figures[mode][phase]["updates"] > 0, (mode, phase)
    assert figures["ratio_p99_import_alone"] > 0


def test_the_same_calls_baseline_replays_the_intakes_calls(tmp_path: Path) -> None:
    """Update by update, the floor makes the methods the intake made, with the same texts
    and buttons, the keyboards sent as the bot sends them (raw JSON, not PTB objects)."""

    def payload(call: ApiCall) -> tuple[str, str, list[object], object]:
        """What the call sent: method, text, buttons, and the keyboard's raw parameter."""
        return (call.method, call.text, list(call.buttons), call.params.get("reply_markup"))

    async def run() -> tuple[
        bench_updates.Calls, list[list[tuple[str, str, list[object], object]]]
    ]:
        ours = bench_updates.Intakes(f"sqlite:///{tmp_path / 'b.sqlite3'}")
        calls: bench_updates.Calls = []
        async with ours.app:
            await ours.run(1, [], record=calls)
        await ours.close()
        floor = bench_updates.SameCalls(calls)
        replayed: list[list[Payload]] = []
        async with floor.app:
            for step, (kind, value) in enumerate(bench_updates.SCRIPT):
                floor.step = step
                user = UpdateFactory(floor.app.bot, user_id=5)
                update = user.text(value) if kind == "text" else user.button("x", 1)
                made = len(floor.api.calls)
                await floor.app.process_update(update)
                replayed.append([payload(c) for c in floor.api.calls[made:]])
        return calls, replayed

    calls, replayed = asyncio.run(run())
    assert len(calls) == len(bench_updates.SCRIPT)
    assert any(len(step) == 3 for step in calls)  # a tap: answer, tidy, next question
    expected = [[payload(c) for c in step] for step in calls]
    assert replayed == expected


def test_the_stats_benchmark_computes_and_draws_for_a_small_team(tmp_path: Path) -> None:
    """Tiny size: the figures and the chart are timed, and the chart is a real PNG."""
    stdout, figures = run_benchmark(tmp_path, "bench_stats.py", "--cases", "200", "--repeats", "1")
    assert "/stats for a team with 200 cases" in stdout
    assert figures["figures_median_s"] > 0 and figures["chart_median_s"] > 0
    assert figures["png_bytes"] > 10_000


def test_the_board_benchmark_times_the_first_load(tmp_path: Path) -> None:
    """Tiny size: the cases API answered, first and later requests timed; the board's
    chart too."""
    stdout, figures = run_benchmark(tmp_path, "bench_board.py", "--cases", "30", "--repeats", "1")
    assert "first load for a team with 30 cases" in stdout
    assert figures["first_s"] > 0 and figures["median_s"] > 0
    assert figures["response_bytes"] > 1000
    assert figures["chart_first_s"] > 0 and figures["chart_median_s"] > 0


def test_the_keyboard_benchmark_weighs_ptb_types_against_a_whole_update(tmp_path: Path) -> None:
    """Tiny size: both ways of building and sending a keyboard, and an update's p50, timed
    in the same run; the verdict follows the share of the update (bot/telegram/keyboards.py
    states the decision with the figures)."""
    stdout, figures = run_benchmark(
        tmp_path,
        "bench_keyboards.py",
        "--keyboards",
        "50",
        "--sends",
        "20",
        "--intakes",
        "2",
        "--rounds",
        "2",
    )
    assert "A question's keyboard (5 buttons)" in stdout
    for name in ("build_raw_us", "build_ptb_us", "send_raw_us", "send_ptb_us", "update_p50_us"):
        assert figures[name] > 0
    assert figures["ptb_types_worth_it"] == (figures["share_of_update"] < 0.05)
    assert ("use PTB's types" in stdout) == figures["ptb_types_worth_it"]

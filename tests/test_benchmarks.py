"""The per-update benchmark compares like with like: a smoke run of its command, and a
check that its "same API calls" baseline really makes the intake's calls."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_updates  # noqa: E402

from bot.transport import UpdateFactory  # noqa: E402


def test_the_command_prints_every_row_and_writes_the_ratios(tmp_path: Path) -> None:
    out = tmp_path / "updates.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_updates.py"),
            "--intakes",
            "2",
            "--rounds",
            "2",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for row in (
        "refund intake (full flow)",
        "bare PTB, same API calls",
        "bare PTB, 3-step, Back/Cancel",
        "bare PTB, 3-step conv.",
        "intake / bare PTB:",
        "2 interleaved rounds",
    ):
        assert row in result.stdout
    figures = json.loads(out.read_text())
    steps = len(bench_updates.SCRIPT)
    assert figures["intake"]["updates"] == 2 * steps
    assert figures["bare_ptb_same_calls"]["updates"] == 2 * steps
    for key in ("ratio_p50", "ratio_back_cancel", "ratio_same_calls", "ratio_own_work"):
        assert figures[key] > 0


def test_the_same_calls_baseline_replays_the_intakes_calls(tmp_path: Path) -> None:
    """Update by update, the floor makes the methods the intake made, with the same texts
    and buttons."""

    async def run() -> tuple[bench_updates.Calls, list[list[tuple[str, str, list[object]]]]]:
        ours = bench_updates.Intakes(f"sqlite:///{tmp_path / 'b.sqlite3'}")
        calls: bench_updates.Calls = []
        async with ours.app:
            await ours.run(1, [], record=calls)
        await ours.close()
        floor = bench_updates.SameCalls(calls)
        replayed: list[list[tuple[str, str, list[object]]]] = []
        async with floor.app:
            for step, (kind, value) in enumerate(bench_updates.SCRIPT):
                floor.step = step
                user = UpdateFactory(floor.app.bot, user_id=5)
                update = user.text(value) if kind == "text" else user.button("x", 1)
                made = len(floor.api.calls)
                await floor.app.process_update(update)
                replayed.append(
                    [(c.method, c.text, list(c.buttons)) for c in floor.api.calls[made:]]
                )
        return calls, replayed

    calls, replayed = asyncio.run(run())
    assert len(calls) == len(bench_updates.SCRIPT)
    assert any(len(step) == 3 for step in calls)  # a tap: answer, tidy, next question
    expected = [[(c.method, c.text, list(c.buttons)) for c in step] for step in calls]
    assert replayed == expected

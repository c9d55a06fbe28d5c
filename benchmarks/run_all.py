"""Run every benchmark, print each one's table and a summary, and write their JSON.

    python benchmarks/run_all.py [--quick] [--out benchmarks/results]

--quick uses smaller sizes (about 4 minutes instead of about 12 on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(name: str, args: list[str], out: Path) -> dict[str, object]:
    target = out / f"{name}.json"
    print(f"\n=== {name} ===", flush=True)
    subprocess.run(
        [sys.executable, str(HERE / f"{name}.py"), *args, "--json", str(target)], check=True
    )
    loaded: dict[str, object] = json.loads(target.read_text())
    return loaded


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    quick = args.quick
    updates = run(
        "bench_updates",
        [
            "--intakes",
            "50",
            "--network",
            "--chats",
            "50",
            "--seconds",
            "5",
            "--paced-seconds",
            "15",
            "--network-rounds",
            "1",
        ]
        if quick
        else ["--intakes", "150", "--network"],
        args.out,
    )
    concurrency = run(
        "bench_concurrency",
        ["--chats", "50", "--rows", "20000", "--seconds", "5"] if quick else [],
        args.out,
    )
    memory = run(
        "bench_memory",
        ["--users", "2000", "--updates", "20000"] if quick else [],
        args.out,
    )
    reminders = run("bench_reminders", ["--quick"] if quick else [], args.out)
    imported = run("bench_import", ["--rows", "20000" if quick else "100000"], args.out)
    stats = run("bench_stats", ["--cases", "2000" if quick else "10000"], args.out)
    board = run("bench_board", ["--cases", "1000"], args.out)
    print("\n=== summary ===")
    intake, bare = updates["intake"], updates["bare_ptb"]
    assert isinstance(intake, dict) and isinstance(bare, dict)
    print(f"per update p50: intake {intake['p50_us']:.0f} µs, bare PTB {bare['p50_us']:.0f} µs,")
    print(f"  ratio {updates['ratio_p50']:.2f} (goal ≤ 1.3); bare PTB making the intake's")
    calls, own = updates["ratio_same_calls"], updates["ratio_own_work"]
    print(f"  Bot API calls: {calls:.2f}; own work {own:.2f}")
    print(f"  own work on the mean {updates['ratio_own_work_mean']:.2f}")
    print(f"hot path load+save: {updates['hot_path_us']:.0f} µs")
    net = updates["network"]
    assert isinstance(net, dict)
    for load in ("saturated", "paced"):
        figures = net[load]
        assert isinstance(figures, dict)
        print(
            f"realistic network, {load}, bot / bare PTB: throughput"
            f" {figures['throughput_ratio']:.2f} (goal ≥ 0.9), p99 {figures['p99_ratio']:.2f}"
            f" (goal ≤ 1.5): {'met' if figures['goal_met'] else 'not met'}"
        )
    print(
        f"concurrency: p99 with a {concurrency['rows']:,} -row import running / alone:"
        f" {concurrency['ratio_p99_import_alone']:.2f} (goal ≤ 1.5)"
    )
    print(f"RSS growth under load: {memory['growth_mb']} MB; start-up bot/bare:")
    print(f"  {memory['startup_bot_s']} s / {memory['startup_bare_s']} s")
    print(f"reminders: {json.dumps(reminders)[:300]}…")
    print(f"import: {imported['rows_per_s']:.0f} rows/s, peak {imported['peak_python_mb']:.0f} MB")
    print(
        f"/stats with {stats['cases']:,} cases: figures {stats['figures_median_s']:.2f} s,"
        f" chart {stats['chart_median_s']:.2f} s (median)"
    )
    first_ms, then_ms, chart_ms = (
        float(str(board[k])) * 1000 for k in ("first_s", "median_s", "chart_median_s")
    )
    print(
        f"the board's first load with {board['cases']:,} cases: {first_ms:.0f} ms"
        f" (then median {then_ms:.0f} ms); its chart {chart_ms:.0f} ms"
    )
    (args.out / "summary.json").write_text(
        json.dumps(
            {
                "updates": updates,
                "concurrency": concurrency,
                "memory": memory,
                "reminders": reminders,
                "import": imported,
                "stats": stats,
                "board": board,
            },
            indent=2,
        )
    )
    print(f"JSON in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

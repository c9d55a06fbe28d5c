"""Reply latency of many chats doing intakes, alone and while a big import runs, with the
bot's concurrent update processing and with PTB's one-at-a-time default, in the same run.

Each chat is a user going through the intake (benchmarks/bench_updates.py's SCRIPT), one
update after the other reply (benchmarks/chats.py); the in-process Bot API answers each
call after `--delay` seconds, like a network round trip. For each way of processing
updates, on a fresh SQLite file: the chats alone for `--seconds`, then the chats while
one more chat's 200,000-row CSV export is read and stored (until its report arrives).
The latency of an update is from entering the update queue to the end of its handling.

    python benchmarks/bench_concurrency.py [--chats 200] [--rows 200000] [--delay 0.05]
        [--seconds 20] [--json F]

Goal (issue 14): with the bot's processing, p99 while the import runs ≤ 1.5 × p99 alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_updates import SCRIPT  # noqa: E402
from chats import Chats, Latencies  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.telegram.application import build_application, build_service  # noqa: E402
from bot.telegram.transport import ApiCall, InProcessBotApi, UpdateFactory  # noqa: E402
from tests.stored_cases import ACCOUNT  # noqa: E402

IMPORTER = 900_000_001
MODES = ("concurrent", "serial")
PHASES = ("alone", "import")


def export_csv(rows: int) -> bytes:
    """A compact transactions export of `rows` charges (200,000 rows ≈ 7.6 MB, under the
    bot's 10 MB cap)."""
    start = datetime(2025, 1, 1, 8, 0)
    lines = ["Time,Amount,Currency,Document number"]
    lines += [
        f"{start + timedelta(minutes=7 * i):%Y-%m-%d %H:%M},{10 + i % 990}.{i % 100:02d},USD,"
        f"BD{i:09d}"
        for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


async def one_mode(
    url: str, concurrent: bool, chats: int, seconds: float, delay: float, export: bytes
) -> tuple[dict[str, Latencies], float]:
    """Both phases with one way of processing updates; also the import's seconds."""
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    service = build_service(settings)
    service.store.ensure_team(IMPORTER, "private", None)
    service.store.save_account(IMPORTER, ACCOUNT)
    reported = asyncio.Event()

    def watch(call: ApiCall) -> None:
        to_importer = str(call.params.get("chat_id")) == str(IMPORTER)
        if to_importer and "charges imported" in call.text:
            reported.set()

    api = InProcessBotApi(on_call=watch, delay=delay, strict=False)
    api.files["export"] = export
    app = build_application(
        settings, service, request=api, token="1:CONC", rate_limited=False, concurrent=concurrent
    )
    phases: dict[str, Latencies] = {}
    async with app:
        driver = Chats(app, api, SCRIPT, first_user=10_000)
        await app.start()
        try:
            phases["alone"] = await driver.run(chats, seconds)
            importer = UpdateFactory(app.bot, user_id=IMPORTER)
            started = time.perf_counter()
            await app.update_queue.put(importer.document("export", "export.csv"))
            # Until the report: a bound of ten minutes keeps a broken run from hanging.
            phases["import"] = await driver.run(
                chats, 600, until=reported, measuring=lambda: not reported.is_set()
            )
            await asyncio.wait_for(reported.wait(), 600)
            import_seconds = time.perf_counter() - started
        finally:
            await app.stop()
    await service.store.aclose()
    return phases, import_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per Bot API call")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the alone phase")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    export = export_csv(args.rows)
    results: dict[str, dict[str, dict[str, float]]] = {}
    import_seconds: dict[str, float] = {}
    for mode in MODES:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            phases, took = asyncio.run(
                one_mode(url, mode == "concurrent", args.chats, args.seconds, args.delay, export)
            )
        results[mode] = {phase: phases[phase].summary() for phase in PHASES}
        import_seconds[mode] = took
    ratio = results["concurrent"]["import"]["p99_ms"] / results["concurrent"]["alone"]["p99_ms"]
    serial_ratio = results["serial"]["import"]["p99_ms"] / results["serial"]["alone"]["p99_ms"]
    print(
        f"machine: {platform.machine()} python {platform.python_version()}; {args.chats} chats"
        f" doing intakes, Bot API calls answered after {args.delay * 1000:.0f} ms;"
        f" import: {args.rows:,} rows ({len(export) / 2**20:.1f} MB CSV)"
    )
    print(
        f"{'processing':12}{'phase':16}{'updates':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'upd/s':>8}"
    )
    for mode in MODES:
        for phase in PHASES:
            s = results[mode][phase]
            name = "alone" if phase == "alone" else "import running"
            print(
                f"{mode:12}{name:16}{s['updates']:>9.0f}{s['p50_ms']:>9.0f}{s['p99_ms']:>9.0f}"
                f"{s['max_ms']:>9.0f}{s['updates_per_s']:>8.1f}"
            )
    print(
        f"import to its report: {import_seconds['concurrent']:.1f} s concurrent,"
        f" {import_seconds['serial']:.1f} s serial"
    )
    print(
        f"p99 import running / alone, concurrent: {ratio:.2f} (goal ≤ 1.5);"
        f" serial: {serial_ratio:.2f}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    **results,
                    "chats": args.chats,
                    "rows": args.rows,
                    "delay_s": args.delay,
                    "import_seconds": import_seconds,
                    "ratio_p99_import_alone": ratio,
                    "ratio_p99_import_alone_serial": serial_ratio,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

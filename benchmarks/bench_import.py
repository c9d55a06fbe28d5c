"""Importing a 100,000-row transactions export: rows per second and peak memory.

Parses a generated CSV (or, with --format xlsx, the same rows as an XLSX written by
openpyxl) the way the bot does (bot.exports.parse_export) and stores it through
the bot's own steps into a fresh SQLite file (the stored fingerprints, the new rows, then
`Store.add_transactions` a chunk at a time, as bot/telegram/handlers/files.py's
store_rows); then imports the same file again
(every row already there). Prints a table; --json writes the figures.

    python benchmarks/bench_import.py [--rows 100000] [--format csv|xlsx] [--json out.json]
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.db.store import Store  # noqa: E402
from bot.exports import parse_export  # noqa: E402
from bot.telegram.handlers import IMPORT_CHUNK_ROWS  # noqa: E402
from conversations.billing import ChargeRow, new_rows  # noqa: E402
from tests.stored_cases import ACCOUNT  # noqa: E402


def export_csv(rows: int) -> bytes:
    """A realistic export: a title line, the usual columns, a total line at the end."""
    start = datetime(2025, 1, 1, 8, 0)
    lines = [
        "TikTok Ads Manager — Transactions",
        "Time,Payment method,Document number,Status,Amount (incl. tax),Currency,Transaction type",
    ]
    for i in range(rows):
        at = start + timedelta(minutes=7 * i)
        amount = f"{10 + i % 990}.{i % 100:02d}"
        document = f"BDUS{i:010d}"
        lines.append(
            f"{at:%Y-%m-%d %H:%M:%S},Visa ••1881,{document},Success,{amount},USD,Automatic payment"
        )
    lines.append("Total,,,,,USD,")
    return ("\n".join(lines) + "\n").encode("utf-8")


def export_xlsx(rows: int) -> bytes:
    """The same rows as export_csv, as an XLSX: a title row, date cells, number amounts."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Transactions")
    sheet.append(["TikTok Ads Manager — Transactions"])
    sheet.append(
        [
            "Time",
            "Payment method",
            "Document number",
            "Status",
            "Amount (incl. tax)",
            "Currency",
            "Transaction type",
        ]
    )
    start = datetime(2025, 1, 1, 8, 0)
    for i in range(rows):
        amount = 10 + i % 990 + (i % 100) / 100
        sheet.append(
            [
                start + timedelta(minutes=7 * i),
                "Visa ••1881",
                f"BDUS{i:010d}",
                "Success",
                amount,
                "USD",
                "Automatic payment",
            ]
        )
    sheet.append(["Total", None, None, None, None, "USD"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def store_new_rows(store: Store, account_id: int, rows: list[ChargeRow]) -> tuple[int, int]:
    """Store the rows not stored before, as the bot does; (added, already there)."""
    fresh = new_rows(rows, store.transaction_fingerprints(account_id))
    for start in range(0, len(fresh), IMPORT_CHUNK_ROWS):
        chunk = fresh[start : start + IMPORT_CHUNK_ROWS]
        store.add_transactions(account_id, chunk, datetime.now(UTC))
    return len(fresh), len(rows) - len(fresh)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    data = export_xlsx(args.rows) if args.format == "xlsx" else export_csv(args.rows)
    name = f"export.{args.format}"
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'import.sqlite3'}")
        store.ensure_team(1, "private", None)
        account_id = store.save_account(1, ACCOUNT)
        t0 = time.perf_counter()
        report = parse_export(data, name, default_currency="USD")
        t1 = time.perf_counter()
        added, _ = store_new_rows(store, account_id, report.rows)
        t2 = time.perf_counter()
        # Memory in a separate pass: tracing allocations slows everything several times.
        tracemalloc.start()
        parse_export(data, name, default_currency="USD")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        t2b = time.perf_counter()
        again = parse_export(data, name, default_currency="USD")
        added_again, already_again = store_new_rows(store, account_id, again.rows)
        t4 = time.perf_counter()
        store.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "format": args.format,
        "bytes": len(data),
        "rows": args.rows,
        "parsed": len(report.rows),
        "skipped": len(report.skipped),
        "parse_s": t1 - t0,
        "store_s": t2 - t1,
        "rows_per_s": len(report.rows) / (t2 - t0),
        "peak_python_mb": peak / 2**20,
        "max_rss_mb": rss_mb,
        "reimport_s": t4 - t2b,
        "reimport_added": added_again,
        "reimport_already": already_again,
    }
    print(f"machine: {platform.machine()} python {platform.python_version()}")
    print(f"file: {args.format}, {len(data) / 2**20:.1f} MB")
    print("peak MB: Python allocations while parsing (tracemalloc); RSS MB: the process's peak")
    print(f"{'rows':>8} {'parse s':>8} {'store s':>8} {'rows/s':>9} {'peak MB':>8} {'RSS MB':>7}")
    print(
        f"{args.rows:>8} {figures['parse_s']:>8.2f} {figures['store_s']:>8.2f}"
        f" {figures['rows_per_s']:>9.0f} {figures['peak_python_mb']:>8.0f} {rss_mb:>7.0f}"
    )
    print(
        f"imported {added} (skipped {len(report.skipped)}: the total line);"
        f" again: {added_again} new, {already_again} already there,"
        f" in {figures['reimport_s']:.2f} s"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

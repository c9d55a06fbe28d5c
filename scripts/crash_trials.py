"""Crash trials: kill the bot with SIGKILL at random points, restart it, check nothing was lost.

Runs the bot as a subprocess (the terminal chat: the same application, storage and
database code as Telegram mode) on a SQLite file, drives duplicate-charge intakes line by
line, and kills it at a random moment — between answers or while one is being handled.
After each kill it inspects the database and starts the bot again to finish the intake.
It checks:

- lost answers: an answer the bot acknowledged (it printed its next prompt) is missing;
- duplicate cases: one intake produced more than one case;
- lost reminders: a case marked sent has no reminder queued.

    python scripts/crash_trials.py [--trials 100] [--seed 7]

Prints `trials, lost answers, duplicate cases, lost reminders`; exits 1 if any is non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# One intake, as typed in the terminal (numbers tap buttons), with the answer key each
# line fills once acknowledged (None: a line that stores no answer of its own).
SCRIPT: list[tuple[str, str | None]] = [
    ("/new", None),
    ("7289000011112221010", "advertiser_id"),
    ("Northwind", "account_name"),
    ("Automatic payment (card)", "billing"),
    ("No", "in_bc"),
    ("USD", "currency"),
    ("Active", "account_status"),
    ("TikTok directly", "paid_via"),
    ("Skip", "region"),
    ("I was charged twice", "reason"),
    ("9 Nov 10:02", "charge_date"),
    ("189.90 USD", "amount"),
    ("1881", "card_last4"),
    ("BDUS2026550101", "invoice_number"),
    ("Skip", "campaign_ids"),
    ("9 Nov 10:08", "other_date"),
    ("Skip", "other_invoice"),
    ("Today", "noticed"),
    ("Skip", "evidence"),
    ("I've sent it", None),
    ("TT-1", "ticket"),
]


class Bot:
    """The terminal chat as a subprocess, answered one line at a time."""

    def __init__(self, db: Path, files: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
        env.update(
            DATABASE_URL=f"sqlite:///{db}",
            FILES_DIR=str(files),
            PYTHONPATH=str(ROOT),
            LOG_LEVEL="WARNING",
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=db.parent,
            env=env,
            text=True,
            bufsize=1,
        )
        self.wait_prompt()

    def wait_prompt(self) -> str:
        """Read until the next `> ` prompt (the bot has handled the previous line)."""
        assert self.proc.stdout is not None
        seen = []
        while True:
            char = self.proc.stdout.read(1)
            if not char:
                raise EOFError("the bot exited")
            seen.append(char)
            if len(seen) >= 2 and seen[-2:] == [">", " "] and (len(seen) == 2 or seen[-3] == "\n"):
                return "".join(seen)

    def send(self, line: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.wait_prompt()

    def send_no_wait(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=20)


def stored_answers(db: Path) -> dict[str, object]:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT data FROM intakes").fetchone()
    return {} if row is None else dict(json.loads(row[0])["answers"])


def counts(db: Path) -> tuple[int, int, int]:
    """(cases, cases sent or further, those with a pending or claimed reminder)."""
    with sqlite3.connect(db) as conn:
        cases = conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
        sent = conn.execute(
            "SELECT COUNT(*) FROM cases WHERE status NOT IN ('drafted', 'cancelled', 'closed')"
        ).fetchone()[0]
        queued = conn.execute(
            "SELECT COUNT(DISTINCT case_id) FROM reminders WHERE state IN ('pending', 'claimed')"
        ).fetchone()[0]
    return int(cases), int(sent), int(queued)


def trial(rng: random.Random, workdir: Path) -> tuple[int, int, int]:
    """One intake with one kill; returns (lost answers, duplicate cases, lost reminders)."""
    db = workdir / "bot.sqlite3"
    bot = Bot(db, workdir / "files")
    cut = rng.randrange(1, len(SCRIPT))
    acknowledged: list[str] = []
    for line, key in SCRIPT[:cut]:
        bot.send(line)
        if key:
            acknowledged.append(key)
    # Half the time the kill lands while the next line is being handled.
    if rng.random() < 0.5:
        bot.send_no_wait(SCRIPT[cut][0])
        time.sleep(rng.random() * 0.05)
    bot.kill()
    answers = stored_answers(db)
    lost = sum(1 for key in acknowledged if key not in answers)
    # Start again and finish the intake from wherever it stands.
    bot = Bot(db, workdir / "files")
    screen = bot.send("/new")
    if "in progress" in screen:
        bot.send("Continue")
        answers = stored_answers(db)
        for line, key in SCRIPT[1:]:
            if key is not None and key in answers:
                continue
            if key is None and line == "I've sent it":
                screen = bot.send(line)
                continue
            screen = bot.send(line)
    else:
        for line, _ in SCRIPT[1:]:
            bot.send(line)
    bot.close()
    cases, sent, queued = counts(db)
    return lost, max(0, cases - 1), max(0, sent - queued)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    totals = [0, 0, 0]
    start = time.perf_counter()
    for _ in range(args.trials):
        with tempfile.TemporaryDirectory() as tmp:
            for i, value in enumerate(trial(rng, Path(tmp))):
                totals[i] += value
    elapsed = time.perf_counter() - start
    print("trials, lost answers, duplicate cases, lost reminders")
    print(f"{args.trials}, {totals[0]}, {totals[1]}, {totals[2]}")
    print(f"({elapsed:.0f} s, seed {args.seed})")
    return 1 if any(totals) else 0


if __name__ == "__main__":
    raise SystemExit(main())

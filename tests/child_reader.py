"""Reading an export in a child process, so that its time can be bounded and its peak memory
measured on its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What a hostile export may cost the process that reads it. The interpreter with the domain
# imported is ~35 MB; the goal is that no file takes the bot past ~300 MB.
PEAK_RSS_MB = 150
# A pathological file is answered in this many seconds (before: minutes), with room for a
# loaded machine; the child is stopped after CHILD_TIMEOUT.
QUICK_SECONDS = 10.0
CHILD_TIMEOUT = 60.0

_CHILD = """
import json, resource, sys, time
from bot.exports import parse_export
from conversations.billing import ExportError
data = open(sys.argv[1], "rb").read()
started = time.perf_counter()
try:
    report = parse_export(data, sys.argv[2], default_currency="USD", max_rows=int(sys.argv[3]))
    outcome = {"rows": len(report.rows), "skipped": [[s.line, s.reason] for s in report.skipped]}
except ExportError as error:
    outcome = {"refused": error.message}
outcome["seconds"] = time.perf_counter() - started
# VmHWM is this program's own peak; ru_maxrss also counts the parent's memory at the fork.
try:
    with open("/proc/self/status") as status:
        peak_kb = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
except OSError:
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcome["peak_rss_mb"] = peak_kb / 1024
print(json.dumps(outcome))
"""


def read_in_child(
    tmp_path: Path, data: bytes, filename: str = "export.xlsx", max_rows: int = 200_000
) -> dict[str, Any]:
    """parse_export on `data` in a fresh interpreter: what it said ("rows" and "skipped",
    or "refused"), how long it took ("seconds") and the child's peak RSS ("peak_rss_mb").
    Fails the test if the child takes longer than CHILD_TIMEOUT."""
    path = tmp_path / filename
    path.write_bytes(data)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        result = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), filename, str(max_rows)],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            cwd=ROOT,
            env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {len(data):,} bytes took more than {CHILD_TIMEOUT:.0f} s")
    assert result.returncode == 0, result.stderr[-2000:]
    outcome: dict[str, Any] = json.loads(result.stdout)
    return outcome


def assert_cheap(outcome: dict[str, Any]) -> None:
    """The file was answered quickly and in bounded memory."""
    assert outcome["seconds"] < QUICK_SECONDS, outcome
    assert outcome["peak_rss_mb"] < PEAK_RSS_MB, outcome

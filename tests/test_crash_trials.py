"""A short run of the crash trials (the full run is `python scripts/crash_trials.py`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_killing_the_bot_mid_intake_loses_nothing() -> None:
    """Five seeded SIGKILLs at random points of an intake: no acknowledged answer lost, no
    case duplicated, no reminder lost."""
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "crash_trials.py"),
            "--trials",
            "5",
            "--seed",
            "11",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5, 0, 0, 0" in result.stdout

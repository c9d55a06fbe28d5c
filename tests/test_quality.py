"""Lint, format, types and the import contract, run as part of the test command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_lint_is_clean() -> None:
    """ruff finds nothing to complain about."""
    result = _run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    """The code is formatted as ruff formats it."""
    result = _run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes() -> None:
    """mypy --strict (configured in pyproject.toml) passes on the whole tree."""
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_hold() -> None:
    """conversations/ imports no telegram, sqlalchemy, jinja2 or bot; only the Telegram-facing
    modules of bot/ import telegram (import-linter)."""
    # The one beside this Python first: a virtualenv that isn't activated isn't on PATH.
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    lint_imports = lint_imports or shutil.which("lint-imports")
    if lint_imports is None:
        pytest.fail("lint-imports is not installed: pip install -r requirements/dev.txt")
    result = _run(lint_imports)
    assert result.returncode == 0, result.stdout + result.stderr

"""Fixtures of the end-to-end tests: the emulator and the repair proxy (one each for the
module), and per test a fresh token, a bot process and its working directory."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import E2E_DIR, BotProcess, Emulator, fresh_token
from tests.e2e.repair_proxy import RepairProxy


def _install_emulator() -> str | None:
    """`npm ci` the pinned telegram-test-api when it isn't installed; why not, if it fails."""
    if (E2E_DIR / "node_modules" / "telegram-test-api" / "package.json").exists():
        return None
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return "node and npm are needed to run the Telegram emulator (telegram-test-api)"
    try:
        result = subprocess.run(
            # From npm's cache when it holds the pinned versions (no registry needed).
            [npm, "ci", "--prefer-offline", "--prefix", str(E2E_DIR), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            timeout=180,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`npm ci --prefix tests/e2e` failed: {error}"
    if result.returncode != 0:
        lines = [
            line.removeprefix("npm error").strip()
            for line in (result.stderr or result.stdout).splitlines()
        ]
        reason = " | ".join([line for line in lines if line][:3])
        return f"`npm ci --prefix tests/e2e` failed (no network?): {reason}"
    return None


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    problem = _install_emulator()
    if problem is not None:
        pytest.skip(problem)
    emulator = Emulator(tmp_path_factory.mktemp("emulator") / "emulator.log")
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def proxy(emulator: Emulator) -> Iterator[RepairProxy]:
    proxy = RepairProxy(emulator.url)
    yield proxy
    proxy.stop()


@pytest.fixture
def token() -> str:
    return fresh_token()


@pytest.fixture
def bot_process(
    token: str, proxy: RepairProxy, tmp_path: Path, db_url: str
) -> Iterator[BotProcess]:
    """The bot, started; stopped (SIGTERM, then kill) at teardown. On SQLite, and on
    PostgreSQL through asyncpg, as a deployment would run it."""
    url = db_url.replace("postgresql+psycopg://", "postgresql+asyncpg://")
    process = BotProcess(token, proxy, tmp_path, url)
    try:
        process.start()
        yield process
    finally:
        process.stop()

"""The end-to-end harness: the emulator (node) and the bot as a separate process; the repair
proxy in front of the emulator is in repair_proxy.py and the scripted users in users.py.

Nothing here is imported by production code.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.repair_proxy import RepairProxy

E2E_DIR = Path(__file__).resolve().parent
ROOT = E2E_DIR.parent.parent


def free_port() -> int:
    """A port nobody listens on right now (for the emulator, which can't bind port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fresh_token() -> str:
    """A fake bot token of Telegram's shape, new for each test (the emulator keeps state
    per token)."""
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:E2E{secrets.token_hex(16)}"


# --- the emulator ------------------------------------------------------------------------


class Emulator:
    """telegram-test-api, run by node in a subprocess."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            ["node", str(E2E_DIR / "emulator.js"), str(self.port)],
            cwd=E2E_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != b"ready":
            self.stop()
            raise RuntimeError(f"the emulator did not start: {line!r}, see {log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()  # emulator.js stops when its stdin closes
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log.close()


# --- the repair proxy --------------------------------------------------------------------


# --- the bot process ---------------------------------------------------------------------


class BotProcess:
    """`python -m bot run`, on the proxy, with its own token and database (by default a
    SQLite file in `workdir`)."""

    def __init__(
        self,
        token: str,
        proxy: RepairProxy,
        workdir: Path,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.token = token
        self.env = env or {}  # settings of this test's bot (e.g. BOARD_URL)
        self.database_url = database_url or f"sqlite:///{workdir / 'refundbot.sqlite3'}"
        self.proxy = proxy
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        # /healthz and /metrics: a port of its own, so that no two bots ask for the default.
        self.http_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 20.0) -> None:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": self.token,
            "TELEGRAM_API_BASE_URL": self.proxy.base_url,
            "DATABASE_URL": self.database_url,
            "SWEEP_SECONDS": "3600",
            "FILES_DIR": str(self.workdir / "files"),
            "LOG_LEVEL": "INFO",
            "HTTP_LISTEN": "127.0.0.1",
            "HTTP_PORT": str(self.http_port),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            **self.env,
        }
        self.starts += 1
        polls_before = self.proxy.polls(self.token)
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts} ---\n".encode())
            log.flush()
            # The working directory is the test's own, so no `.env` of the project is read.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while self.proxy.polls(self.token) <= polls_before:
            if self.process.poll() is not None:
                raise AssertionError(f"the bot exited at start-up:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start polling:\n{self.log()}")
            time.sleep(0.05)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, as a process manager stops it; killed if it doesn't stop in time."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        return process.returncode

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


# --- scripted users ----------------------------------------------------------------------

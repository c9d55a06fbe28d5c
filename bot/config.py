"""Settings, read once at start-up from the environment and `.env`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///refundbot.sqlite3"
# setWebhook's secret_token: 1-256 characters, only A-Z, a-z, 0-9, _ and -.
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    """Everything the bot can be configured with; `.env.example` documents each field."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    # Where files are downloaded from; unset: derived from telegram_api_base_url (see
    # `telegram_file_url`). Local mode: the official Bot API server run with --local.
    telegram_api_file_url: str | None = None
    telegram_local_mode: bool = False
    database_url: str = DEFAULT_DATABASE_URL
    default_timezone: str = "UTC"
    log_level: str = "INFO"
    files_dir: Path = Path("refundbot-files")
    sweep_seconds: float = 30.0
    log_format: Literal["text", "json"] = "text"
    # Webhook mode (`refundbot run --webhook`): the public HTTPS URL Telegram posts to, and
    # where this process listens for it (behind the HTTPS proxy).
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    # /healthz and /metrics, in both modes; port 0 turns them off. Loopback by default so
    # that a bot started on a laptop opens nothing to the network; containers set 0.0.0.0.
    # 9464 rather than 9090, which a Prometheus server on the same host usually holds.
    http_listen: str = "127.0.0.1"
    http_port: int = Field(default=9464, ge=0, le=65535)
    # The board (a Telegram Mini App): its public HTTPS address; unset, the webhook's host
    # with /board/. Telegram opens Mini Apps only over HTTPS.
    board_url: str | None = None
    # How old (seconds) the initData Telegram signed may be before the board refuses it.
    board_auth_max_age: int = Field(default=3600, ge=1)
    # Development without Telegram: the terminal chat's /board prints a local link to the
    # board (served on HTTP_LISTEN:HTTP_PORT) with initData signed for the terminal's user.
    board_dev_link: bool = False

    @property
    def telegram_file_url(self) -> str | None:
        """The base of file downloads: TELEGRAM_API_FILE_URL if set; else, with
        TELEGRAM_API_BASE_URL set, the same server's file route, laid out as the official
        Bot API server lays it out (…/bot → …/file/bot, the token appended after either);
        else None (Telegram's own)."""
        explicit = (self.telegram_api_file_url or "").strip()
        if explicit:
            return explicit
        base = (self.telegram_api_base_url or "").strip()
        if not base:
            return None
        parts = urlsplit(base)
        segments = parts.path.split("/")
        for index, segment in enumerate(segments):
            if segment.startswith("bot"):
                # "…/bot" and "…/bot{token}/test" (PTB's own template) alike.
                path = "/".join([*segments[:index], "file", *segments[index:]])
                return urlunsplit(parts._replace(path=path))
        return urlunsplit(
            (parts.scheme, parts.netloc, parts.path.rstrip("/") + "/file/bot", "", "")
        )

    @property
    def has_token(self) -> bool:
        return self.telegram_bot_token is not None and bool(
            self.telegram_bot_token.get_secret_value().strip()
        )

    def webhook_problem(self) -> str | None:
        """Why webhook mode can't start with these settings (None: it can). The message
        names the setting and never shows the secret."""
        if not self.has_token:
            return "TELEGRAM_BOT_TOKEN is not set"
        url = (self.webhook_url or "").strip()
        if not url:
            return "WEBHOOK_URL is not set (the public HTTPS address Telegram should call)"
        parts = urlsplit(url)
        # Telegram calls only HTTPS URLs; a self-hosted Bot API server may call plain HTTP.
        schemes = ("https", "http") if self.telegram_api_base_url else ("https",)
        if parts.scheme not in schemes or not parts.hostname:
            return f"WEBHOOK_URL must be an https:// address, not {url!r}"
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not secret:
            return (
                "WEBHOOK_SECRET is not set: without it anyone who finds the URL could post "
                "updates (1-256 characters of A-Z, a-z, 0-9, _ and -)"
            )
        if not WEBHOOK_SECRET_SHAPE.fullmatch(secret):
            return (
                "WEBHOOK_SECRET may only have 1-256 characters of A-Z, a-z, 0-9, _ and - "
                "(Telegram's rule for setWebhook's secret_token)"
            )
        return None

    @property
    def webhook_path(self) -> str:
        """The path this process serves the webhook on: the path of WEBHOOK_URL (a proxy
        that forwards the request unchanged keeps it)."""
        return urlsplit((self.webhook_url or "").strip()).path or "/"

    @property
    def board_public_url(self) -> str | None:
        """Where Telegram should open the board: BOARD_URL, else /board/ on the webhook's
        host; None unless it is an https:// address (Telegram's rule for Mini Apps)."""
        url = (self.board_url or "").strip()
        if not url and (self.webhook_url or "").strip():
            parts = urlsplit((self.webhook_url or "").strip())
            url = urlunsplit((parts.scheme, parts.netloc, "/board/", "", ""))
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            return None
        return url

    def describe_database(self) -> str:
        """The database in words a person recognises, without any password."""
        if self.database_url.startswith("sqlite:///"):
            return f"the local SQLite file {self.database_url.removeprefix('sqlite:///')}"
        scheme, _, rest = self.database_url.partition("://")
        host = rest.rpartition("@")[2]
        return f"{scheme} at {host}"

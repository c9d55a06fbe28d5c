"""Settings, read once at start-up from the environment and `.env`."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///refundbot.sqlite3"


class Settings(BaseSettings):
    """Everything the bot can be configured with; `.env.example` documents each field."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    default_timezone: str = "UTC"
    log_level: str = "INFO"
    files_dir: Path = Path("refundbot-files")
    sweep_seconds: float = 30.0

    @property
    def has_token(self) -> bool:
        return self.telegram_bot_token is not None and bool(
            self.telegram_bot_token.get_secret_value().strip()
        )

    def describe_database(self) -> str:
        """The database in words a person recognises, without any password."""
        if self.database_url.startswith("sqlite:///"):
            return f"the local SQLite file {self.database_url.removeprefix('sqlite:///')}"
        scheme, _, rest = self.database_url.partition("://")
        host = rest.rpartition("@")[2]
        return f"{scheme} at {host}"

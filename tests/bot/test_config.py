"""Settings for another Bot API server: where files are downloaded from, and local mode.

The download itself, through an emulated server, is in tests/e2e (a billing export sent as
a document is imported)."""

from __future__ import annotations

import pytest

from bot.app.intake.service import RefundService
from bot.config import Settings
from bot.telegram.application import build_application
from bot.telegram.transport import InProcessBotApi


@pytest.mark.parametrize(
    ("base_url", "file_url", "expected"),
    [
        (None, None, None),  # Telegram's own servers: PTB's default
        ("http://127.0.0.1:8081/bot", None, "http://127.0.0.1:8081/file/bot"),
        ("http://bot-api:8081/bot/", None, "http://bot-api:8081/file/bot/"),
        ("https://proxy.example/tg/bot", None, "https://proxy.example/tg/file/bot"),
        (
            "https://api.telegram.org/bot{token}/test",
            None,
            "https://api.telegram.org/file/bot{token}/test",
        ),
        ("http://127.0.0.1:8081", None, "http://127.0.0.1:8081/file/bot"),
        ("http://127.0.0.1:8081/bot", "http://files:9000/f/bot", "http://files:9000/f/bot"),
        (None, "http://files:9000/f/bot", "http://files:9000/f/bot"),
    ],
)
def test_the_file_url_follows_the_bot_api_server(
    base_url: str | None, file_url: str | None, expected: str | None
) -> None:
    """Without TELEGRAM_API_FILE_URL, files come from the server TELEGRAM_API_BASE_URL
    names, at the path the official Bot API server serves them (…/bot → …/file/bot)."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        telegram_api_base_url=base_url,
        telegram_api_file_url=file_url,
    )
    assert settings.telegram_file_url == expected


async def test_the_bot_downloads_from_its_server_and_can_run_in_local_mode(
    settings: Settings, service: RefundService, api: InProcessBotApi
) -> None:
    """With a base URL set, PTB's file URL is that server's (it was api.telegram.org, so
    every document got "I couldn't fetch that file"); TELEGRAM_LOCAL_MODE turns on PTB's
    local mode, for the official server run with --local."""
    local = settings.model_copy(
        update={"telegram_api_base_url": "http://127.0.0.1:8081/bot", "telegram_local_mode": True}
    )
    application = build_application(local, service, request=api, token="123:TEST")
    assert application.bot.base_url == "http://127.0.0.1:8081/bot123:TEST"
    assert application.bot.base_file_url == "http://127.0.0.1:8081/file/bot123:TEST"
    assert application.bot.local_mode is True
    default = build_application(settings, service, request=api, token="123:TEST")
    assert default.bot.base_file_url == "https://api.telegram.org/file/bot123:TEST"
    assert default.bot.local_mode is False

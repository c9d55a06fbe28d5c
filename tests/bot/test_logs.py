"""Logs as the bot writes them: the token and the webhook secret never appear (text and
JSON), the JSON lines parse, and nothing a user wrote is logged."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr
from telegram import Bot

from bot.app import build_application
from bot.config import Settings
from bot.logs import REDACTED, SecretRedactor, configure_logging, log_handler
from bot.service import RefundService
from bot.transport import BOT_USER, Fault, InProcessBotApi
from bot.web import HttpServer
from tests.helpers import ChatDriver

# Token-shaped (id, colon, 35 characters), as @BotFather issues them.
TOKEN = "7012345678:AAHq3Zr9xYk2LmN0pQ4sT6uV8wX1yZ3aB5c"
TOKEN_SECRET_PART = TOKEN.split(":", 1)[1]
SECRET = "s3cret_Webhook-token_0123456789"


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """The root logger's handlers and the levels the bot changes, put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "telegram")}
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


@pytest.fixture(params=["text", "json"])
def log_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(TOKEN),
            "webhook_secret": SecretStr(SECRET),
            "log_format": request.param,
        }
    )


@pytest.fixture
def output(log_settings: Settings, logging_restored: None) -> io.StringIO:
    """Everything logged, at DEBUG, through the bot's own handler (as `refundbot` sets it)."""
    buffer = io.StringIO()
    root = logging.getLogger()
    root.addHandler(log_handler(log_settings, buffer))
    root.setLevel(logging.DEBUG)
    return buffer


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


async def test_httpx_request_lines_do_not_show_the_token(
    output: io.StringIO, log_settings: Settings
) -> None:
    """A real Bot API call through PTB's httpx transport, with httpx's request log on:
    httpx writes the URL, which holds the token; the log shows `bot[REDACTED]` instead."""
    logging.getLogger("httpx").setLevel(logging.DEBUG)

    async def bot_api(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": BOT_USER})

    app = web.Application()
    app.router.add_post("/{tail:.*}", bot_api)
    server = await HttpServer.start("a fake Bot API", app, "127.0.0.1", 0)
    try:
        async with Bot(TOKEN, base_url=f"http://127.0.0.1:{server.port}/bot") as bot:
            assert (await bot.get_me()).username == BOT_USER["username"]
    finally:
        await server.stop()
    text = output.getvalue()
    assert f"/bot{REDACTED}/getMe" in text
    assert TOKEN_SECRET_PART not in text
    if log_settings.log_format == "json":
        assert any(line["logger"] == "httpx" for line in json_lines(text))


async def test_an_error_carrying_the_token_is_logged_redacted(
    output: io.StringIO, log_settings: Settings, service: RefundService
) -> None:
    """A handler's send fails with an error whose text holds a URL with the token and the
    webhook secret; the error handler logs it with its traceback — redacted, in both
    formats."""
    api = InProcessBotApi()
    app = build_application(log_settings, service, request=api, rate_limited=False)
    api.faults.append(
        Fault(
            status=400,
            description=f"Bad Request: can't fetch https://api.telegram.org/bot{TOKEN}/x?s={SECRET}",
        )
    )
    async with app:
        await ChatDriver(app, api, user_id=6001).send("/help")
    text = output.getvalue()
    assert "caused an error" in text
    expected = f"telegram.error.BadRequest: Can't fetch https://api.telegram.org/bot{REDACTED}/x?s="
    assert expected + REDACTED in text
    # BadRequest lowercases the description: the secret is caught whatever its case.
    assert TOKEN_SECRET_PART.lower() not in text.lower()
    assert SECRET.lower() not in text.lower()
    if log_settings.log_format == "json":
        [error] = [line for line in json_lines(text) if line["level"] == "ERROR"]
        assert error["logger"] == "bot.handlers"
        assert "BadRequest" in error["exception"]


def test_json_lines_have_time_level_logger_message_and_extras(
    logging_restored: None, settings: Settings
) -> None:
    """LOG_FORMAT=json: one object per line with time, level, logger, message and each
    `extra=` field; the secret is redacted in extras too."""
    buffer = io.StringIO()
    configure_logging(
        settings.model_copy(
            update={"log_format": "json", "log_level": "INFO", "webhook_secret": SecretStr(SECRET)}
        ),
        buffer,
    )
    logging.getLogger("bot.test").info("Case %s saved", 12, extra={"case_id": 12, "note": SECRET})
    logging.getLogger("bot.test").debug("not at INFO")
    [line] = json_lines(buffer.getvalue())
    assert line["level"] == "INFO" and line["logger"] == "bot.test"
    assert line["message"] == "Case 12 saved"
    assert line["case_id"] == 12 and line["note"] == REDACTED
    assert line["time"].endswith("+00:00")


def test_the_redactor_catches_any_token_shaped_value() -> None:
    """Another bot's token (not the configured one) is redacted by its shape; ids, amounts
    and case callback data are not."""
    redactor = SecretRedactor([])
    other = "1234567:ZZhq3Zr9xYk2LmN0pQ4sT6uV8wX1yZ3aB5c"
    assert redactor.redact(f"url /bot{other}/getMe") == f"url /bot{REDACTED}/getMe"
    plain = "chat 1001 user 1001 case:42:assign 189.90 USD 09:30"
    assert redactor.redact(plain) == plain


async def test_one_debug_line_per_update_with_ids_and_no_text(
    output: io.StringIO, log_settings: Settings, user: ChatDriver
) -> None:
    """At DEBUG each handled update gives one line from bot.updates with its update id,
    kind, chat, user and duration — and the text the user typed appears nowhere in the
    log, python-telegram-bot's own DEBUG lines included."""
    configure_logging(log_settings.model_copy(update={"log_level": "DEBUG"}), output)
    typed = ["/new", "7289000011112221010", "Quetzal Feathers Ltd"]
    # Through the update queue, as polling and the webhook deliver them (PTB's fetcher
    # logs each update it takes at DEBUG, whole); stop() handles what is queued.
    await user.app.start()
    for text in typed:
        await user.app.update_queue.put(user.updates.text(text))
    await user.app.stop()
    await user.tap("Automatic payment")
    log = output.getvalue()
    for text in typed[1:]:
        assert text not in log
    if log_settings.log_format == "text":
        lines = [line for line in log.splitlines() if " bot.updates: Update " in line]
        assert len(lines) == 4
        assert all(f"chat {user.chat_id} user {user.user_id} handled in" in x for x in lines)
        assert "(callback_query)" in lines[-1]
        return
    updates = [line for line in json_lines(log) if line["logger"] == "bot.updates"]
    assert [line["kind"] for line in updates] == ["message"] * 3 + ["callback_query"]
    ids = [line["update_id"] for line in updates]
    assert ids == sorted(ids) and len(set(ids)) == 4
    for line in updates:
        assert line["level"] == "DEBUG"
        assert (line["chat_id"], line["user_id"]) == (user.chat_id, user.user_id)
        assert line["duration_ms"] > 0
        assert set(line) == {
            "time",
            "level",
            "logger",
            "message",
            "update_id",
            "kind",
            "chat_id",
            "user_id",
            "duration_ms",
        }


async def test_at_info_nothing_a_user_wrote_is_logged(
    output: io.StringIO, log_settings: Settings, user: ChatDriver
) -> None:
    """At INFO a whole intake up to an account saved logs no answer the user typed."""
    configure_logging(log_settings.model_copy(update={"log_level": "INFO"}), output)
    typed = ["7289000011112221010", "Quetzal Feathers Ltd"]
    await user.send("/new")
    for text in typed:
        await user.send(text)
    assert "How does this account pay?" in user.last_text()  # the answers were taken
    log = output.getvalue()
    assert not any(text in log for text in typed)

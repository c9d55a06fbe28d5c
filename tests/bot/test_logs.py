"""Logs as the bot writes them: the token and the webhook secret never appear (text and
JSON), the JSON lines parse, and nothing a user wrote is logged."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from telegram import Bot

from bot.app.intake.service import RefundService
from bot.config import Settings
from bot.db.store import Store
from bot.db.tables import evidence, teams
from bot.logs import REDACTED, SecretRedactor, configure_logging, log_handler
from bot.telegram.application import build_application
from bot.telegram.transport import BOT_USER, Fault, InProcessBotApi
from bot.telegram.web import HttpServer
from tests.helpers import ChatDriver, sent_case

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
        assert error["logger"] == "bot.telegram.handlers"
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
    """At DEBUG each handled update gives one line from bot.telegram.updates with its update id,
    kind, chat, user and duration — and the text the user typed appears nowhere in the
    log, python-telegram-bot's own DEBUG lines included."""
    # What went wrong first (a button), before the log is read: then the account's
    # questions, answered (or not) with typed text.
    await user.send("/new")
    await user.tap("charged twice")
    configure_logging(log_settings.model_copy(update={"log_level": "DEBUG"}), output)
    mark = len(output.getvalue())  # the lines of the updates below
    typed = ["7289000011112221010", "Quetzal Feathers Ltd", "billing@quetzal.example"]
    # Through the update queue, as polling and the webhook deliver them (PTB's fetcher
    # logs each update it takes at DEBUG, whole); stop() handles what is queued.
    await user.app.start()
    for text in typed:
        await user.app.update_queue.put(user.updates.text(text))
    await user.app.stop()
    await user.tap("TikTok directly")
    whole = output.getvalue()
    for text in typed:
        assert text not in whole
    log = whole[mark:]
    if log_settings.log_format == "text":
        lines = [line for line in log.splitlines() if " bot.telegram.updates: Update " in line]
        assert len(lines) == 4
        assert all(f"chat {user.chat_id} user {user.user_id} handled in" in x for x in lines)
        assert "(callback_query)" in lines[-1]
        return
    updates = [line for line in json_lines(log) if line["logger"] == "bot.telegram.updates"]
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
    """At INFO an account's questions (/accounts: the ID and the name typed) log no answer
    the user typed."""
    configure_logging(log_settings.model_copy(update={"log_level": "INFO"}), output)
    typed = ["7289000011112221010", "Quetzal Feathers Ltd"]
    await user.send("/accounts")
    await user.tap("Add an account")
    for text in typed:
        await user.send(text)
    assert "Who do you pay for ads" in user.last_text()  # the answers were taken
    log = output.getvalue()
    assert not any(text in log for text in typed)


# --- nothing a user wrote, in any error ----------------------------------------------------

GROUP = -100555


def group_member(
    app: Any, api: InProcessBotApi, user_id: int, username: str | None = None
) -> ChatDriver:
    """A member of GROUP (an admin there, so every command is theirs to use)."""
    api.admins.add((GROUP, user_id))
    return ChatDriver(app, api, user_id, GROUP, "Kim", username or f"user{user_id}")


def broken_list_cases(who: Any, argument: str) -> Any:
    """/cases failing on what was typed, the way a parsing slip would, in a chain."""
    try:
        int(argument)
    except ValueError as error:
        raise RuntimeError(f"could not read {argument!r} as a number") from error
    return []


@pytest.mark.parametrize(
    ("command", "typed", "raised"),
    [
        # The crash the issue reported (whether or not /assign still fails on it).
        ("/assign@refund_guide_bot ¹4111111111111111 @x", "4111111111111111", "ValueError"),
        # Any failure whose text quotes the user, chained to another that does too.
        ("/cases@refund_guide_bot Ocelot-Pass-2291", "Ocelot-Pass-2291", "RuntimeError"),
    ],
)
async def test_an_error_is_logged_with_its_type_and_frames_but_not_what_the_user_typed(
    output: io.StringIO,
    log_settings: Settings,
    service: RefundService,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    typed: str,
    raised: str,
) -> None:
    """A command that crashes on what was typed: the error handler's log has the exception's
    type and the traceback's frames (file, line, function), in both formats, but neither
    the text the user typed nor the exception's message quoting it."""
    monkeypatch.setattr(service.followup, "list_cases", broken_list_cases)
    api = InProcessBotApi()
    app = build_application(log_settings, service, request=api, rate_limited=False)
    async with app:
        kim = group_member(app, api, 6002)
        await kim.send(command)
    text = output.getvalue()
    assert typed not in text
    if "caused an error" not in text:
        assert raised == "ValueError", "only /assign may have been fixed meanwhile"
        return
    assert "Sorry — something went wrong" in kim.last_text()
    # The messages: int()'s, and the one `broken_list_cases` makes (its code, with the
    # f-string, is shown in its frame: that is the program, not the user).
    assert "invalid literal" not in text and "could not read '" not in text
    if log_settings.log_format == "json":
        [error] = [line for line in json_lines(text) if line["level"] == "ERROR"]
        trace = error["exception"]
        assert trace.endswith(f"\n{raised}")
    else:
        trace = text.split("caused an error", 1)[1]
        assert f"\n{raised}\n" in trace
    assert 'bot/telegram/handlers/served.py", line' in trace and ", in served" in trace
    if raised == "RuntimeError":
        assert "ValueError" in trace and "direct cause of the following exception" in trace
        assert ", in broken_list_cases" in trace


def test_database_errors_do_not_carry_the_statements_values(store: Store) -> None:
    """A statement that fails (here a duplicate key) raises an error that names the
    statement but not its values: they are what users wrote, and errors get logged."""
    title = "Ocelot Gathering 7781"
    row = {"id": -100777, "kind": "group", "title": title, "created_at": datetime.now(UTC)}
    with store.transaction() as conn:
        conn.execute(insert(teams).values(**row))
    with pytest.raises(IntegrityError) as raised, store.transaction() as conn:
        conn.execute(insert(teams).values(**row))
    assert title not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)


async def test_a_database_error_in_a_handler_logs_no_value_of_its_statement(
    output: io.StringIO, log_settings: Settings, service: RefundService
) -> None:
    """A group member whose username is longer than the members table takes (PostgreSQL
    refuses it; SQLite doesn't check): whatever the database says, the name is not in the
    log."""
    name = "Ocelot" + "x" * 100
    api = InProcessBotApi()
    app = build_application(log_settings, service, request=api, rate_limited=False)
    async with app:
        await group_member(app, api, 6003, name).send("/cases@refund_guide_bot")
    text = output.getvalue()
    assert "Ocelot" not in text
    if service.store.engine.dialect.name == "postgresql":
        assert "caused an error" in text and "DataError" in text


async def test_a_nul_in_a_caption_or_file_name_is_dropped_before_it_is_stored(
    output: io.StringIO, log_settings: Settings, service: RefundService, store: Store
) -> None:
    """A file added to a sent case with a NUL byte in its caption and its file name: the
    characters no database stores are dropped where the update's text enters, so the file
    is kept (on PostgreSQL the insert used to fail, logging both) and nothing is logged."""
    api = InProcessBotApi()
    app = build_application(log_settings, service, request=api, rate_limited=False)
    async with app:
        user = ChatDriver(app, api, user_id=6004)
        await sent_case(user)
        await user.send("/case 1")
        await user.tap("Add evidence")
        await user.send_file("BQAC-nul-file", "Ocelot\x00scan.pdf", "Ocelot\x00notes\ud800 here")
        assert "1 file now" in user.last_text()
    with store.transaction() as conn:
        [(caption, name)] = conn.execute(select(evidence.c.caption, evidence.c.name)).all()
    assert (caption, name) == ("Ocelotnotes here", "Ocelotscan.pdf")
    text = output.getvalue()
    assert "Ocelot" not in text and "caused an error" not in text

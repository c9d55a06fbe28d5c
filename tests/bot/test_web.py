"""The bot's HTTP side over real HTTP: the webhook's secret check and dedupe, /healthz and
/metrics, and `refundbot run --webhook` refusing to start without a secret.

The webhook tests run `run_webhook` itself (the whole start/stop lifecycle) on free ports
of 127.0.0.1, with the in-process Bot API in place of Telegram, and post updates with
httpx as Telegram would.
"""
# Over 400 lines: the HTTP side's endpoints against one real server, side by side.

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from bot.app.intake.service import RefundService
from bot.cli import main
from bot.config import Settings
from bot.telegram.application import build_application
from bot.telegram.observe import InstrumentedApplication
from bot.telegram.transport import BOT_USER, InProcessBotApi, UpdateFactory
from bot.telegram.web import SECRET_HEADER, HttpServer, RecentUpdateIds, ops_app, run_webhook
from bot.views import i18n
from tests.databases import PostgresServer
from tests.helpers import ChatDriver, Clock, no_sleep, sent_case

ROOT = Path(__file__).resolve().parents[2]
# Token-shaped (id, colon, 35 characters), as @BotFather issues them.
TOKEN = "7012345678:AAHq3Zr9xYk2LmN0pQ4sT6uV8wX1yZ3aB5c"
SECRET = "s3cret_Webhook-token_0123456789"
WEBHOOK_PATH = "/telegram/hook"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def update_json(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """A private-chat text message as Telegram posts it to a webhook."""
    person = {"id": chat_id, "is_bot": False, "first_name": "Sam", "language_code": "en"}
    message: dict[str, Any] = {
        "message_id": update_id % 100_000,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Sam"},
        "from": person,
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split(maxsplit=1)[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": update_id, "message": message}


def sends_to(api: InProcessBotApi, chat_id: int) -> int:
    return sum(1 for call in api.sent() if int(call.params["chat_id"]) == chat_id)


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the bot")
        await asyncio.sleep(0.01)


def metric(text: str, name: str, labels: dict[str, str] | None = None) -> float:
    """The value of one sample in a Prometheus text exposition."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and (labels is None or sample.labels == labels):
                return float(sample.value)
    raise AssertionError(f"no sample {name} {labels} in /metrics")


@dataclass
class RunningBot:
    app: InstrumentedApplication
    api: InProcessBotApi
    webhook: str
    ops: str


@pytest.fixture
def webhook_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(TOKEN),
            "webhook_url": f"https://bot.example.com{WEBHOOK_PATH}",
            "webhook_secret": SecretStr(SECRET),
            "webhook_listen": "127.0.0.1",
            "webhook_port": free_port(),
            "http_listen": "127.0.0.1",
            "http_port": free_port(),
        }
    )


@pytest.fixture
async def webhook_bot(
    webhook_settings: Settings, service: RefundService, api: InProcessBotApi
) -> AsyncIterator[RunningBot]:
    """The bot in webhook mode, listening; stopped as SIGTERM would stop it. The chats the
    tests' updates come from (5001–5009, 5401–5409) have written to the bot, so Telegram
    knows them."""
    for chat_id in [*range(5001, 5010), *range(5401, 5410)]:
        api.open_chat(chat_id)
    app = build_application(webhook_settings, service, request=api, rate_limited=False)
    stop, ready = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(run_webhook(app, webhook_settings, stop=stop, ready=ready))
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait({running, waiting}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if running.done():
        running.result()  # raises what stopped it
    assert ready.is_set(), "the webhook did not start"
    yield RunningBot(
        app,
        api,
        f"http://127.0.0.1:{webhook_settings.webhook_port}{WEBHOOK_PATH}",
        f"http://127.0.0.1:{webhook_settings.http_port}",
    )
    stop.set()
    await asyncio.wait_for(running, 10)


async def test_webhook_is_registered_with_the_secret_and_the_update_kinds(
    webhook_bot: RunningBot,
) -> None:
    """At start the bot calls setWebhook with WEBHOOK_URL, the secret token and the four
    update kinds its handlers answer (chat_member: Telegram leaves it out unless asked)."""
    [call] = [c for c in webhook_bot.api.calls if c.method == "setWebhook"]
    assert call.params["url"] == f"https://bot.example.com{WEBHOOK_PATH}"
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == [
        "message",
        "callback_query",
        "my_chat_member",
        "chat_member",
    ]


async def test_a_request_without_the_secret_is_refused_and_not_handled(
    webhook_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """No header → 403, and a wrong one → 403: neither update is handled (the fake API sees
    no reply to them, while a valid update posted after them is answered), and the log
    line names the remote address and path but not the body or the header's value."""
    caplog.set_level(logging.INFO)
    async with httpx.AsyncClient() as client:
        missing = await client.post(
            webhook_bot.webhook, json=update_json(50_001, 5001, "/help quetzal-7731")
        )
        wrong = await client.post(
            webhook_bot.webhook,
            json=update_json(50_002, 5001, "/help quetzal-7731"),
            headers={SECRET_HEADER: "not-the-" + SECRET},
        )
        valid = await client.post(
            webhook_bot.webhook,
            json=update_json(50_003, 5002, "/help"),
            headers={SECRET_HEADER: SECRET},
        )
    assert (missing.status_code, wrong.status_code, valid.status_code) == (403, 403, 200)
    await until(lambda: sends_to(webhook_bot.api, 5002) > 0)
    assert sends_to(webhook_bot.api, 5001) == 0
    refusals = [r.getMessage() for r in caplog.records if "Refused a webhook" in r.getMessage()]
    assert refusals == [
        f"Refused a webhook request from 127.0.0.1 to {WEBHOOK_PATH}: no secret token",
        f"Refused a webhook request from 127.0.0.1 to {WEBHOOK_PATH}: wrong secret token",
    ]
    assert "quetzal" not in caplog.text
    assert SECRET not in caplog.text


async def test_a_valid_update_is_answered(webhook_bot: RunningBot) -> None:
    """With the right secret the update is acknowledged 200 and the bot replies to it."""
    async with httpx.AsyncClient() as client:
        response = await client.post(
            webhook_bot.webhook,
            json=update_json(51_000, 5003, "/start"),
            headers={SECRET_HEADER: SECRET},
        )
    assert response.status_code == 200
    await until(lambda: sends_to(webhook_bot.api, 5003) > 0)
    assert "I help you get money back" in webhook_bot.api.sent()[-1].text


async def test_an_update_delivered_twice_is_handled_once(webhook_bot: RunningBot) -> None:
    """The same update_id posted again (Telegram retrying) gets 200 but no second handling:
    after it, a later update is answered and the first chat still has one reply."""
    first = update_json(52_000, 5004, "/help")
    headers = {SECRET_HEADER: SECRET}
    async with httpx.AsyncClient() as client:
        assert (await client.post(webhook_bot.webhook, json=first, headers=headers)).is_success
        await until(lambda: sends_to(webhook_bot.api, 5004) > 0)
        replies = sends_to(webhook_bot.api, 5004)
        again = await client.post(webhook_bot.webhook, json=first, headers=headers)
        later = update_json(52_001, 5005, "/help")
        assert (await client.post(webhook_bot.webhook, json=later, headers=headers)).is_success
    assert again.status_code == 200
    # Updates are handled in order, so the repeat, had it been queued, is handled by now.
    await until(lambda: sends_to(webhook_bot.api, 5005) > 0)
    assert sends_to(webhook_bot.api, 5004) == replies
    registry = webhook_bot.app.metrics.registry
    assert registry.get_sample_value("refundbot_webhook_duplicates_total") == 1


async def test_past_the_webhook_a_repeat_is_still_answered_once(
    app: InstrumentedApplication, api: InProcessBotApi
) -> None:
    """The webhook's memory is this process's only: a repeat that reaches another process
    (or this one after a restart) goes to the handlers, which find its id recorded in the
    database and answer nothing."""
    update = UpdateFactory(app.bot, user_id=5006).text("/help")
    await app.process_update(update)
    once = sends_to(api, 5006)
    await app.process_update(update)
    assert once > 0 and sends_to(api, 5006) == once


def test_recent_update_ids_forget_the_oldest() -> None:
    """The window keeps the last `size` ids: a repeat inside it is caught, an id that fell
    out of it is new again."""
    recent = RecentUpdateIds(size=3)
    assert [recent.add(i) for i in (1, 2, 3, 2)] == [True, True, True, False]
    assert recent.add(4) is True  # 1 leaves the window
    assert recent.add(1) is True
    assert recent.add(4) is False


async def test_a_body_that_is_not_an_update_gets_400(
    webhook_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """With the right secret, a body that is not JSON, has no update_id, or is not an
    update's shape is refused 400; the log says why without quoting the body."""
    headers = {SECRET_HEADER: SECRET}
    async with httpx.AsyncClient() as client:
        junk = await client.post(webhook_bot.webhook, content=b"{quetzal", headers=headers)
        no_id = await client.post(webhook_bot.webhook, json={"message": {}}, headers=headers)
        shape = await client.post(
            webhook_bot.webhook,
            json={"update_id": 53_000, "message": ["quetzal"]},
            headers=headers,
        )
    assert (junk.status_code, no_id.status_code, shape.status_code) == (400, 400, 400)
    refusals = [r.getMessage() for r in caplog.records if "is not an update" in r.getMessage()]
    assert len(refusals) == 3
    assert "quetzal" not in caplog.text


async def test_an_oversized_header_is_one_warning_line_without_its_content(
    webhook_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A 10 KB secret-token header (past aiohttp's 8 KB field limit), sent by anyone: the
    request gets 400 and the log one WARNING line naming the remote address and the kind
    of fault — no traceback, not a byte of the header. The webhook still serves."""
    caplog.set_level(logging.DEBUG)
    header = "quetzal-header-" + "Q" * 10_240
    async with httpx.AsyncClient() as client:
        huge = await client.post(
            webhook_bot.webhook,
            json=update_json(54_001, 5401, "/help"),
            headers={SECRET_HEADER: header},
        )
        valid = await client.post(
            webhook_bot.webhook,
            json=update_json(54_002, 5402, "/help"),
            headers={SECRET_HEADER: SECRET},
        )
    assert (huge.status_code, valid.status_code) == (400, 200)
    about = [r for r in caplog.records if r.name.startswith(("aiohttp", "bot.telegram.web.server"))]
    assert [(r.levelname, r.getMessage()) for r in about] == [
        ("WARNING", "Refused a malformed HTTP request from 127.0.0.1 (LineTooLong): answered 400")
    ]
    assert about[0].exc_info is None
    assert "quetzal" not in caplog.text and "QQQQ" not in caplog.text
    assert "Traceback" not in caplog.text


# --- /healthz and /metrics ---------------------------------------------------------------


@pytest.fixture
async def ops(app: InstrumentedApplication) -> AsyncIterator[str]:
    """/healthz and /metrics of the test app, on a free port; their base URL."""
    server = await HttpServer.start("ops", ops_app(app), "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.port}"
    await server.stop()


async def test_healthz_is_ok_with_the_database_and_reports_the_last_sweep(
    app: InstrumentedApplication, ops: str, clock: Clock
) -> None:
    """200 and status ok while the database answers; last_sweep is null before the first
    sweep, then the sweep's time, with its age by the bot's clock."""
    async with httpx.AsyncClient() as client:
        before = await client.get(f"{ops}/healthz")
        sweep = app.bot_data.sweep
        sweep.sleep = no_sleep
        await sweep.run_once()
        swept_at = clock.now
        clock.advance(seconds=90)
        after = await client.get(f"{ops}/healthz")
    assert before.status_code == 200
    assert before.json() == {
        "status": "ok",
        "database": True,
        "last_sweep": None,
        "sweep_age_seconds": None,
    }
    assert after.json() == {
        "status": "ok",
        "database": True,
        "last_sweep": swept_at.isoformat(),
        "sweep_age_seconds": 90.0,
    }


async def test_healthz_is_503_when_the_database_is_gone(
    ops: str, service: RefundService, db_url: str, request: pytest.FixtureRequest
) -> None:
    """With the database gone (SQLite: the file replaced by a directory, the pooled
    connections closed; PostgreSQL: the database dropped under the bot), SELECT 1 fails
    and /healthz answers 503, status fail."""
    if db_url.startswith("postgresql"):
        server: PostgresServer = request.getfixturevalue("postgres")
        database = make_url(db_url).database
        assert database is not None
        server.drop(database)
    else:
        service.store.close()
        path = Path(db_url.removeprefix("sqlite:///"))
        wal, shm = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
        for leftover in (path, wal, shm):
            if leftover.exists():
                os.remove(leftover)
        path.mkdir()
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{ops}/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.json()["database"] is False


async def test_metrics_move_after_updates_and_sweeps(
    app: InstrumentedApplication, ops: str, user: ChatDriver, clock: Clock
) -> None:
    """/metrics shows the counters at zero, then one per handled update (by kind, with its
    latency), and the sweep's duration and the reminders it found due and sent."""
    async with httpx.AsyncClient() as client:
        start = (await client.get(f"{ops}/metrics")).text
        await sent_case(user)
        handled = (await client.get(f"{ops}/metrics")).text
        sweep = app.bot_data.sweep
        sweep.sleep = no_sleep
        clock.advance(days=7, hours=1)  # the reply was due after 5 business days
        result = await sweep.run_once()
        swept = (await client.get(f"{ops}/metrics")).text
    assert metric(start, "refundbot_updates_total", {"kind": "message"}) == 0
    assert metric(start, "refundbot_telegram_errors_total", {"kind": "forbidden"}) == 0
    messages = metric(handled, "refundbot_updates_total", {"kind": "message"})
    buttons = metric(handled, "refundbot_updates_total", {"kind": "callback_query"})
    assert messages > 5 and buttons > 3
    assert metric(handled, "refundbot_update_seconds_count") == messages + buttons
    assert metric(handled, "refundbot_update_seconds_sum") > 0
    assert metric(handled, "refundbot_sweep_seconds_count") == 0
    assert result.sent == 1
    assert metric(swept, "refundbot_sweep_seconds_count") == 1
    assert metric(swept, "refundbot_reminders_due_total") == 1
    assert metric(swept, "refundbot_reminders_sent_total") == 1
    assert metric(swept, "refundbot_reminders_failed_total") == 0
    assert metric(swept, "refundbot_last_sweep_timestamp_seconds") == clock.now.timestamp()


async def test_polling_mode_serves_healthz_from_run_polling_hooks(
    settings: Settings, service: RefundService, api: InProcessBotApi
) -> None:
    """In polling mode /healthz and /metrics start in post_init (after the command menu)
    and stop in post_shutdown, as run_polling calls them."""
    from bot.telegram.web import serve_ops_while_polling

    port = free_port()
    polling = settings.model_copy(update={"http_listen": "127.0.0.1", "http_port": port})
    app = build_application(polling, service, request=api, token=TOKEN, rate_limited=False)
    serve_ops_while_polling(app, polling)
    assert app.post_init is not None and app.post_shutdown is not None
    async with app:
        await app.post_init(app)
        # The command menu first: for groups (the default) and for private chats (with
        # /board), each in every language.
        assert [c.method for c in api.calls].count("setMyCommands") == 2 * len(i18n.LANGUAGES)
        async with httpx.AsyncClient() as client:
            health = await client.get(f"http://127.0.0.1:{port}/healthz")
        await app.post_shutdown(app)
    assert health.status_code == 200
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{port}/healthz")


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No settings from the environment or a .env: tmp_path is the working directory."""
    settings_names = {field.upper() for field in Settings.model_fields}
    for name in list(os.environ):
        if name.upper() in settings_names:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    return tmp_path


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"WEBHOOK_URL": "https://bot.example.com/hook"}, "WEBHOOK_SECRET is not set"),
        (
            {"WEBHOOK_URL": "https://bot.example.com/hook", "WEBHOOK_SECRET": "has space!"},
            "WEBHOOK_SECRET may only have 1-256 characters of A-Z, a-z, 0-9, _ and -",
        ),
        ({"WEBHOOK_SECRET": SECRET}, "WEBHOOK_URL is not set"),
        (
            {"WEBHOOK_URL": "http://bot.example.com/hook", "WEBHOOK_SECRET": SECRET},
            "WEBHOOK_URL must be an https:// address",
        ),
    ],
)
def test_run_webhook_refuses_to_start_without_a_usable_secret_and_url(
    bare_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    problem: str,
) -> None:
    """`refundbot run --webhook` with the secret or URL missing or malformed exits 2 with
    a message naming the setting (never the secret's value), before opening the database."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["run", "--webhook"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("refundbot: cannot run in webhook mode: ")
    assert problem in err
    assert "has space!" not in err and TOKEN not in err
    assert not (bare_env / "bot.sqlite3").exists()


def test_run_webhook_without_a_token_is_not_the_terminal_chat(
    bare_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without TELEGRAM_BOT_TOKEN, `run --webhook` says so instead of opening the chat."""
    assert main(["run", "--webhook"]) == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in capsys.readouterr().err


async def test_refundbot_run_webhook_as_its_own_process(tmp_path: Path) -> None:
    """`python -m bot run --webhook` as a separate process, against a fake Bot API over
    HTTP: it registers the webhook, refuses a request without the secret (403), answers
    one with it (200, then the reply reaches the Bot API), serves /healthz, and stops
    cleanly on SIGTERM. Its JSON log has the refusal and the per-update DEBUG line, and
    neither the token nor the secret."""
    calls: list[tuple[str, dict[str, str]]] = []

    async def bot_api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = {key: str(value) for key, value in (await request.post()).items()}
        calls.append((method, params))
        result: Any = True
        if method == "getMe":
            result = BOT_USER
        elif method == "sendMessage":
            chat = {"id": int(params["chat_id"]), "type": "private", "first_name": "Sam"}
            result = {"message_id": len(calls), "date": int(time.time()), "chat": chat}
            result["text"] = params["text"]
        return web.json_response({"ok": True, "result": result})

    fake = web.Application()
    fake.router.add_post("/bot{token}/{method}", bot_api)
    api = await HttpServer.start("a fake Bot API", fake, "127.0.0.1", 0)
    webhook_port, http_port = free_port(), free_port()
    settings_names = {field.upper() for field in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in settings_names}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{api.port}/bot",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
            "WEBHOOK_URL": f"https://bot.example.com{WEBHOOK_PATH}",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(webhook_port),
            "HTTP_PORT": str(http_port),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "DEBUG",
            "SWEEP_SECONDS": "3600",
        }
    )
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--webhook", cwd=tmp_path, env=env, stderr=log
        )
    try:
        deadline = time.monotonic() + 30
        while not any(method == "setWebhook" for method, _ in calls):
            assert process.returncode is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            await asyncio.sleep(0.05)
        [registered] = [params for method, params in calls if method == "setWebhook"]
        assert registered["secret_token"] == SECRET
        url = f"http://127.0.0.1:{webhook_port}{WEBHOOK_PATH}"
        async with httpx.AsyncClient() as client:
            refused = await client.post(url, json=update_json(60_000, 7001, "/help"))
            accepted = await client.post(
                url, json=update_json(60_001, 7002, "/help"), headers={SECRET_HEADER: SECRET}
            )
            await until(
                lambda: any(m == "sendMessage" and p["chat_id"] == "7002" for m, p in calls)
            )
            health = await client.get(f"http://127.0.0.1:{http_port}/healthz")
        assert (refused.status_code, accepted.status_code, health.status_code) == (403, 200, 200)
        assert not any(m == "sendMessage" and p["chat_id"] == "7001" for m, p in calls)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await api.stop()
    text = log_path.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    assert any(line["message"].startswith("Refused a webhook request") for line in lines)
    [handled] = [line for line in lines if line["logger"] == "bot.telegram.updates"]
    assert (handled["update_id"], handled["chat_id"], handled["kind"]) == (60_001, 7002, "message")
    assert TOKEN.split(":", 1)[1] not in text and SECRET not in text

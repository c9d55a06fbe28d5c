"""The bot's HTTP side: Telegram's webhook, `/healthz` and `/metrics` (aiohttp, in PTB's loop).

Two small aiohttp applications, each on its own port:

- **the webhook** (`refundbot run --webhook`, on WEBHOOK_LISTEN:WEBHOOK_PORT at the path
  of WEBHOOK_URL): the port an HTTPS proxy exposes to the internet. A request must carry
  `X-Telegram-Bot-Api-Secret-Token` equal to WEBHOOK_SECRET (compared in constant time);
  otherwise it gets 403 and one WARNING line with the remote address and path — never
  the body or the header's value (a request aiohttp can't even parse, such as an
  oversized header, is one WARNING line too: `MalformedRequests`). A valid update is
  put on the Application's update queue and answered 200 at once, as PTB's own webhook
  server does; the update fetcher handles it like a polled one.
- **operations** (HTTP_LISTEN:HTTP_PORT, both modes, off when HTTP_PORT is 0): `/healthz`
  and `/metrics`. They sit on a separate port so that the metrics are not published
  through the proxy that forwards the webhook.

aiohttp rather than PTB's tornado-based `run_webhook`: the secret check has to log
refusals our way, the dedupe below needs a hook before the queue, and /healthz and
/metrics need a server anyway — one library, one event loop (PTB's), for all three.

**Duplicates**: Telegram delivers an update again when it did not get our 200 in time,
so the same update_id can arrive twice. This process remembers the last
`RECENT_UPDATE_IDS` ids it accepted and answers a repeat 200 without handling it again.
Across processes (several bots behind one proxy) and restarts, the handlers record each
update's id in the transaction of the change it causes (`handled_updates`): a second
delivery finds it there and changes and sends nothing.

**Lifecycle** (`run_webhook`), following PTB's `run_webhook`/`run_polling`: initialize,
post_init, start (job queue, update fetcher), start listening, setWebhook; on SIGINT or
SIGTERM stop listening, stop (which handles every update already queued), post_stop,
shutdown, post_shutdown. The webhook is not deleted at exit: other processes may still be
serving it, and polling mode deletes it itself when it starts.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.http import HttpProcessingError
from telegram import Update

from bot.config import Settings
from bot.telegram.board import mount_board
from bot.telegram.handlers import BotData
from bot.telegram.observe import InstrumentedApplication

log = logging.getLogger(__name__)
# aiohttp's request handlers log here (see `MalformedRequests`).
server_log = logging.getLogger(f"{__name__}.server")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The update kinds the handlers answer; asked for in setWebhook and getUpdates alike.
# Telegram sends chat_member (someone joined or left a group) only when asked for by name.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member", "chat_member")
RECENT_UPDATE_IDS = 10_000
# A database that doesn't answer within this long counts as down for /healthz.
HEALTH_TIMEOUT = 5.0


class MalformedRequests(logging.Filter):
    """A request aiohttp could not parse, as one WARNING line without its content.

    aiohttp answers such a request 400 itself (a header over `max_field_size`, say a 10 KB
    secret token; a garbled request line) and logs it at ERROR with a traceback whose text
    quotes the first 100 bytes of the offending line: anyone can send one, unauthenticated,
    and make the log hold what they like. Sits on `server_log`, so it sees the record
    before any handler does.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, HttpProcessingError):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        record.msg = "Refused a malformed HTTP request from %s (%s): answered %s"
        record.args = (args[0] if args else "?", type(error).__name__, error.code or 400)
        record.exc_info, record.exc_text = None, None
        # aiohttp's DEBUG ones (a first request that isn't HTTP at all) stay at DEBUG.
        record.levelno = min(record.levelno, logging.WARNING)
        record.levelname = logging.getLevelName(record.levelno)
        return server_log.isEnabledFor(record.levelno)


server_log.addFilter(MalformedRequests())


class ListenError(Exception):
    """A port could not be opened (taken, or not allowed)."""


class RecentUpdateIds:
    """The last `size` update ids this process accepted, for spotting redeliveries."""

    def __init__(self, size: int = RECENT_UPDATE_IDS) -> None:
        self.size = size
        self._order: deque[int] = deque()
        self._seen: set[int] = set()

    def add(self, update_id: int) -> bool:
        """Remember `update_id`; False if it was already among the recent ones."""
        if update_id in self._seen:
            return False
        self._seen.add(update_id)
        self._order.append(update_id)
        if len(self._order) > self.size:
            self._seen.discard(self._order.popleft())
        return True


def _bot_data(application: InstrumentedApplication) -> BotData:
    bot_data: BotData = application.bot_data
    return bot_data


def webhook_app(
    application: InstrumentedApplication,
    secret: str,
    path: str,
    recent: RecentUpdateIds | None = None,
    settings: Settings | None = None,
) -> web.Application:
    """The webhook endpoint: checks the secret, drops repeats, queues the update; with
    `settings`, the board too (this is the server the HTTPS proxy publishes)."""
    expected = secret.encode()
    seen = recent if recent is not None else RecentUpdateIds()
    metrics = application.metrics

    async def receive(request: web.Request) -> web.Response:
        """Queue one update Telegram posted, if the request carries our secret."""
        given = request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(given.encode("utf-8", "replace"), expected):
            metrics.webhook_refused.inc()
            log.warning(
                "Refused a webhook request from %s to %s: %s secret token",
                request.remote,
                request.path,
                "no" if given is None else "wrong",
            )
            return web.Response(status=403)
        body = await request.read()
        try:
            data = json.loads(body)
            update_id = data["update_id"]
            if not isinstance(update_id, int):
                raise TypeError("update_id is not a number")
            update = Update.de_json(data, application.bot)
        except Exception as error:  # whatever a malformed body makes the parser raise
            # Only the error's type: its text could quote the body, which users wrote.
            log.warning(
                "Webhook request from %s is not an update (%s)",
                request.remote,
                type(error).__name__,
            )
            return web.Response(status=400)
        if not seen.add(update_id):
            metrics.webhook_duplicates.inc()
            log.info("Update %s delivered again: acknowledged, not handled twice", update_id)
            return web.Response()
        await application.update_queue.put(update)
        return web.Response()

    app = web.Application()
    app.router.add_post(path, receive)
    if settings is not None:
        mount_board(app, _bot_data(application), application.bot, settings)
    return app


def ops_app(application: InstrumentedApplication, board: Settings | None = None) -> web.Application:
    """`/healthz` and `/metrics` of this bot process; with `board`, the board too (long
    polling mode, which has no webhook server: a proxy may publish /board/ alone)."""
    bot_data = _bot_data(application)
    metrics = application.metrics

    async def healthz(request: web.Request) -> web.Response:
        """200 when the database answers, 503 when it doesn't; the last sweep either way."""
        store = bot_data.service.store
        try:
            # A synchronous driver pings from a thread, so a hung database can't stall the
            # loop; asyncpg's ping awaits on the loop itself.
            ping = store.run(store.ping) if store.is_async else asyncio.to_thread(store.ping)
            database = await asyncio.wait_for(ping, HEALTH_TIMEOUT)
        except TimeoutError:
            database = False
        if not database:
            log.warning("Health check: the database did not answer")
        sweep = bot_data.sweep
        last = sweep.last_run
        body: dict[str, Any] = {
            "status": "ok" if database else "fail",
            "database": database,
            "last_sweep": last.isoformat() if last is not None else None,
            "sweep_age_seconds": (
                round((sweep.clock() - last).total_seconds(), 3) if last is not None else None
            ),
        }
        return web.json_response(body, status=200 if database else 503)

    async def metrics_page(request: web.Request) -> web.Response:
        """The Prometheus text exposition of this process's metrics."""
        return web.Response(
            body=metrics.exposition(),
            headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
        )

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    if board is not None:
        mount_board(app, bot_data, application.bot, board)
    return app


@dataclass
class HttpServer:
    """One aiohttp application listening on one address."""

    name: str
    runner: web.AppRunner
    host: str
    port: int

    @classmethod
    async def start(cls, name: str, app: web.Application, host: str, port: int) -> HttpServer:
        # No access log: a line per webhook request at INFO would repeat the per-update line.
        # Request errors go to `server_log`, whose filter keeps what a request held out.
        runner = web.AppRunner(
            app,
            access_log=None,
            logger=server_log,
            handle_signals=False,
            shutdown_timeout=5.0,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
        except OSError as error:
            await runner.cleanup()
            raise ListenError(
                f"cannot listen on {host}:{port} for {name}: {error.strerror or error}"
            ) from error
        bound = runner.addresses[0]
        server = cls(name, runner, str(bound[0]), int(bound[1]))
        log.info("Serving %s on %s:%s", name, server.host, server.port)
        return server

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_ops_server(
    application: InstrumentedApplication, settings: Settings, board: bool = False
) -> HttpServer | None:
    """Start /healthz and /metrics (and the board if `board`), unless HTTP_PORT is 0."""
    if settings.http_port == 0:
        return None
    return await HttpServer.start(
        "/healthz, /metrics" + (" and /board/" if board else ""),
        ops_app(application, settings if board else None),
        settings.http_listen,
        settings.http_port,
    )


async def start_dev_board(application: InstrumentedApplication, settings: Settings) -> HttpServer:
    """The board alone on HTTP_LISTEN:HTTP_PORT (any free port if 0), for the terminal
    chat's development link (BOARD_DEV_LINK); its /board answers with the local address."""
    app = web.Application()
    mount_board(app, _bot_data(application), application.bot, settings)
    server = await HttpServer.start("the board", app, settings.http_listen, settings.http_port)
    _bot_data(application).board_local = f"http://{server.host}:{server.port}/board/"
    return server


def serve_ops_while_polling(application: InstrumentedApplication, settings: Settings) -> None:
    """Have `run_polling` start /healthz and /metrics after its post_init and stop them
    after its post_shutdown (run_polling owns the loop, so its hooks are the way in)."""
    previous_init = application.post_init
    previous_shutdown = application.post_shutdown
    servers: list[HttpServer] = []

    async def post_init(app: Any) -> None:
        if previous_init is not None:
            await previous_init(app)
        server = await start_ops_server(application, settings, board=True)
        if server is not None:
            servers.append(server)

    async def post_shutdown(app: Any) -> None:
        while servers:
            await servers.pop().stop()
        if previous_shutdown is not None:
            await previous_shutdown(app)

    application.post_init = post_init
    application.post_shutdown = post_shutdown


async def run_webhook(
    application: InstrumentedApplication,
    settings: Settings,
    stop: asyncio.Event | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Run the bot in webhook mode until SIGINT/SIGTERM (or until `stop` is set).

    `ready` is set once the webhook is registered and both servers listen.
    """
    problem = settings.webhook_problem()
    if problem is not None:
        raise ValueError(problem)
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    loop = asyncio.get_running_loop()
    handled_signals: list[signal.Signals] = []
    if stop is None:
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
            handled_signals.append(sig)
    try:
        await application.initialize()
        try:
            if application.post_init is not None:
                await application.post_init(application)
            await application.start()
            try:
                await _serve(application, settings, secret, stop, ready)
            finally:
                await application.stop()
                if application.post_stop is not None:
                    await application.post_stop(application)
        finally:
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
    finally:
        for sig in handled_signals:
            loop.remove_signal_handler(sig)


async def _serve(
    application: InstrumentedApplication,
    settings: Settings,
    secret: str,
    stop: asyncio.Event,
    ready: asyncio.Event | None,
) -> None:
    servers: list[HttpServer] = []
    try:
        servers.append(
            await HttpServer.start(
                "the webhook",
                webhook_app(application, secret, settings.webhook_path, settings=settings),
                settings.webhook_listen,
                settings.webhook_port,
            )
        )
        ops = await start_ops_server(application, settings)
        if ops is not None:
            servers.append(ops)
        assert settings.webhook_url is not None
        await application.bot.set_webhook(
            settings.webhook_url.strip(),
            secret_token=secret,
            allowed_updates=list(ALLOWED_UPDATES),
        )
        log.info("Webhook set: Telegram posts updates to %s", settings.webhook_url.strip())
        if ready is not None:
            ready.set()
        await stop.wait()
        log.info("Stopping: no more webhook requests; handling the updates already queued")
    finally:
        # Stop taking requests first; Application.stop then handles what is queued.
        while servers:
            await servers.pop().stop()

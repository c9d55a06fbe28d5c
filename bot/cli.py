"""The `refundbot` command: run the bot (Telegram, or the terminal chat without a token)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys

from bot.config import Settings
from bot.logs import configure_logging

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, build the settings and run."""
    parser = argparse.ArgumentParser(
        prog="refundbot",
        description="A Telegram bot that guides TikTok Ads advertisers through refund requests.",
    )
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the Telegram bot (the terminal chat if no token is set)")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook (WEBHOOK_URL, WEBHOOK_SECRET) instead of long polling",
    )
    sub.add_parser("chat", help="chat with the bot in this terminal")
    migrate = sub.add_parser("migrate", help="bring the database's schema up to date")
    migrate.add_argument("--to", default="head", help="upgrade to this revision (default: head)")
    migrate.add_argument(
        "--down", metavar="REVISION", help="downgrade to REVISION instead (an id, -1 or base)"
    )
    diagram = sub.add_parser("diagram", help="print a state diagram (Mermaid)")
    diagram.add_argument("machine", nargs="?", choices=("intake", "cases"), default="intake")
    args = parser.parse_args(argv)

    if args.command == "diagram":
        from conversations.diagram import DIAGRAMS

        sys.stdout.write(DIAGRAMS[args.machine]())
        return 0

    settings = Settings()
    webhook = args.command == "run" and args.webhook
    if webhook and (problem := settings.webhook_problem()) is not None:
        sys.stderr.write(f"refundbot: cannot run in webhook mode: {problem}.\n")
        return 2
    configure_logging(settings)
    # httpx logs every request URL, which contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # transitions logs every state change at INFO: ours are logged by id where they matter.
    logging.getLogger("transitions").setLevel(logging.WARNING)
    # Alembic narrates its plugins and each step; `migrate` prints its own summary.
    logging.getLogger("alembic").setLevel(logging.WARNING)

    if args.command == "migrate":
        return migrate_database(settings, args.to, args.down)

    from bot.db.schema import SchemaOutOfDate
    from bot.telegram.application import build_application, build_service

    try:
        service = build_service(settings)
    except SchemaOutOfDate as error:
        sys.stderr.write(f"{error}\n")
        return 2
    if args.command == "chat" or not settings.has_token:
        from bot.telegram.terminal import run_terminal

        if settings.log_level.upper() != "DEBUG":
            # The chat is on stdout; keep stderr for problems only.
            logging.getLogger().setLevel(logging.WARNING)

        if args.command == "chat":
            banner = "Terminal chat"
        else:
            banner = "No TELEGRAM_BOT_TOKEN is set, so this is the terminal chat"
        banner += (
            f", on {settings.describe_database()}.\n"
            "Type /new to start, a number to tap a button, 'file: PATH' to send a file, "
            "Ctrl-D to quit.\n"
        )
        freeze_start_up()
        try:
            return asyncio.run(run_terminal(settings, service, banner=banner))
        finally:
            service.store.close()

    from bot.telegram.web import ALLOWED_UPDATES, ListenError, run_webhook, serve_ops_while_polling

    application = build_application(settings, service)
    freeze_start_up()
    mode = "webhook" if webhook else "long polling"
    log.info("Starting the Telegram bot (%s) on %s", mode, settings.describe_database())
    try:
        if webhook:
            asyncio.run(run_webhook(application, settings))
        else:
            serve_ops_while_polling(application, settings)
            application.run_polling(allowed_updates=list(ALLOWED_UPDATES))
    except ListenError as error:
        log.error("%s", error)
        return 1
    finally:
        service.store.close()
    return 0


def freeze_start_up() -> None:
    """Leave what start-up made (modules, templates, catalogues, the application) out of
    the garbage collector's full passes: they live as long as the process, and walking
    them made the oldest generation's collections pause every chat for tens of
    milliseconds (benchmarks/RESULTS.md, "Garbage collection")."""
    gc.collect()
    gc.freeze()


def migrate_database(settings: Settings, target: str, down: str | None) -> int:
    """`refundbot migrate`: up to the newest schema (or `target`), or down to `down`."""
    from bot.db import schema
    from bot.db.engine import make_engine

    where = settings.describe_database()
    engine = make_engine(settings.database_url)
    if down is not None:
        before, after = schema.downgrade(engine, down)
    else:
        before, after = schema.upgrade(engine, target)
    if before == after:
        sys.stdout.write(f"The schema of {where} is up to date (revision {after}).\n")
    else:
        sys.stdout.write(
            f"Migrated {where} from revision {before or 'none (empty)'} to {after or 'none'}.\n"
        )
    return 0

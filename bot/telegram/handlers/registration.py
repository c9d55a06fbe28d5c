"""Registering the handlers, the command menu, the error handler and the jobs."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram.error import Forbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.app.intake.service import RefundService
from bot.telegram.handlers.buttons import button
from bot.telegram.handlers.commands import (
    accounts,
    assign,
    board,
    cancel,
    case,
    cases,
    export,
    forget,
    help_command,
    import_command,
    language,
    new,
    settings,
    start,
    stats,
)
from bot.telegram.handlers.context import BotContext
from bot.telegram.handlers.groups import member_came_or_went, member_changed, membership
from bot.telegram.handlers.messages import attachment, text, unreadable
from bot.telegram.handlers.served import localised, members_only
from bot.views import i18n
from bot.views.i18n import _
from conversations.texts import N_

# One logger for all the handlers, as before they were split into modules.
log = logging.getLogger("bot.telegram.handlers")

# The command menu: (command, description); the descriptions are translated per language.
COMMAND_MENU = [
    ("new", N_("Look at a charge and write a refund request")),
    ("cases", N_("Your cases")),
    ("stats", N_("Figures and a chart of your cases")),
    ("settings", N_("Time zone, quiet hours, reply wait")),
    ("language", N_("Change the language")),
    ("help", N_("What I can do")),
    ("cancel", N_("Stop the case you're answering")),
]


# Private chats' menu adds the board (in a group /board only says to open it in private).
PRIVATE_MENU = [*COMMAND_MENU[:3], ("board", N_("Your cases on a board")), *COMMAND_MENU[3:]]


BOARD_BUTTON = N_("Board")


def commands(menu: list[tuple[str, str]] = COMMAND_MENU) -> list[BotCommand]:
    """The command menu in the current language."""
    return [BotCommand(name, _(description)) for name, description in menu]


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Show the command menu in Telegram's clients."""
    for code in i18n.LANGUAGES:
        with i18n.speaking(code):
            # The default language's menu is everyone's; the others Telegram picks by the
            # client's language (two letters).
            client = None if code == i18n.DEFAULT_LANGUAGE else code[:2]
            await application.bot.set_my_commands(commands(), language_code=client)
            await application.bot.set_my_commands(
                commands(PRIVATE_MENU), scope=BotCommandScopeAllPrivateChats(), language_code=client
            )
    board_url = application.bot_data.board_url
    if board_url is not None:
        # The menu button beside the message field opens the board (private chats; one
        # label for everyone: Telegram keeps no menu button per language).
        button = MenuButtonWebApp(_(BOARD_BUTTON), WebAppInfo(board_url))
        await application.bot.set_chat_menu_button(menu_button=button)


async def on_error(update: object, context: BotContext) -> None:
    """Log the error first, then tell the user their answers are safe."""
    log.error(
        "Update %s caused an error", getattr(update, "update_id", "?"), exc_info=context.error
    )
    if isinstance(context.error, Forbidden):
        return
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            # The error handler runs outside `localised`: answer in the chat's language
            # (English when even that can't be read — the database may be what failed).
            code = i18n.DEFAULT_LANGUAGE
            with contextlib.suppress(Exception):
                code = await context.service.store.run(
                    context.service.followup.chat_language,
                    update.effective_chat.id,
                    update.effective_user.language_code if update.effective_user else None,
                )
            with i18n.speaking(code):
                text = _(
                    "Sorry — something went wrong on my side. Your answers so far are saved; "
                    "try again, or send /cancel."
                )
            await context.bot.send_message(update.effective_chat.id, text)
        except Exception:
            log.warning("Could not tell chat %s about the error", update.effective_chat.id)


async def close_database(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At shutdown: close the database connections on the loop that opened them."""
    service: RefundService = application.bot_data.service
    await service.store.aclose()


def add_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register every handler, in order; each answers in the chat's language."""
    for name, command in (
        ("start", start),
        ("help", help_command),
        ("language", language),
        ("new", new),
        ("cancel", cancel),
        ("cases", cases),
        ("case", case),
        ("stats", stats),
        ("settings", settings),
        ("assign", assign),
        ("accounts", accounts),
        ("import", import_command),
        ("export", export),
        ("forget", forget),
        ("board", board),
    ):
        application.add_handler(CommandHandler(name, members_only(localised(command))))
    application.add_handler(
        ChatMemberHandler(localised(membership), ChatMemberHandler.MY_CHAT_MEMBER)
    )
    # Other people's joins and departures: no reply, so no language.
    application.add_handler(ChatMemberHandler(member_changed, ChatMemberHandler.CHAT_MEMBER))
    application.add_handler(
        MessageHandler(
            filters.StatusUpdate.NEW_CHAT_MEMBERS | filters.StatusUpdate.LEFT_CHAT_MEMBER,
            member_came_or_went,
        )
    )
    # Every handler below that a group can reach reads or changes the team's data: in a
    # group, members only (`members_only` runs before `localised`, which may store the
    # group's language on its first contact).
    application.add_handler(CallbackQueryHandler(members_only(localised(button))))
    application.add_handler(
        MessageHandler(
            filters.PHOTO | filters.VIDEO | filters.Document.ALL,
            members_only(localised(attachment)),
        )
    )
    # A private chat's other messages (stickers, voice, locations…) get a word back;
    # service messages (pins, members joining) don't.
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
            localised(unreadable),
        )
    )
    # Last: any other text is an answer to the current question (unknown /commands too,
    # so a typo like /nwe gets the question repeated rather than silence).
    # In groups, other bots' commands are not answers to our questions.
    application.add_handler(
        MessageHandler(
            filters.TEXT & (filters.ChatType.PRIVATE | ~filters.COMMAND),
            members_only(localised(text)),
        )
    )
    application.add_error_handler(on_error)


# Telegram keeps an undelivered update for 24 hours: records of older ones can go.
HANDLED_UPDATES_KEPT = timedelta(days=2)


async def sweep_reminders(context: BotContext) -> None:
    """Send the reminders that are due (run by the job queue)."""
    await context.bot_data.sweep.run_once()


async def forget_handled_updates(context: BotContext) -> None:
    """Delete the records of updates too old to be delivered again (run by the job queue)."""
    service = context.service
    await service.store.run(
        service.store.forget_handled_updates, service.clock() - HANDLED_UPDATES_KEPT
    )

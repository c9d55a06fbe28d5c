"""The commands: each turns its words into one service call and sends what it returns."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

from telegram import Update

from bot.app.stats import StatsService
from bot.telegram.handlers.context import BotContext, command_words, who_of
from bot.telegram.handlers.files import build_export, send_replies
from bot.telegram.handlers.sending import send_reply, still_busy
from bot.telegram.handlers.served import (
    nothing_to_change,
    off_the_loop,
    served,
    still_members,
    with_rights,
)
from bot.telegram.miniapp_auth import make_init_data
from bot.views.i18n import _
from bot.views.replies import Button, Reply, Who
from bot.views.stats_screens import StatsScreen, render_chart, stats_reply
from conversations.inputs import storable


async def start(update: Update, context: BotContext) -> None:
    """Greet the user and explain what the bot does (a deep link's payload starts a case)."""
    payload = storable(context.args[0]) if context.args else ""
    who = await with_rights(update, context)
    await send_replies(
        update, context, await served(context, who, context.service.start, who, payload)
    )


async def board(update: Update, context: BotContext) -> None:
    """A button that opens the board (a Mini App) in the private chat; in the terminal's
    development mode, a local link signed for its user."""
    who = who_of(update)
    message = update.effective_message
    assert message is not None
    data = context.bot_data
    if who.in_group:
        await message.reply_text(_("The board opens in our private chat: send me /board there."))
    elif data.board_local is not None:
        signed = make_init_data(
            context.bot.token,
            {"id": who.user_id, "first_name": who.first_name, "username": who.username or ""},
        )
        link = data.board_local + "#" + urlencode({"tgWebAppData": signed})
        await message.reply_text(
            _("Your board on this computer (the link works for an hour):") + f"\n{link}"
        )
    elif data.board_url is None:
        await message.reply_text(
            _(
                "The board needs a public HTTPS address, and this bot has none yet: "
                "its admin sets BOARD_URL (or WEBHOOK_URL)."
            )
        )
    else:
        button = Button("📋 " + _("Open the board"), web_app=data.board_url)
        await send_reply(
            context.bot,
            who.chat_id,
            Reply(html.escape(_("Your cases and your teams' cases, by status.")), [[button]]),
        )


async def help_command(update: Update, context: BotContext) -> None:
    """List the commands."""
    who = who_of(update)
    await send_replies(update, context, await served(context, who, context.service.help, who))


async def language(update: Update, context: BotContext) -> None:
    """Offer the languages (in a group, an admin's choice)."""
    who = await with_rights(update, context)
    await send_replies(update, context, await served(context, who, context.service.language, who))


async def new(update: Update, context: BotContext) -> None:
    """Start an intake (or offer to continue the one in progress)."""
    who = await with_rights(update, context)
    username = context.bot.username or ""
    await send_replies(
        update, context, await served(context, who, context.service.new, who, username)
    )


async def cancel(update: Update, context: BotContext) -> None:
    """End the intake in progress."""
    who = who_of(update)
    await send_replies(update, context, await served(context, who, context.service.cancel, who))


async def cases(update: Update, context: BotContext) -> None:
    """List the chat's cases, what needs attention first (optionally: open, overdue, closed)."""
    words = command_words(context)
    who = await with_rights(update, context)
    replies = await served(context, who, context.followup.list_cases, who, words)
    await send_replies(update, context, replies)


async def stats(update: Update, context: BotContext) -> None:
    """The figures of the chat's cases (a group's: the team's), with their chart."""
    words = command_words(context)
    who = await with_rights(update, context)
    await send_stats(update, context, who, StatsService.screen, words)


# What a stats view is asked with: /stats's words, or a period button's `Callback`.
Argument = TypeVar("Argument")


async def send_stats(
    update: Update,
    context: BotContext,
    who: Who,
    view: Callable[[StatsService, Who, Argument], StatsScreen],
    argument: Argument,
) -> None:
    """Record the update (a second delivery sends nothing, not even a press's answer),
    read the figures off the event loop, draw the chart in a thread (matplotlib takes a few
    hundred milliseconds a chart, and its first import longer), then send it with them."""
    await served(context, who, nothing_to_change)
    if update.callback_query is not None:
        await update.callback_query.answer()
    service = StatsService.for_service(context.service)
    screen = await off_the_loop(context.service, view, service, who, argument)
    png = await asyncio.to_thread(render_chart, screen.chart) if screen.chart else None
    await send_replies(update, context, [stats_reply(screen, png)])


async def settings(update: Update, context: BotContext) -> None:
    """Show or change the time zone, quiet hours and reply wait."""
    words = command_words(context)
    who = await with_rights(update, context)
    replies = await served(context, who, context.followup.settings, who, words)
    await send_replies(update, context, replies)


async def assign(update: Update, context: BotContext) -> None:
    """Give a case of this group to a member: /assign 12 @name."""
    who = await with_rights(update, context)
    argument = command_words(context)
    named = await served(context, who, context.followup.named_member, who, argument)
    await still_members(context, who.chat_id, named)
    replies = await served(context, who, context.followup.assign, who, argument)
    await send_replies(update, context, replies)


async def accounts(update: Update, context: BotContext) -> None:
    """List the team's ad accounts (admins can remove them)."""
    who = await with_rights(update, context)
    await send_replies(update, context, await served(context, who, context.service.accounts, who))


async def case(update: Update, context: BotContext) -> None:
    """Show one case: answers, verdict, message and timeline."""
    words = command_words(context)
    who = who_of(update)
    replies = await served(context, who, context.service.show_case, who, words)
    await send_replies(update, context, replies)


async def export(update: Update, context: BotContext) -> None:
    """Send the chat's cases as one zip (cases.csv and a Markdown file per case), put
    together in the background behind a progress message."""
    who = await with_rights(update, context)
    background = context.bot_data.background
    if background.running("export", who.chat_id):
        await still_busy(update, context, "export")
        return
    # Recorded before anything is sent: a second delivery of this /export stops here.
    await served(context, who, nothing_to_change)
    progress = await context.bot.send_message(
        who.chat_id, "📦 " + _("Putting your records together…")
    )
    background.start("export", who.chat_id, build_export(context, who, progress), update)


async def forget(update: Update, context: BotContext) -> None:
    """Ask, then delete everything the bot holds about the user (private chat only)."""
    who = await with_rights(update, context)
    await send_replies(update, context, await served(context, who, context.records.forget, who))


async def import_command(update: Update, context: BotContext) -> None:
    """Explain how to send the billing export."""
    who = who_of(update)
    replies = await served(context, who, context.service.imports.explain, who)
    await send_replies(update, context, replies)

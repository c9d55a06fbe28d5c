"""Telegram handlers: turn each update into one service call and send what it returns.

Handlers stay thin: no SQL, no state-machine calls, no wording — those live in
the service, the domain and the templates.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import html
import logging
import warnings
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlencode

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    ChatMember,
    ForceReply,
    InputFile,
    MenuButtonWebApp,
    Message,
    Update,
    WebAppInfo,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackContext,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from bot.app.followup import SETTINGS_PREFIX, SHOW_CASE_PREFIX, FollowUpService, picks_member
from bot.app.imports import ImportJob, looks_like_export
from bot.app.intake import RefundService
from bot.app.records import RecordsService
from bot.app.reminders import ReminderSweep
from bot.app.sending import ChatUnreachable, PermanentSendError, RetryLater, TransientSendError
from bot.app.stats import STATS_PREFIX, StatsService
from bot.db.records import AlreadyHandled
from bot.exports import export_title, parse_export
from bot.telegram.background import BackgroundWork
from bot.telegram.keyboards import markup_kwargs
from bot.telegram.membership import Memberships, Standing, standing_of
from bot.telegram.miniapp_auth import make_init_data
from bot.views import i18n
from bot.views.formats import number
from bot.views.i18n import _, ngettext
from bot.views.phrases import said
from bot.views.replies import Button, ButtonResult, Reply, Who
from bot.views.stats_screens import StatsScreen, render_chart, stats_reply
from conversations.anomalies import find_anomalies
from conversations.billing import ChargeRow, ExportError, new_rows
from conversations.inputs import mask_card_numbers, storable
from conversations.texts import N_

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

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


class BotData:
    """What every handler needs; PTB creates it empty and `build_application` fills it."""

    service: RefundService
    sweep: ReminderSweep
    background: BackgroundWork

    def __init__(self) -> None:
        # getChatMember's answers (member? admin?), kept a minute per (chat, user).
        self.members = Memberships()
        # The board's public https:// address (None: Telegram can't open it), and, for
        # development without Telegram, the local address /board links to instead.
        self.board_url: str | None = None
        self.board_local: str | None = None


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The callback context, with the service typed."""

    @property
    def service(self) -> RefundService:
        return self.bot_data.service

    @property
    def followup(self) -> FollowUpService:
        return self.bot_data.service.followup

    @property
    def records(self) -> RecordsService:
        return RecordsService.for_service(self.bot_data.service)


def who_of(update: Update) -> Who:
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    return Who(
        chat_id=chat.id,
        user_id=user.id,
        chat_kind=chat.type,
        # Names are text people choose: stored and shown back, so never a card number.
        chat_title=mask_card_numbers(storable(chat.title)) if chat.title else chat.title,
        first_name=mask_card_numbers(storable(user.first_name)),
        username=_typed(user.username),
        is_admin=chat.type == "private",
        update_id=update.update_id,
        update_key=update_key(update),
        language_code=user.language_code,
    )


def update_key(update: Update) -> str:
    """What an update is, apart from its id: a redelivery has the same, a different update
    that came with a recorded id doesn't (see `UpdateMark`)."""
    if update.callback_query is not None:
        return f"q:{update.callback_query.id}"[:64]
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return ""
    kind = "e" if update.edited_message is not None else "m"
    return f"{kind}:{chat.id}:{message.message_id}"


# The update whose handling has recorded it already (see `served`); `localised` starts
# every update's handling with none.
_recorded: ContextVar[int | None] = ContextVar("refundbot_recorded", default=None)
# Telegram keeps an undelivered update for 24 hours: records of older ones can go.
HANDLED_UPDATES_KEPT = timedelta(days=2)


def _typed(value: str | None) -> str | None:
    """Text from the update (a caption, file name, name) without what no database stores.
    Every piece of user text the handlers read passes `storable` (here, in `who_of`,
    `command_words`, the text and button handlers) before it reaches the service."""
    return None if value is None else storable(value)


def command_words(context: BotContext) -> str:
    """A command's words after the command, as one storable string."""
    return storable(" ".join(context.args or []))


async def served(
    context: BotContext, who: Who, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run one service call for `who`'s chat: under the chat's lock (several bot processes
    may share a PostgreSQL database) and on the store's driver (asyncpg awaits in it).

    The first call of an update's handling records the update's id in the same
    transaction as its changes: a second delivery of the update, in this process or
    another, raises `AlreadyHandled` there, before it changes or sends anything (the
    handler's wrapper drops it). Later calls of the same handling (an import's steps)
    go on under that record."""
    store = context.service.store
    if not who.known_update_id or _recorded.get() == who.update_id:
        return await store.run_for_chat(who.chat_id, work, *args, **kwargs)
    mark = (who.update_id, who.update_key)  # the id, and which update it was
    result = await store.run_update(who.chat_id, mark, work, *args, **kwargs)
    _recorded.set(who.update_id)
    return result


GROUP_KINDS = (ChatType.GROUP, ChatType.SUPERGROUP)
STRANGER_REFUSED = N_("Only members of this group can see its cases.")


def posted_as_the_group(update: Update) -> bool:
    """A message an anonymous administrator sent as the group itself (Telegram lets only
    admins do that; its sender is a stand-in account getChatMember doesn't know)."""
    message = update.effective_message
    chat = update.effective_chat
    return (
        message is not None
        and message.sender_chat is not None
        and chat is not None
        and message.sender_chat.id == chat.id
    )


async def standing(update: Update, context: BotContext) -> Standing:
    """The sender's place in the group the update came from (Telegram's getChatMember, kept
    a minute). A member checked afresh is remembered (name and @username, for mentions
    and /assign); anyone else is forgotten as a member, should they have been one."""
    if posted_as_the_group(update):
        return Standing(member=True, admin=True)
    who = who_of(update)
    found, fresh = await context.bot_data.members.standing(context.bot, who.chat_id, who.user_id)
    if fresh and found.member:
        await context.service.store.run(context.service.remember_member, who)
    elif fresh:
        await context.service.store.run(context.followup.members_left, who.chat_id, [who.user_id])
    return found


async def with_rights(update: Update, context: BotContext) -> Who:
    """Who sent the update, with their admin status in a group (checked with Telegram by
    `members_only` before any handler runs; here it is read from what was kept)."""
    who = who_of(update)
    if not who.in_group:
        return who
    return dataclasses.replace(who, is_admin=(await standing(update, context)).admin)


async def still_members(context: BotContext, team_id: int, user_ids: list[int]) -> None:
    """Forget, as the team's members, those of `user_ids` Telegram says are no longer in
    the team's group (someone may leave without the bot seeing it: it gets chat_member
    updates only as an admin). A private chat's team has no one to check."""
    if team_id > 0 or not user_ids:
        return
    found = await asyncio.gather(
        *(context.bot_data.members.standing(context.bot, team_id, u) for u in user_ids)
    )
    gone = [u for u, (s, _fresh) in zip(user_ids, found, strict=True) if not s.member]
    if gone:
        await context.service.store.run(context.followup.members_left, team_id, gone)


async def send_reply(
    bot: Bot, chat_id: int, reply: Reply, service: RefundService | None = None
) -> None:
    """Send one reply (its file first, then its text with buttons), to its own chat if it
    names one; edit the earlier message when it says so (a group's case card)."""
    target = reply.chat_id if reply.chat_id is not None else chat_id
    if reply.document is not None:
        await bot.send_document(
            target,
            InputFile(reply.document.content, filename=reply.document.filename),
            caption=reply.document.caption,
        )
    keyboard = markup_kwargs(reply.buttons)
    if reply.photo is not None:
        await bot.send_photo(
            target,
            InputFile(reply.photo.content, filename=reply.photo.filename),
            caption=reply.photo.caption or None,
            parse_mode=ParseMode.HTML,
            message_thread_id=reply.thread_id,
            api_kwargs=None if reply.text else keyboard,
        )
    if not reply.text:
        return
    thread_id = reply.thread_id
    if reply.create_topic and thread_id is None and service is not None:
        topic = await bot.create_forum_topic(target, reply.create_topic[:128])
        thread_id = topic.message_thread_id
        if reply.card_case_id is not None:
            await service.store.run(service.followup.topic_created, reply.card_case_id, thread_id)
    if reply.edit_message_id is not None:
        try:
            await bot.edit_message_text(
                reply.text,
                chat_id=target,
                message_id=reply.edit_message_id,
                parse_mode=ParseMode.HTML,
                disable_web_page_preview=True,
                api_kwargs=keyboard,
            )
            return
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return
            # The card was deleted or is too old to edit: post a new one below.
    message = await bot.send_message(
        target,
        reply.text,
        parse_mode=ParseMode.HTML,
        reply_markup=ForceReply(selective=True) if reply.force_reply else None,
        disable_web_page_preview=True,
        message_thread_id=thread_id,
        api_kwargs=None if reply.force_reply else keyboard,
    )
    if reply.card_case_id is not None and service is not None and isinstance(message, Message):
        await service.store.run(
            service.followup.card_posted, reply.card_case_id, message.message_id
        )


async def send_replies(update: Update, context: BotContext, replies: list[Reply]) -> None:
    """Send each reply to the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    for reply in replies:
        if reply.chat_id is not None and reply.chat_id != chat.id:
            # Another chat (a team's group card): its failure must not spoil this reply.
            try:
                await send_reply(context.bot, chat.id, reply, context.service)
            except TelegramError as error:
                log.warning("Could not update chat %s: %s", reply.chat_id, error)
            continue
        await send_reply(context.bot, chat.id, reply, context.service)
    if any(reply.resume_import for reply in replies):
        # An account was just saved for an export that waited for it: read it now.
        who = who_of(update)
        job = await served(context, who, context.service.imports.resume, who)
        await run_import(update, context, who, job)


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


async def send_stats(
    update: Update,
    context: BotContext,
    who: Who,
    view: Callable[[StatsService, Who, str], StatsScreen],
    argument: str,
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


async def membership(update: Update, context: BotContext) -> None:
    """The bot was added to a group or removed from it."""
    change = update.my_chat_member
    if change is None:
        return
    who = who_of(update)
    # Whoever was checked while the bot was away is checked again.
    context.bot_data.members.forget(who.chat_id)
    status = change.new_chat_member.status
    if status in (ChatMember.LEFT, ChatMember.BANNED):
        await served(context, who, context.service.bot_removed, who)
        return
    if change.old_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED):
        replies = await served(context, who, context.service.bot_added, who)
        await send_replies(update, context, replies)


async def member_changed(update: Update, context: BotContext) -> None:
    """Someone joined the group, left it or was removed (Telegram sends this to admin
    bots): what was kept about them is dropped, and whoever is no longer a member stops
    being one of the team's members at once."""
    change = update.chat_member
    if change is None or change.chat.type not in GROUP_KINDS:
        return
    person = change.new_chat_member.user
    context.bot_data.members.forget(change.chat.id, person.id)
    if person.is_bot:
        return
    if standing_of(change.new_chat_member).member:
        who = Who(
            chat_id=change.chat.id,
            user_id=person.id,
            chat_kind=change.chat.type,
            chat_title=change.chat.title,
            first_name=person.first_name,
            username=person.username,
        )
        await context.service.store.run(context.service.remember_member, who)
    else:
        await context.service.store.run(context.followup.members_left, change.chat.id, [person.id])


async def member_came_or_went(update: Update, context: BotContext) -> None:
    """The group's "joined" / "left" notice (sent to every bot, admin or not): the same as
    a chat_member update, from what the notice says."""
    message = update.message
    if message is None or message.chat.type not in GROUP_KINDS:
        return
    for person in message.new_chat_members:
        context.bot_data.members.forget(message.chat.id, person.id)
    gone = message.left_chat_member
    if gone is not None:
        context.bot_data.members.forget(message.chat.id, gone.id)
        await context.service.store.run(context.followup.members_left, message.chat.id, [gone.id])


async def case(update: Update, context: BotContext) -> None:
    """Show one case: answers, verdict, message and timeline."""
    words = command_words(context)
    who = who_of(update)
    replies = await served(context, who, context.service.show_case, who, words)
    await send_replies(update, context, replies)


async def text(update: Update, context: BotContext) -> None:
    """Take typed text as the answer to the current question."""
    assert update.message is not None and update.message.text is not None
    who = who_of(update)
    typed = storable(update.message.text)
    replies = await served(context, who, context.service.on_text, who, typed)
    await send_replies(update, context, replies)


async def unreadable(update: Update, context: BotContext) -> None:
    """Anything else in a private chat (a sticker, a voice note, a location): say what I
    can read, and ask the question again."""
    who = who_of(update)
    await send_replies(
        update, context, await served(context, who, context.service.on_unreadable, who)
    )


async def attachment(update: Update, context: BotContext) -> None:
    """Keep a photo, document or video (a screen recording) as evidence."""
    message = update.message
    assert message is not None
    if message.photo:
        photo = message.photo[-1]  # the largest size
        file_id, kind, name = photo.file_id, "photo", None
    elif message.video is not None:
        file_id, kind, name = message.video.file_id, "video", _typed(message.video.file_name)
    elif message.document is not None:
        document = message.document
        file_id, kind, name = document.file_id, "document", _typed(document.file_name)
        who = who_of(update)
        if looks_like_export(name) and await served(
            context, who, context.service.accepts_export, who
        ):
            size = message.document.file_size or 0
            if size > context.service.policy.import_rules.max_bytes:
                await send_replies(
                    update,
                    context,
                    context.service.imports.refused(
                        _("That file is over 10 MB. Export a shorter date range and send it again.")
                    ),
                )
                return
            if context.bot_data.background.running("import", who.chat_id):
                await still_busy(update, context, "import")
                return
            # Shown back while reading and kept with a waiting import: never a card number.
            filename = mask_card_numbers(name or "export.csv")
            job = await served(context, who, context.service.imports.begin, who, file_id, filename)
            await run_import(update, context, who, job)
            return
    else:
        return
    who = who_of(update)
    replies = await served(
        context, who, context.service.on_file, who, file_id, kind, _typed(message.caption), name
    )
    await send_replies(update, context, replies)


async def button(update: Update, context: BotContext) -> None:
    """Apply a button press; old buttons lose their keyboard so they can't be pressed again."""
    query = update.callback_query
    assert query is not None
    if update.effective_chat is None or update.effective_user is None:
        # Pressed under an inline-mode message (or one Telegram no longer names): there is
        # no chat to act in. Say so on the button rather than fail.
        await query.answer(_("That button is too old to use — send /cases to see your cases."))
        return
    data = storable(query.data or "")
    who = await with_rights(update, context)
    if data.startswith("k:"):
        if picks_member(data):
            # "Assign to…" offers, and a pick gives the case to, only people still in the group.
            team_id, offered = await served(
                context, who, context.followup.assign_candidates, who, data
            )
            await still_members(context, team_id, offered)
        result = await served(context, who, context.service.case_button, who, data)
    elif data.startswith("m:imp:case:"):
        result = await served(context, who, context.service.start_from_charges, who, data)
    elif data.startswith("m:imp:"):
        if context.bot_data.background.running("import", who.chat_id):
            await query.answer()
            await still_busy(update, context, "import")
            return
        job = await served(context, who, context.service.import_button, who, data)
        await query.answer()
        await run_import(update, context, who, job)
        return
    elif data.startswith("m:forget:"):
        result = await served(context, who, context.records.forget_button, who, data)
    elif data.startswith(SHOW_CASE_PREFIX):
        result = await served(context, who, context.service.show_case_button, who, data)
    elif data.startswith(SETTINGS_PREFIX):
        result = await served(context, who, context.followup.settings_button, who, data)
    elif data.startswith("m:lang:"):
        result = await served(context, who, context.service.language_button, who, data)
    elif data.startswith("m:acc:"):
        result = await served(context, who, context.service.account_button, who, data)
    elif data.startswith(STATS_PREFIX):
        await send_stats(update, context, who, StatsService.button, data)
        return
    elif data.startswith("m:cases:"):
        argument = data.removeprefix("m:cases:")
        result = ButtonResult(
            None, await served(context, who, context.followup.list_cases, who, argument)
        )
    else:
        result = await served(context, who, context.service.on_button, who, data)
    await query.answer(result.toast)
    if result.replies and not result.keep_buttons:
        # Already without buttons, or too old to edit: nothing to tidy.
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
    await send_replies(update, context, result.replies)


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


def nothing_to_change() -> None:
    """For `served` when an update's only effects are what it sends: it records the update
    (so a redelivery sends nothing) and changes nothing else."""


async def build_export(context: BotContext, who: Who, progress: Message) -> None:
    """Build the zip off the event loop, send it, and turn the progress message into the
    summary."""
    replies = await off_the_loop(context.service, context.records.export, who)
    for reply in replies:
        if reply.document is not None:
            await send_reply(context.bot, who.chat_id, dataclasses.replace(reply, text=""))
        await edit_or_send(context, who, progress, reply.text)


async def off_the_loop(
    service: RefundService, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run reading `work` where it doesn't hold up other chats: in a thread with a
    synchronous driver (SQLite's reads don't block its writers), on the loop through the
    greenlet bridge with asyncpg (which awaits the database there)."""
    if service.store.is_async:
        return await service.store.run(work, *args, **kwargs)
    return await asyncio.to_thread(work, *args, **kwargs)


async def edit_or_send(context: BotContext, who: Who, progress: Message, text: str) -> None:
    """Show `text` in the progress message, or as a new one when it can't be edited."""
    try:
        await progress.edit_text(text, parse_mode=ParseMode.HTML, disable_web_page_preview=True)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            await context.bot.send_message(
                who.chat_id, text, parse_mode=ParseMode.HTML, disable_web_page_preview=True
            )


async def still_busy(update: Update, context: BotContext, kind: str) -> None:
    """Say that the chat's import (or export) is still going."""
    if kind == "import":
        text = _("I'm still reading the last one — I'll tell you when it's done.")
    else:
        text = _("I'm still putting your records together — they're coming.")
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, "⏳ " + text)


async def forget(update: Update, context: BotContext) -> None:
    """Ask, then delete everything the bot holds about the user (private chat only)."""
    who = await with_rights(update, context)
    await send_replies(update, context, await served(context, who, context.records.forget, who))


async def import_command(update: Update, context: BotContext) -> None:
    """Explain how to send the billing export."""
    who = who_of(update)
    replies = await served(context, who, context.service.imports.explain, who)
    await send_replies(update, context, replies)


# Rows stored per transaction: each is a few milliseconds of the event loop (SQLite writes
# there), so other chats' updates get through between them.
IMPORT_CHUNK_ROWS = 500
# The progress message is edited at most this often (Telegram allows about one message a
# second per chat, edits included) and only for files this big.
PROGRESS_SECONDS = 2.0
PROGRESS_ROWS = 5_000


async def run_import(
    update: Update, context: BotContext, who: Who, job: ImportJob | list[Reply]
) -> None:
    """Answer at once with a progress message, then read and store the export in the
    background: one import at a time per chat, in this process (`BackgroundWork`) and
    across processes on one database (a claim in it)."""
    if not isinstance(job, ImportJob):
        await send_replies(update, context, job)
        return
    background = context.bot_data.background
    imports = context.service.imports
    if not await served(context, who, imports.claim, who.chat_id, background.holder):
        await still_busy(update, context, "import")
        return
    try:
        progress = await context.bot.send_message(
            who.chat_id, "📂 " + _("Reading %(file)s…") % {"file": job.filename}
        )
    except BaseException:
        await served(context, who, imports.release, who.chat_id, background.holder)
        raise
    if not background.start(
        "import", who.chat_id, read_export(update, context, who, job, progress), update
    ):
        await served(context, who, imports.release, who.chat_id, background.holder)
        await still_busy(update, context, "import")


async def read_export(
    update: Update, context: BotContext, who: Who, job: ImportJob, progress: Message
) -> None:
    """Download and read the export off the event loop, store its new rows a chunk at a
    time with the progress message edited as it goes, then report. The chat's import
    claim is renewed as it goes and given up at the end, however it ends."""
    try:
        await _read_export(update, context, who, job, progress)
    finally:
        holder = context.bot_data.background.holder
        await served(context, who, context.service.imports.release, who.chat_id, holder)


async def _read_export(
    update: Update, context: BotContext, who: Who, job: ImportJob, progress: Message
) -> None:
    imports = context.service.imports
    rules = context.service.policy.import_rules
    read = ReadSoFar()
    decided: ImportJob | list[Reply] = job
    try:
        file = await context.bot.get_file(job.file_id)
        data = bytes(await file.download_as_bytearray())
        if not job.chosen:
            # Which account: the one its title lines name, else the one saved, else ask.
            title = await asyncio.to_thread(
                export_title,
                data,
                job.filename,
                max_bytes=rules.max_bytes,
                max_rows=rules.max_rows,
            )
            decided = await served(context, who, context.service.import_account, who, job, title)
        if not isinstance(decided, ImportJob):
            raise AccountToAsk
        job = decided
        # Parsing 100,000 rows takes about a second: not on the loop other users share.
        parsing = asyncio.ensure_future(
            asyncio.to_thread(
                parse_export,
                data,
                job.filename,
                mapping=job.mapping,
                default_currency=job.currency,
                max_bytes=rules.max_bytes,
                max_rows=rules.max_rows,
                progress=read.update,
            )
        )
        await show_rows_read(context, who, job, progress, parsing, read)
        report = await parsing
    except AccountToAsk:
        assert not isinstance(decided, ImportJob)
        replies = decided
        await edit_progress(
            progress, _("%(file)s is waiting for its ad account.") % {"file": job.filename}
        )
        await send_replies(update, context, replies)
        return
    except ExportError as error:
        replies = imports.refused(said(error))
    except TelegramError:
        replies = imports.refused(
            _("I couldn't fetch that file from Telegram. Please send it again.")
        )
    else:
        del data
        replies = await served(context, who, imports.question, who, job, report)
        if not replies:
            added, already = await store_rows(context, who, job, report.rows, progress, read)
            account = await served(context, who, imports.account_facts, who, job)
            flags = await asyncio.to_thread(
                find_anomalies,
                report.rows,
                context.service.policy,
                today=account.today,
                paused=account.paused,
                account=account.advertiser_id,
            )
            replies = await served(
                context, who, imports.report, job, report, account, added, already, flags
            )
    first, rest = replies[0], replies[1:]
    if first.buttons:
        rest = replies
    else:
        await edit_or_send(context, who, progress, first.text)
    await send_replies(update, context, rest)


class AccountToAsk(Exception):
    """The export's ad account isn't known yet: ask, and read it once answered."""


class ReadSoFar:
    """How far the parser (in its thread) has read: rows read, and the file's rows below
    its header when known."""

    def __init__(self) -> None:
        self.rows = 0
        self.total: int | None = None

    def update(self, rows: int, total: int | None) -> None:
        self.rows, self.total = rows, total


async def show_rows_read(
    context: BotContext,
    who: Who,
    job: ImportJob,
    progress: Message,
    parsing: asyncio.Future[Any],
    read: ReadSoFar,
) -> None:
    """While the file is read, edit the progress message with the rows read of the file
    (at most every PROGRESS_SECONDS, once it's past PROGRESS_ROWS), renewing the chat's
    import claim each time."""
    holder = context.bot_data.background.holder
    shown = -1
    while not parsing.done():
        await asyncio.wait({parsing}, timeout=PROGRESS_SECONDS)
        if parsing.done():
            return
        await served(context, who, context.service.imports.renew, who.chat_id, holder)
        if read.rows < PROGRESS_ROWS or read.rows == shown:
            continue
        shown = read.rows
        await edit_progress(progress, rows_read_text(job, read))


def rows_read_text(job: ImportJob, read: ReadSoFar) -> str:
    if read.total:
        return _("%(file)s: %(done)s of %(total)s rows read…") % {
            "file": job.filename,
            "done": number(min(read.rows, read.total)),
            "total": number(read.total),
        }
    return _("%(file)s: %(done)s rows read…") % {"file": job.filename, "done": number(read.rows)}


async def edit_progress(progress: Message, text: str) -> None:
    with contextlib.suppress(TelegramError):
        await progress.edit_text("📂 " + text)


async def store_rows(
    context: BotContext,
    who: Who,
    job: ImportJob,
    rows: list[ChargeRow],
    progress: Message,
    read: ReadSoFar,
) -> tuple[int, int]:
    """Store the rows not stored before, a chunk per transaction (renewing the chat's
    import claim), with the progress message saying the whole file was read and how many
    new charges are being saved; return how many were added and how many were there
    already."""
    imports = context.service.imports
    holder = context.bot_data.background.holder
    seen = await off_the_loop(context.service, imports.stored_fingerprints, job)
    fresh = await asyncio.to_thread(new_rows, rows, seen)
    del seen
    total = len(fresh)
    if read.rows >= PROGRESS_ROWS:
        text = ngettext(
            "%(file)s: all %(rows)s rows read; saving %(num)s new charge…",
            "%(file)s: all %(rows)s rows read; saving %(num)s new charges…",
            total,
        ) % {"file": job.filename, "rows": number(read.rows), "num": number(total)}
        await edit_progress(progress, text)
    for start in range(0, total, IMPORT_CHUNK_ROWS):
        chunk = fresh[start : start + IMPORT_CHUNK_ROWS]
        await served(context, who, imports.store_chunk, job, chunk)
        await served(context, who, imports.renew, who.chat_id, holder)
        await asyncio.sleep(0)  # the other chats' updates that are ready run now
    return total, len(rows) - total


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


Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def localised(callback: Callback) -> Callback:
    """Run a handler in the chat's language (chosen from the user's Telegram language on
    the chat's first contact, then kept; /language changes it)."""

    @functools.wraps(callback)
    async def run(update: Update, context: BotContext) -> None:
        recorded = _recorded.set(None)
        try:
            if update.effective_chat is None or update.effective_user is None:
                await callback(update, context)
                return
            who = who_of(update)
            if update.callback_query is not None:
                # A button under a message the bot sent: the chat was met before, so its
                # language is read and never chosen and kept here (read per update, a
                # press right after /forget would otherwise bring the chat's row back).
                code = await context.service.store.run(
                    context.followup.chat_language, who.chat_id, who.language_code
                )
            else:
                code = await context.service.store.run(context.service.language_for, who)
            with i18n.speaking(code):
                await callback(update, context)
        except AlreadyHandled:
            # Telegram delivered it again (a retry, another process): applied and answered
            # already, so nothing is done and nothing is sent.
            log.info("Update %s was handled before: not handled again", update.update_id)
        finally:
            _recorded.reset(recorded)

    return run


def members_only(callback: Callback) -> Callback:
    """In a group, run `callback` only for the group's current members (Telegram's
    getChatMember, kept a minute): a public group's buttons can be pressed, and a channel's
    discussion group written in, by people outside it. A stranger's button press gets a
    short answer, a stranger's command a short reply, anything else silence; none of them
    reads or changes anything of the team's. Private chats pass straight through."""

    @functools.wraps(callback)
    async def run(update: Update, context: BotContext) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or chat.type not in GROUP_KINDS:
            await callback(update, context)
            return
        if (await standing(update, context)).member:
            await callback(update, context)
            return
        log.info("Refused update %s: user %s is not in chat %s", update.update_id, user.id, chat.id)
        if update.callback_query is not None:
            # Only the presser sees the answer: in their own language.
            with i18n.speaking(i18n.best_language(user.language_code)):
                await update.callback_query.answer(_(STRANGER_REFUSED))
            return
        message = update.message
        if message is not None and message.text and message.text.startswith("/"):
            code = await context.service.store.run(
                context.followup.chat_language, chat.id, user.language_code
            )
            with i18n.speaking(code):
                await message.reply_text(_(STRANGER_REFUSED))

    return run


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


def telegram_sender(bot: Bot, service: RefundService | None = None) -> Any:
    """The sweep's sender: Telegram's errors turned into what the sweep decides on. With
    `service`, a group card posted again (the old one was deleted) is remembered."""

    async def send(chat_id: int, reply: Reply) -> None:
        try:
            await send_reply(bot, chat_id, reply, service)
        except RetryAfter as error:
            with warnings.catch_warnings():
                # PTB 22 warns that retry_after will become a timedelta; both are handled.
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                delay = error.retry_after
            seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
            raise RetryLater(seconds) from error
        except Forbidden as error:
            raise ChatUnreachable(str(error)) from error
        except BadRequest as error:
            if "chat not found" in str(error).lower():
                raise ChatUnreachable(str(error)) from error
            raise PermanentSendError(str(error)) from error
        except NetworkError as error:  # also TimedOut and Telegram's 5xx answers
            raise TransientSendError(str(error)) from error

    return send


async def sweep_reminders(context: BotContext) -> None:
    """Send the reminders that are due (run by the job queue)."""
    await context.bot_data.sweep.run_once()


async def forget_handled_updates(context: BotContext) -> None:
    """Delete the records of updates too old to be delivered again (run by the job queue)."""
    service = context.service
    await service.store.run(
        service.store.forget_handled_updates, service.clock() - HANDLED_UPDATES_KEPT
    )

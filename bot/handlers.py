"""Telegram handlers: turn each update into one service call and send what it returns.

Handlers stay thin: no SQL, no state-machine calls, no wording — those live in
the service, the domain and the templates.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from telegram import (
    Bot,
    BotCommand,
    ChatMember,
    ForceReply,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ParseMode
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

from bot import i18n
from bot.followup import SETTINGS_PREFIX, SHOW_CASE_PREFIX, FollowUpService
from bot.i18n import N_, _, error_text
from bot.imports import ImportJob, looks_like_export
from bot.keyboards import markup_kwargs
from bot.records import RecordsService
from bot.reminders import (
    ChatUnreachable,
    PermanentSendError,
    ReminderSweep,
    RetryLater,
    TransientSendError,
)
from bot.replies import ButtonResult, Reply, Who
from bot.service import RefundService
from conversations.billing import ExportError, parse_export
from conversations.inputs import storable

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# The command menu: (command, description); the descriptions are translated per language.
COMMAND_MENU = [
    ("new", N_("Look at a charge and write a refund request")),
    ("cases", N_("Your cases")),
    ("settings", N_("Time zone, quiet hours, reply wait")),
    ("language", N_("Change the language")),
    ("help", N_("What I can do")),
    ("cancel", N_("Stop the case you're answering")),
]


def commands() -> list[BotCommand]:
    """The command menu in the current language."""
    return [BotCommand(name, _(description)) for name, description in COMMAND_MENU]


class BotData:
    """What every handler needs; PTB creates it empty and `build_application` fills it."""

    service: RefundService
    sweep: ReminderSweep

    def __init__(self) -> None:
        # (chat, user) -> (valid until, is admin): getChatMember answers, kept briefly.
        self.admins: dict[tuple[int, int], tuple[float, bool]] = {}


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
        chat_title=_typed(chat.title),
        first_name=storable(user.first_name),
        username=_typed(user.username),
        is_admin=chat.type == "private",
        update_id=update.update_id,
        language_code=user.language_code,
    )


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
    may share a PostgreSQL database) and on the store's driver (asyncpg awaits in it)."""
    return await context.service.store.run_for_chat(who.chat_id, work, *args, **kwargs)


ADMIN_CACHE_SECONDS = 300.0


async def with_rights(update: Update, context: BotContext) -> Who:
    """Who sent the update, with their admin status in a group (getChatMember, cached for
    a few minutes), and remembered as a member of the group's team."""
    who = who_of(update)
    if not who.in_group:
        return who
    cache: dict[tuple[int, int], tuple[float, bool]] = context.bot_data.admins
    key = (who.chat_id, who.user_id)
    now = time.monotonic()
    cached = cache.get(key)
    if cached is None or cached[0] < now:
        # Both the admin check and the member's name need refreshing only now and then,
        # not on every command and button press in the group.
        await context.service.store.run(context.service.remember_member, who)
        try:
            member = await context.bot.get_chat_member(who.chat_id, who.user_id)
            is_admin = member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
        except TelegramError:
            # Can't check: treat as a plain member (the safe side for permissions).
            is_admin = False
        cache[key] = (now + ADMIN_CACHE_SECONDS, is_admin)
        cached = cache[key]
    return dataclasses.replace(who, is_admin=cached[1])


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
    if not reply.text:
        return
    thread_id = reply.thread_id
    if reply.create_topic and thread_id is None and service is not None:
        topic = await bot.create_forum_topic(target, reply.create_topic[:128])
        thread_id = topic.message_thread_id
        if reply.card_case_id is not None:
            await service.store.run(service.followup.topic_created, reply.card_case_id, thread_id)
    keyboard = markup_kwargs(reply.buttons)
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


async def start(update: Update, context: BotContext) -> None:
    """Greet the user and explain what the bot does (a deep link's payload starts a case)."""
    payload = storable(context.args[0]) if context.args else ""
    who = await with_rights(update, context)
    await send_replies(
        update, context, await served(context, who, context.service.start, who, payload)
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


async def settings(update: Update, context: BotContext) -> None:
    """Show or change the time zone, quiet hours and reply wait."""
    words = command_words(context)
    who = await with_rights(update, context)
    replies = await served(context, who, context.followup.settings, who, words)
    await send_replies(update, context, replies)


async def assign(update: Update, context: BotContext) -> None:
    """Give a case of this group to a member: /assign 12 @name."""
    who = await with_rights(update, context)
    words = command_words(context)
    replies = await served(context, who, context.followup.assign, who, words)
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
    status = change.new_chat_member.status
    if status in (ChatMember.LEFT, ChatMember.BANNED):
        await served(context, who, context.service.bot_removed, who)
        return
    if change.old_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED):
        replies = await served(context, who, context.service.bot_added, who)
        await send_replies(update, context, replies)


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
            filename = name or "export.csv"
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
    data = storable(query.data or "")
    who = await with_rights(update, context)
    if data.startswith("k:"):
        result = await served(context, who, context.followup.on_button, who, data)
    elif data.startswith("m:imp:case:"):
        result = await served(context, who, context.service.start_from_charges, who, data)
    elif data.startswith("m:imp:"):
        await query.answer()
        job = await served(context, who, context.service.imports.on_button, who, data)
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
    """Send the chat's cases as one zip: cases.csv and a Markdown file per case."""
    who = await with_rights(update, context)
    await send_replies(update, context, await served(context, who, context.records.export, who))


async def forget(update: Update, context: BotContext) -> None:
    """Ask, then delete everything the bot holds about the user (private chat only)."""
    who = await with_rights(update, context)
    await send_replies(update, context, await served(context, who, context.records.forget, who))


async def import_command(update: Update, context: BotContext) -> None:
    """Explain how to send the billing export."""
    who = who_of(update)
    replies = await served(context, who, context.service.imports.explain, who)
    await send_replies(update, context, replies)


async def run_import(
    update: Update, context: BotContext, who: Who, job: ImportJob | list[Reply]
) -> None:
    """Download and read an export off the event loop, showing progress, then report."""
    if not isinstance(job, ImportJob):
        await send_replies(update, context, job)
        return
    imports = context.service.imports
    rules = context.service.policy.import_rules
    progress = await context.bot.send_message(
        who.chat_id, "📂 " + _("Reading %(file)s…") % {"file": job.filename}
    )
    try:
        file = await context.bot.get_file(job.file_id)
        data = bytes(await file.download_as_bytearray())
        # Parsing 100,000 rows takes about a second: not on the loop other users share.
        report = await asyncio.to_thread(
            parse_export,
            data,
            job.filename,
            mapping=job.mapping,
            default_currency=job.currency,
            max_bytes=rules.max_bytes,
            max_rows=rules.max_rows,
        )
    except ExportError as error:
        replies = imports.refused(error_text(error))
    except TelegramError:
        replies = imports.refused(
            _("I couldn't fetch that file from Telegram. Please send it again.")
        )
    else:
        replies = await served(context, who, imports.finish, who, job, report)
    first, rest = replies[0], replies[1:]
    if first.buttons or not isinstance(progress, Message):
        rest = replies
    else:
        with contextlib.suppress(BadRequest):
            await progress.edit_text(first.text, parse_mode=ParseMode.HTML)
    await send_replies(update, context, rest)


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


Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def localised(callback: Callback) -> Callback:
    """Run a handler in the chat's language (chosen from the user's Telegram language on
    the chat's first contact, then kept; /language changes it)."""

    @functools.wraps(callback)
    async def run(update: Update, context: BotContext) -> None:
        if update.effective_chat is None or update.effective_user is None:
            await callback(update, context)
            return
        who = who_of(update)
        code = await context.service.store.run(context.service.language_for, who)
        with i18n.speaking(code):
            await callback(update, context)

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
        ("settings", settings),
        ("assign", assign),
        ("accounts", accounts),
        ("import", import_command),
        ("export", export),
        ("forget", forget),
    ):
        application.add_handler(CommandHandler(name, localised(command)))
    application.add_handler(
        ChatMemberHandler(localised(membership), ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(CallbackQueryHandler(localised(button)))
    application.add_handler(
        MessageHandler(filters.PHOTO | filters.VIDEO | filters.Document.ALL, localised(attachment))
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
            filters.TEXT & (filters.ChatType.PRIVATE | ~filters.COMMAND), localised(text)
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

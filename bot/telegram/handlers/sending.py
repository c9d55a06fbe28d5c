"""Sending what the service returns: one reply (file, photo, text and keyboard, or an edit),
progress messages, and the reminder sweep's sender."""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Any

from telegram import Bot, ForceReply, InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.app.intake.service import RefundService
from bot.app.reminders.sending import (
    ChatUnreachable,
    PermanentSendError,
    RetryLater,
    TransientSendError,
)
from bot.telegram.handlers.context import BotContext
from bot.telegram.keyboards import markup_kwargs
from bot.views.i18n import _
from bot.views.replies import Reply, Who


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

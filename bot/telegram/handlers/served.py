"""How a handler runs a service call: under the chat's lock, once per update, in the chat's
language, and in a group for its members only."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from telegram import Update

from bot.app.intake.service import RefundService
from bot.db.records import AlreadyHandled
from bot.telegram.handlers.context import GROUP_KINDS, BotContext, who_of
from bot.telegram.membership import Standing
from bot.views import i18n
from bot.views.i18n import _
from bot.views.replies import Who
from conversations.texts import N_

# One logger for all the handlers, as before they were split into modules.
log = logging.getLogger("bot.telegram.handlers")

P = ParamSpec("P")
T = TypeVar("T")


# The update whose handling has recorded it already (see `served`); `localised` starts
# every update's handling with none.
_recorded: ContextVar[int | None] = ContextVar("refundbot_recorded", default=None)


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
    work = _language_first(work)
    if not who.known_update_id or _recorded.get() == who.update_id:
        return await store.run_for_chat(who.chat_id, work, *args, **kwargs)
    mark = (who.update_id, who.update_key)  # the id, and which update it was
    result = await store.run_update(who.chat_id, mark, work, *args, **kwargs)
    _recorded.set(who.update_id)
    return result


def _language_first(work: Callable[P, T]) -> Callable[P, T]:
    """`work`, after the chat's language if `localised` left it to read: in the service
    call's own transaction, and before the call changes it (/forget deletes it, /language
    sets another), as a read before the call would have found it."""

    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        i18n.current()
        return work(*args, **kwargs)

    return run


def nothing_to_change() -> None:
    """For `served` when an update's only effects are what it sends: it records the update
    (so a redelivery sends nothing) and changes nothing else."""


async def off_the_loop(
    service: RefundService, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run reading `work` where it doesn't hold up other chats: in a thread with a
    synchronous driver (SQLite's reads don't block its writers), on the loop through the
    greenlet bridge with asyncpg (which awaits the database there)."""
    if service.store.is_async:
        return await service.store.run(work, *args, **kwargs)
    return await asyncio.to_thread(work, *args, **kwargs)


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


Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def localised(callback: Handler) -> Handler:
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
            store = context.service.store
            if update.callback_query is not None:
                # A button under a message the bot sent: the chat was met before, so its
                # language is read and never chosen and kept here (read per update, a
                # press right after /forget would otherwise bring the chat's row back).
                read = functools.partial(
                    context.followup.chat_language, who.chat_id, who.language_code
                )
            else:
                read = functools.partial(context.service.language_for, who)
            if store.is_async:
                # asyncpg answers only awaited: read before anything is rendered.
                with i18n.speaking(await store.run(read)):
                    await callback(update, context)
            else:
                # Read where the first text is rendered: in the update's own transaction
                # when that is its first service call (one transaction fewer an update).
                with i18n.speaking_when_needed(read):
                    await callback(update, context)
        except AlreadyHandled:
            # Telegram delivered it again (a retry, another process): applied and answered
            # already, so nothing is done and nothing is sent.
            log.info("Update %s was handled before: not handled again", update.update_id)
        finally:
            _recorded.reset(recorded)

    return run


def members_only(callback: Handler) -> Handler:
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

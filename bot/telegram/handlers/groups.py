"""Group events: the bot added or removed, people joining and leaving."""

from __future__ import annotations

from telegram import ChatMember, Update

from bot.telegram.handlers.context import GROUP_KINDS, BotContext, who_of
from bot.telegram.handlers.files import send_replies
from bot.telegram.handlers.served import served
from bot.telegram.membership import standing_of
from bot.views.replies import Who


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

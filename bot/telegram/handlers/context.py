"""What every handler is given: the bot's shared data, the typed context, and who sent an update."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CallbackContext, ExtBot

from bot.app.cases.service import FollowUpService
from bot.app.intake.service import RefundService
from bot.app.records.service import RecordsService
from bot.app.reminders.sweep import ReminderSweep
from bot.telegram.background import BackgroundWork
from bot.telegram.membership import Memberships
from bot.views.replies import Who
from conversations.inputs import mask_card_numbers, storable


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
        username=typed(user.username),
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


def typed(value: str | None) -> str | None:
    """Text from the update (a caption, file name, name) without what no database stores.
    Every piece of user text the handlers read passes `storable` (here, in `who_of`,
    `command_words`, the text and button handlers) before it reaches the service."""
    return None if value is None else storable(value)


def command_words(context: BotContext) -> str:
    """A command's words after the command, as one storable string."""
    return storable(" ".join(context.args or []))


GROUP_KINDS = (ChatType.GROUP, ChatType.SUPERGROUP)

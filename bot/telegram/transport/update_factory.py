"""Updates built the way Telegram sends them, for one user in one chat."""

from __future__ import annotations

import itertools
import time
from typing import Any

from telegram import Bot, Update

from bot.telegram.transport.api import InProcessBotApi
from bot.telegram.transport.shapes import BOT_USER, chat_json, chat_member, user_json


class UpdateFactory:
    """Builds updates as Telegram would deliver them for one user in one chat."""

    # Telegram's update ids only grow, and an update whose id is not above the last one
    # applied is taken for a redelivery and ignored. Starting from the clock keeps ids
    # growing across runs; `after` (the newest id the database has seen) keeps that true
    # when the clock has moved back since (tests/bot/test_terminal.py runs under faketime).
    _update_ids = itertools.count(int(time.time() * 1000))
    _message_ids = itertools.count(1)

    def __init__(
        self,
        bot: Bot,
        user_id: int = 1001,
        chat_id: int | None = None,
        first_name: str = "Alex",
        after: int = 0,
    ) -> None:
        if after >= int(time.time() * 1000):
            self._update_ids = itertools.count(after + 1)
        self.bot = bot
        self.user = user_json(user_id, first_name)
        self.chat = chat_json(chat_id if chat_id is not None else user_id)
        # The user is in this chat with the bot, so the bot may write to it.
        if bot is not None and isinstance(bot.request, InProcessBotApi):
            bot.request.open_chat(self.chat["id"])

    def _message(self, **fields: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            **fields,
        }

    def _update(self, **fields: Any) -> Update:
        update = Update.de_json({"update_id": next(self._update_ids), **fields}, self.bot)
        assert update is not None
        return update

    def text(self, text: str) -> Update:
        """A typed message; a leading /command is marked as Telegram marks it."""
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._update(message=self._message(**fields))

    def button(self, data: str, message_id: int = 1) -> Update:
        """A tap on an inline button with `data`, under the bot's message `message_id`."""
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self.chat,
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": str(next(self._update_ids)),
            "from": self.user,
            "chat_instance": f"ci{self.chat['id']}",
            "data": data,
            "message": message,
        }
        return self._update(callback_query=query)

    def bot_membership(self, old: str, new: str) -> Update:
        """The bot's own membership in this chat changed (added: left → member)."""
        new_member: dict[str, Any] = {"status": new, "user": BOT_USER}
        if new == "kicked":
            new_member["until_date"] = 0
        change = {
            "chat": self.chat,
            "from": self.user,
            "date": int(time.time()),
            "old_chat_member": {"status": old, "user": BOT_USER},
            "new_chat_member": new_member,
        }
        return self._update(my_chat_member=change)

    def member_change(self, old: str, new: str, *, is_member: bool = False) -> Update:
        """This user's membership of this group changed (a chat_member update, which
        Telegram sends to bots that administer the group): "member" → "left", say."""
        change = {
            "chat": self.chat,
            "from": self.user,
            "date": int(time.time()),
            "old_chat_member": chat_member(self.user, old),
            "new_chat_member": chat_member(self.user, new, is_member=is_member),
        }
        return self._update(chat_member=change)

    def left(self) -> Update:
        """The group's "… left the group" notice about this user (every bot gets these)."""
        return self._update(message=self._message(left_chat_member=self.user))

    def document(self, file_id: str, file_name: str, caption: str | None = None) -> Update:
        fields: dict[str, Any] = {
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id[-16:],
                "file_name": file_name,
            }
        }
        if caption:
            fields["caption"] = caption
        return self._update(message=self._message(**fields))

    def video(self, file_id: str, caption: str | None = None) -> Update:
        """A video (a screen recording, say), sent as a video rather than as a file."""
        video = {
            "file_id": file_id,
            "file_unique_id": file_id[-16:],
            "width": 1280,
            "height": 720,
            "duration": 12,
            "file_name": "recording.mp4",
        }
        fields: dict[str, Any] = {"video": video}
        if caption:
            fields["caption"] = caption
        return self._update(message=self._message(**fields))

    def sticker(self, file_id: str = "sticker-1") -> Update:
        """A sticker (one of the messages the bot can't read)."""
        sticker = {
            "file_id": file_id,
            "file_unique_id": file_id[-16:],
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return self._update(message=self._message(sticker=sticker))

    def photo(self, file_id: str, caption: str | None = None) -> Update:
        sizes = [
            {"file_id": f"{file_id}-s", "file_unique_id": "s", "width": 90, "height": 90},
            {"file_id": file_id, "file_unique_id": "l", "width": 1280, "height": 960},
        ]
        fields: dict[str, Any] = {"photo": sizes}
        if caption:
            fields["caption"] = caption
        return self._update(message=self._message(**fields))

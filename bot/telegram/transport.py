"""A Bot API that lives in this process, and updates built the way Telegram sends them.

The terminal chat and the flow tests run the real PTB `Application` against
`InProcessBotApi` instead of the network: it answers each method as Telegram
would (with just enough of a result for PTB to parse) and records every call.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Update
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.telegram.api_rules import Refused, check_markup, check_text

BOT_USER: dict[str, Any] = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Refund Guide",
    "username": "refund_guide_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


# What a restricted member may not do (getChatMember's "restricted" carries each).
RESTRICTED_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_react_to_messages",
)


@dataclass
class ApiCall:
    """One request the bot made: the method, its parameters and any uploaded files."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    message_id: int | None = None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button, row by row."""
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if not markup:
            return []
        return [
            (
                button["text"],
                button.get("callback_data")
                or button.get("url")
                or (button.get("web_app") or {}).get("url", ""),
            )
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]


@dataclass
class Fault:
    """How the fake API answers one future send: an HTTP error, or a time-out."""

    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    timeout: bool = False
    chat_id: int | None = None  # only sends to this chat fail (None: the next send)
    method: str | None = None  # only this method fails (None: a send, see SENDS)


class InProcessBotApi(BaseRequest):
    """Answers Bot API requests in-process and records them (optionally telling `on_call`).

    `faults` (oldest first) make the next sends fail as Telegram can: 429 with
    retry_after, 403, 5xx, or a time-out. A failed send is recorded in `failed`.
    `delay` seconds pass before each answer, as a network round trip would (the call is
    recorded when it is answered); 0 answers at once.

    It refuses what Telegram refuses (`bot/telegram/api_rules.py`), with a 400 as Telegram
    answers: texts and captions too long or empty, HTML its parser refuses, callback data
    over 64 bytes, sends to a chat it has never seen (`open_chat`: an update from a chat
    opens it, as a user's first message does), and edits of a message it never sent there
    or that wouldn't change ("message is not modified"). A refused call is recorded in
    `bad_requests`, not in `calls`. `strict=False` takes everything, for the benchmarks,
    whose scripted users press buttons under messages they never saw and which measure the
    bot, not what Telegram would refuse.
    """

    SENDS = ("sendMessage", "sendDocument", "sendPhoto")
    # Methods that act on a chat, which must be one Telegram knows the bot in.
    IN_A_CHAT = (
        *SENDS,
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "deleteMessage",
        "createForumTopic",
        "sendChatAction",
        "pinChatMessage",
    )
    EDITS = ("editMessageText", "editMessageReplyMarkup", "editMessageCaption")

    def __init__(
        self,
        on_call: Callable[[ApiCall], None] | None = None,
        delay: float = 0.0,
        *,
        strict: bool = True,
    ) -> None:
        self.delay = delay
        self.strict = strict
        self.calls: list[ApiCall] = []
        self.failed: list[ApiCall] = []
        self.faults: list[Fault] = []
        # (chat id, user id) of group administrators, for getChatMember.
        self.admins: set[tuple[int, int]] = set()
        # Everyone else's status in each group, for getChatMember: "member", "creator",
        # "restricted" (with `is_member`), "left" or "kicked". Someone never set here
        # is a stranger to the group ("left"); see `set_member`.
        self.members: dict[tuple[int, int], tuple[str, bool]] = {}
        # Files users "sent", by file id, for getFile and the download that follows.
        self.files: dict[str, bytes] = {}
        self.on_call = on_call
        self._message_ids = itertools.count(1000)
        # Chats the bot is in (an update came from them), and what each message the bot
        # sent shows now, by (chat id, message id): its text or caption and keyboard.
        self.chats: set[int] = set()
        self.shown: dict[tuple[int, int], tuple[str, Any]] = {}
        self.bad_requests: list[tuple[ApiCall, str]] = []

    def open_chat(self, chat_id: int) -> None:
        """Let the bot send to `chat_id` from now on (a user wrote to it, or added it to a
        group)."""
        self.chats.add(int(chat_id))

    def set_member(
        self, chat_id: int, user_id: int, status: str = "member", *, is_member: bool = True
    ) -> None:
        """Say what getChatMember answers for `user_id` in the group `chat_id` from now on
        (`is_member` counts for "restricted" only, as in the Bot API)."""
        self.members[(chat_id, user_id)] = (status, is_member)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if self.delay:
            await asyncio.sleep(self.delay)
        if "/file/bot" in url:
            # A download of a file users sent (getFile gave its path: the file id).
            path = urllib.parse.unquote(url.split("/file/bot", 1)[1].split("/", 1)[1])
            stored = self.files.get(path)
            if stored is None:
                return 404, b'{"ok": false, "error_code": 404, "description": "Not Found"}'
            return 200, stored
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files: dict[str, tuple[str, bytes]] = {}
        if request_data is not None and request_data.contains_files:
            for name, part in request_data.multipart_data.items():
                content = part[1]
                files[name] = (str(part[0]), content if isinstance(content, bytes) else b"")
        call = ApiCall(api_method, params, files)
        fault = self._fault_for(api_method, params)
        if fault is not None:
            self.failed.append(call)
            if fault.timeout:
                raise TimedOut("fake time-out")
            body: dict[str, Any] = {
                "ok": False,
                "error_code": fault.status,
                "description": fault.description,
            }
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
            return fault.status, json.dumps(body).encode()
        try:
            if self.strict:
                self._check(call)
        except Refused as refusal:
            self.bad_requests.append((call, refusal.description))
            body = {"ok": False, "error_code": 400, "description": refusal.description}
            return 400, json.dumps(body).encode()
        result = self._result(call)
        self._remember(call)
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _check(self, call: ApiCall) -> None:
        """Raise `Refused` where Telegram would answer this call with 400."""
        params = call.params
        if (
            call.method in self.IN_A_CHAT
            and "chat_id" in params
            and _chat_id(params["chat_id"]) not in self.chats
        ):
            raise Refused("Bad Request: chat not found")
        if call.method in ("sendMessage", "editMessageText"):
            check_text(params.get("text"), params.get("parse_mode"))
        if call.method in ("sendPhoto", "sendDocument", "editMessageCaption"):
            check_text(params.get("caption"), params.get("parse_mode"), caption=True)
        if "reply_markup" in params:
            check_markup(params["reply_markup"])
        if call.method in self.EDITS and "chat_id" in params:
            key = (_chat_id(params["chat_id"]), int(params["message_id"]))
            if key not in self.shown:
                raise Refused("Bad Request: message to edit not found")
            text, markup = self.shown[key]
            new_text = text if call.method == "editMessageReplyMarkup" else _shown(call)
            if (new_text, _markup(params.get("reply_markup"))) == (text, markup):
                raise Refused(
                    "Bad Request: message is not modified: specified new message content "
                    "and reply markup are exactly the same as a current content and reply "
                    "markup of the message"
                )

    def _remember(self, call: ApiCall) -> None:
        """Keep what a sent or edited message shows, for later edits' checks."""
        params = call.params
        if call.method in self.SENDS and call.message_id is not None:
            key = (_chat_id(params["chat_id"]), call.message_id)
            self.shown[key] = (_shown(call), _markup(params.get("reply_markup")))
        elif call.method in self.EDITS and "chat_id" in params:
            key = (_chat_id(params["chat_id"]), int(params["message_id"]))
            text, _old = self.shown.get(key, ("", None))
            if call.method != "editMessageReplyMarkup":
                text = _shown(call)
            self.shown[key] = (text, _markup(params.get("reply_markup")))
        elif call.method == "deleteMessage":
            self.shown.pop((_chat_id(params["chat_id"]), int(params["message_id"])), None)

    def _fault_for(self, method: str, params: dict[str, Any]) -> Fault | None:
        for i, fault in enumerate(self.faults):
            if method != fault.method and (fault.method is not None or method not in self.SENDS):
                continue
            if fault.chat_id is None or str(fault.chat_id) == str(params.get("chat_id")):
                return self.faults.pop(i)
        return None

    def _result(self, call: ApiCall) -> Any:
        if call.method == "getMe":
            return BOT_USER
        if call.method in ("sendMessage", "sendDocument", "sendPhoto"):
            call.message_id = next(self._message_ids)
            message: dict[str, Any] = {
                "message_id": call.message_id,
                "date": int(time.time()),
                "chat": _chat(int(call.params["chat_id"])),
                "from": BOT_USER,
            }
            if call.method == "sendMessage":
                message["text"] = call.params.get("text", "")
            elif call.method == "sendPhoto":
                # Telegram answers with the sizes it made of the picture; one will do.
                message["photo"] = [
                    {
                        "file_id": f"photo-{call.message_id}",
                        "file_unique_id": f"p{call.message_id}",
                        "width": 1,
                        "height": 1,
                    }
                ]
                if call.params.get("caption"):
                    message["caption"] = call.params["caption"]
            else:
                message["document"] = {
                    "file_id": f"doc-{call.message_id}",
                    "file_unique_id": f"u{call.message_id}",
                }
            return message
        if call.method == "getUpdates":
            return []
        if call.method == "getFile":
            file_id = str(call.params["file_id"])
            return {
                "file_id": file_id,
                "file_unique_id": file_id[-16:],
                "file_size": len(self.files.get(file_id, b"")),
                "file_path": file_id,
            }
        if call.method == "createForumTopic":
            call.message_id = next(self._message_ids)
            return {
                "message_thread_id": call.message_id,
                "name": call.params["name"],
                "icon_color": 7322096,
            }
        if call.method == "getChatMember":
            chat_id, user_id = int(call.params["chat_id"]), int(call.params["user_id"])
            return self._chat_member(chat_id, user_id)
        return True

    def _chat_member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        if (chat_id, user_id) in self.admins:
            return chat_member(_user(user_id, "Member"), "administrator")
        status, is_member = self.members.get((chat_id, user_id), ("left", False))
        return chat_member(_user(user_id, "Member"), status, is_member=is_member)

    # --- what tests look at ------------------------------------------------------

    def sent(self, method: str = "sendMessage") -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def clear(self) -> None:
        self.calls.clear()


def _chat_id(value: Any) -> int:
    return int(value)


def _shown(call: ApiCall) -> str:
    """The raw text (or caption) a call shows, as Telegram compares it for edits."""
    return str(call.params.get("text", call.params.get("caption", "")) or "")


def _markup(markup: Any) -> Any:
    """A keyboard in one form (the JSON the request carried, or nothing), for comparing."""
    if isinstance(markup, str):
        markup = json.loads(markup)
    return json.dumps(markup or None, sort_keys=True)


def chat_member(user: dict[str, Any], status: str, *, is_member: bool = True) -> dict[str, Any]:
    """A ChatMember as the Bot API gives it, with each status's required fields."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "administrator":
        member.update(
            {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        )
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == "kicked":
        member["until_date"] = 0
    elif status == "restricted":
        member.update({"is_member": is_member, "until_date": 0, "can_edit_tag": False})
        for right in RESTRICTED_RIGHTS:
            member[right] = False
    return member


def _chat(chat_id: int, title: str | None = None) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "User"}
    return {"id": chat_id, "type": "supergroup", "title": title or "Team"}


def _user(user_id: int, first_name: str, language_code: str = "en") -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": language_code,
    }


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
        self.user = _user(user_id, first_name)
        self.chat = _chat(chat_id if chat_id is not None else user_id)
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

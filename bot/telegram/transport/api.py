"""A Bot API that lives in this process: it answers each method as Telegram would (with just
enough of a result for PTB to parse), refuses what Telegram refuses, and records every
call."""

from __future__ import annotations

import asyncio
import itertools
import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.telegram.api_rules import Refused, check_markup, check_text
from bot.telegram.transport.calls import ApiCall, Fault, markup_key, shown_text
from bot.telegram.transport.shapes import BOT_USER, chat_member, sent_message, user_json


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
            new_text = text if call.method == "editMessageReplyMarkup" else shown_text(call)
            if (new_text, markup_key(params.get("reply_markup"))) == (text, markup):
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
            self.shown[key] = (shown_text(call), markup_key(params.get("reply_markup")))
        elif call.method in self.EDITS and "chat_id" in params:
            key = (_chat_id(params["chat_id"]), int(params["message_id"]))
            text, _old = self.shown.get(key, ("", None))
            if call.method != "editMessageReplyMarkup":
                text = shown_text(call)
            self.shown[key] = (text, markup_key(params.get("reply_markup")))
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
            return sent_message(call.method, call.params, call.message_id)
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
            return chat_member(user_json(user_id, "Member"), "administrator")
        status, is_member = self.members.get((chat_id, user_id), ("left", False))
        return chat_member(user_json(user_id, "Member"), status, is_member=is_member)

    # --- what tests look at ------------------------------------------------------

    def sent(self, method: str = "sendMessage") -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def clear(self) -> None:
        self.calls.clear()


def _chat_id(value: Any) -> int:
    return int(value)

"""The repair proxy in front of the emulator: where telegram-test-api 4.2.1's deviations from
the Bot API are repaired, so that the bot's production code runs unchanged (see the module
docstring of the tests for the list). Nothing here is imported by production code."""
# Over 400 lines: one HTTP handler for every Bot API method the emulator gets wrong.

from __future__ import annotations

import email.policy
import html
import json
import re
import secrets
import struct
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx

# The emulator's getMe answers this bot (id and username are fixed in telegram-test-api).
BOT_USER: dict[str, Any] = {
    "id": 666,
    "is_bot": True,
    "first_name": "Test First name",
    "username": "TestNameBot",
}
BOT_USERNAME = str(BOT_USER["username"])

# How long the proxy holds a getUpdates open when nothing is pending (the emulator answers
# at once): short, so that a stopping bot is never held up.
LONG_POLL_CAP = 1.0
POLL_EVERY = 0.02
# Methods the emulator lacks but PTB calls on every start: answered here with `true`.
LOCAL_TRUE = frozenset({"setMyCommands", "deleteMyCommands", "deleteWebhook", "setChatMenuButton"})
# Fields of a sent message the Bot API answers with (the emulator echoes the request too).
MESSAGE_FIELDS = ("message_id", "date", "edit_date", "chat", "from", "text", "reply_markup")

_TAGS = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Telegram HTML as the user reads it."""
    return html.unescape(_TAGS.sub("", text))


def _fix_dates(value: Any) -> Any:
    """Milliseconds since the epoch to seconds, wherever a date is."""
    if isinstance(value, dict):
        fixed = {key: _fix_dates(item) for key, item in value.items()}
        for key in ("date", "edit_date"):
            stamp = fixed.get(key)
            if isinstance(stamp, int) and stamp > 10**11:
                fixed[key] = stamp // 1000
        return fixed
    if isinstance(value, list):
        return [_fix_dates(item) for item in value]
    return value


def _parse_markup(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return None
    return raw


@dataclass(frozen=True)
class _StoredFile:
    """A file a user sent, as the Bot API server keeps it: where it serves it, its bytes."""

    file_path: str
    data: bytes


@dataclass(frozen=True)
class SentPhoto:
    """A photo the bot sent (sendPhoto), as the proxy received it."""

    chat_id: int
    message_id: int
    filename: str
    data: bytes
    caption: str
    buttons: tuple[tuple[str, str], ...]

    @property
    def plain_caption(self) -> str:
        return plain(self.caption)


def multipart_fields(body: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    """A multipart/form-data body's fields: name → (file name or None, bytes)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = (part.get_filename(), payload)
    return fields


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; (0, 0) for anything else."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) < 24:
        return 0, 0
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@dataclass
class _BotState:
    """What the proxy keeps per bot token: updates fetched from the emulator and not yet
    confirmed by an `offset`, and whether the bot has started polling."""

    pending: list[dict[str, Any]] = field(default_factory=list)
    polls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class RepairProxy:
    """A Bot API server for the bot, made of the emulator plus repairs (see the tests'
    module docstring); runs in a thread of the test process."""

    def __init__(self, emulator_url: str) -> None:
        self.emulator_url = emulator_url
        self.client = httpx.Client(base_url=emulator_url, timeout=10)
        self.chats: dict[int, dict[str, Any]] = {}
        # (group, user) of everyone seen writing in a group: the emulator keeps no member
        # lists, so these are the group's members for getChatMember.
        self.members: set[tuple[int, int]] = set()
        self.calls: list[tuple[str, str]] = []  # (token, method), for assertions and waits
        self.downloads: list[tuple[str, str]] = []  # (token, file_path) served
        self.photos: dict[str, list[SentPhoto]] = {}  # token → photos the bot sent
        self._files: dict[tuple[str, str], _StoredFile] = {}  # (token, file_id) → file
        self._bots: dict[str, _BotState] = {}
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, answer = proxy.handle(
                    self.path, body, self.headers.get("Content-Type") or ""
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                served = proxy.file_content(self.path)
                if served is None:
                    self.do_POST()
                    return
                status, data = served
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return None  # the URL holds the token; the bot's own log is enough

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        self.client.close()

    def bot(self, token: str) -> _BotState:
        with self._lock:
            return self._bots.setdefault(token, _BotState())

    def polls(self, token: str) -> int:
        return self.bot(token).polls

    # --- files: getFile and the file route, which the emulator lacks ---------------------

    def add_file(self, token: str, file_id: str, file_path: str, data: bytes) -> None:
        """Keep a file a user is about to send, as the Bot API server would have it."""
        self._files[(token, file_id)] = _StoredFile(file_path, data)

    def get_file(self, token: str, params: dict[str, Any]) -> tuple[int, Any]:
        """getFile as the Bot API answers it: the file's `file_path`, relative to the
        server's file route (GET /file/bot<token>/<file_path>, served below)."""
        file_id = str(params.get("file_id") or "")
        stored = self._files.get((token, file_id))
        if stored is None:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: invalid file_id",
            }
        result = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }
        return 200, {"ok": True, "result": result}

    def file_content(self, path: str) -> tuple[int, bytes] | None:
        """(status, bytes) for GET /file/bot<token>/<file_path>; None for other routes. Only
        the bot a file was sent to can fetch it, as on the official server."""
        # PTB percent-encodes the path (the token's ":" comes as %3A), as HTTP clients may.
        match = re.fullmatch(r"/file/bot([^/]+)/(.+)", unquote(path.split("?", 1)[0]))
        if match is None:
            return None
        token, file_path = match.groups()
        for (owner, _), stored in list(self._files.items()):
            if owner == token and stored.file_path == file_path:
                self.downloads.append((token, file_path))
                return 200, stored.data
        return 404, b"Not Found"

    # --- one request ----------------------------------------------------------------

    def handle(self, path: str, body: bytes, content_type: str) -> tuple[int, Any]:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", path.split("?", 1)[0])
        if match is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = match.groups()
        self.calls.append((token, method))
        params: dict[str, Any] = {}
        if content_type.startswith("application/x-www-form-urlencoded"):
            params = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        elif content_type.startswith("application/json") and body:
            params = json.loads(body)
        if method in LOCAL_TRUE:
            return 200, {"ok": True, "result": True}
        if method == "getFile":
            return self.get_file(token, params)
        if method == "getUpdates":
            return 200, {"ok": True, "result": self.get_updates(token, params)}
        if method == "getChatMember":
            return 200, {"ok": True, "result": self.chat_member(params)}
        if method == "sendPhoto":
            return self.send_photo(token, body, content_type, params)
        answer = self.client.post(
            f"/bot{token}/{method}", content=body, headers={"Content-Type": content_type}
        )
        try:
            data = answer.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict) or "ok" not in data:
            # Methods it lacks answer HTTP 500 with {"message": ...}.
            description = data.get("message") if isinstance(data, dict) else None
            code = answer.status_code if answer.status_code >= 400 else 500
            return code, {
                "ok": False,
                "error_code": code,
                "description": description or answer.text[:200],
            }
        if not data["ok"]:
            # Errors come as HTTP 200 with ok: false; the Bot API uses the error's status.
            code = int(data.get("error_code") or 400)
            return code, {
                "ok": False,
                "error_code": code,
                "description": data.get("description") or "Bad Request",
            }
        return 200, {"ok": True, "result": self.fix_result(method, params, data.get("result"))}

    # --- sendPhoto, which the emulator lacks ------------------------------------------

    def send_photo(
        self, token: str, body: bytes, content_type: str, params: dict[str, Any]
    ) -> tuple[int, Any]:
        """sendPhoto as the Bot API answers it. An upload (multipart/form-data, as PTB sends
        a new picture) is kept here for the tests to read (`photos`); the emulator gets the
        caption and buttons as a message, so the chat's history shows it (its caption as
        the text) and its buttons can be pressed. The answer is a photo message: `photo`
        sizes and `caption`, no text."""
        fields: dict[str, tuple[str | None, bytes]] = {}
        if content_type.startswith("multipart/form-data"):
            fields = multipart_fields(body, content_type)
            params = {k: v.decode() for k, (filename, v) in fields.items() if filename is None}
        filename, data = fields.get("photo", (None, b""))
        if not data:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: there is no photo in the request",
            }
        caption = str(params.get("caption") or "")
        if len(plain(caption)) > 1024:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message caption is too long",
            }
        relay: dict[str, Any] = {"chat_id": params["chat_id"], "text": caption or "🖼"}
        if params.get("reply_markup"):
            relay["reply_markup"] = params["reply_markup"]
        status, answer = self.handle(
            f"/bot{token}/sendMessage", json.dumps(relay).encode(), "application/json"
        )
        if status != 200:
            return status, answer
        message = dict(answer["result"])
        width, height = png_size(data)
        file_id = f"photo-{secrets.token_hex(8)}"
        message.pop("text", None)
        message["photo"] = [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": width,
                "height": height,
                "file_size": len(data),
            }
        ]
        if caption:
            message["caption"] = plain(caption)
        shown = SentPhoto(
            chat_id=int(params["chat_id"]),
            message_id=int(message["message_id"]),
            filename=filename or "",
            data=data,
            caption=caption,
            buttons=_buttons({"reply_markup": params.get("reply_markup")}),
        )
        with self._lock:
            self.photos.setdefault(token, []).append(shown)
        return 200, {"ok": True, "result": message}

    def fix_result(self, method: str, params: dict[str, Any], result: Any) -> Any:
        if method == "getMe" and isinstance(result, dict):
            return {
                **result,
                "is_bot": True,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "sendMessage" and isinstance(result, dict):
            return self.message(result)
        if method in ("editMessageText", "editMessageReplyMarkup") and result is None:
            # The emulator answers null; the Bot API answers the edited message (or true
            # for an inline message).
            if params.get("inline_message_id"):
                return True
            now = int(time.time())
            edited: dict[str, Any] = {
                "message_id": int(params["message_id"]),
                "chat_id": params["chat_id"],
                "date": now,
                "edit_date": now,
                "text": params.get("text", ""),
                "reply_markup": _parse_markup(params.get("reply_markup")),
            }
            return self.message(edited)
        if result is None:
            return True  # answerCallbackQuery, deleteMessage, setWebhook, …
        return _fix_dates(result)

    def message(self, raw: dict[str, Any]) -> dict[str, Any]:
        """A message the bot sent, as the Bot API shows it: its real chat (the emulator
        calls every chat private), seconds, the bot as sender, no echoed request fields."""
        fixed = _fix_dates(raw)
        chat_id = int(fixed.get("chat_id") or fixed["chat"]["id"])
        fixed["chat"] = self.chats.get(chat_id) or {"id": chat_id, "type": "private"}
        fixed["from"] = BOT_USER
        markup = _parse_markup(fixed.get("reply_markup"))
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            fixed["reply_markup"] = markup
        else:
            fixed.pop("reply_markup", None)
        return {key: fixed[key] for key in MESSAGE_FIELDS if key in fixed}

    def chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        """getChatMember, which the emulator lacks: a plain member for whoever wrote in the
        group, "left" for anyone else (no one is an admin here)."""
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        user = {"id": user_id, "is_bot": False, "first_name": "Member"}
        status = "member" if (chat_id, user_id) in self.members else "left"
        return {"status": status, "user": user}

    # --- getUpdates: offset and a short long poll ----------------------------------------

    def get_updates(self, token: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        state = self.bot(token)
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        deadline = time.monotonic() + wait
        with state.lock:
            state.polls += 1
            while True:
                # The emulator forgets an update once it has answered it; keep each one
                # here until an offset confirms it, as Telegram does.
                fetched = self.client.post(f"/bot{token}/getUpdates").json()
                state.pending.extend(self.update(u) for u in fetched.get("result") or [])
                state.pending = [u for u in state.pending if u["update_id"] >= offset]
                if state.pending or time.monotonic() >= deadline:
                    return state.pending[:limit]
                time.sleep(POLL_EVERY)

    def update(self, raw: dict[str, Any]) -> dict[str, Any]:
        """An update as the Bot API sends it."""
        fixed: dict[str, Any] = _fix_dates(raw)
        for kind in ("message", "edited_message"):
            message = fixed.get(kind)
            if isinstance(message, dict):
                message.pop("botToken", None)
                self._remember(message)
                chat, sender = message.get("chat") or {}, message.get("from") or {}
                if chat.get("type") in ("group", "supergroup") and "id" in sender:
                    self.members.add((int(chat["id"]), int(sender["id"])))
        query = fixed.get("callback_query")
        if isinstance(query, dict):
            query.pop("botToken", None)
            query.setdefault("from", {}).setdefault("is_bot", False)
            message = query.get("message")
            if isinstance(message, dict):
                self._remember(message)
                # Telegram names the chat the button's message is in; the emulator doesn't.
                query.setdefault("chat_instance", str(message["chat"]["id"]))
            else:
                query.setdefault("chat_instance", str(query["from"]["id"]))
        return fixed

    def _remember(self, message: dict[str, Any]) -> None:
        sender = message.get("from")
        if isinstance(sender, dict):
            sender.setdefault("is_bot", False)
        chat = message.get("chat")
        if isinstance(chat, dict) and "id" in chat:
            self.chats[int(chat["id"])] = chat


def _buttons(message: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    markup = _parse_markup(message.get("reply_markup"))
    if not isinstance(markup, dict):
        return ()
    return tuple(
        (
            str(b.get("text", "")),
            str(
                b.get("callback_data") or b.get("url") or (b.get("web_app") or {}).get("url") or ""
            ),
        )
        for row in markup.get("inline_keyboard") or []
        for b in row
    )

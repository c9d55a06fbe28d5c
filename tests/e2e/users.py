"""Scripted users for the end-to-end tests: they talk to the emulator's client routes and
read back what the bot shows them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.e2e.harness import Emulator
from tests.e2e.repair_proxy import BOT_USER, POLL_EVERY, _buttons, plain


@dataclass(frozen=True)
class Shown:
    """One bot message as the chat shows it now (edits applied)."""

    message_id: int
    text: str
    buttons: tuple[tuple[str, str], ...]  # (label, callback_data or url)

    @property
    def plain(self) -> str:
        return plain(self.text)


class ChatUser:
    """One person in one chat, typing and tapping through the emulator's client routes
    (what telegram-test-api's own TelegramClient does, over HTTP)."""

    QUIET = 0.3  # a reply is complete when the chat has not changed for this long
    TIMEOUT = 15.0

    def __init__(
        self,
        emulator: Emulator,
        token: str,
        user_id: int,
        first_name: str,
        username: str,
        *,
        group: tuple[int, str] | None = None,
        describe: Callable[[], str] = lambda: "",
    ) -> None:
        self.client = httpx.Client(base_url=emulator.url, timeout=10)
        self.token = token
        self.user = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "username": username,
        }
        self.chat: dict[str, Any]
        if group is None:
            self.chat = {
                "id": user_id,
                "type": "private",
                "first_name": first_name,
                "username": username,
            }
        else:
            self.chat = {"id": group[0], "type": "group", "title": group[1]}
        self.chat_id = int(self.chat["id"])
        self.describe = describe  # the bot's log, for failure messages
        self.shown: dict[int, Shown] = {}
        self._changes()

    def close(self) -> None:
        self.client.close()

    # --- acting --------------------------------------------------------------------

    def send(self, text: str) -> list[Shown]:
        """Type `text` (a /command or an answer); returns the messages new or changed."""
        self._changes()
        body: dict[str, Any] = {
            "botToken": self.token,
            "from": self.user,
            "chat": self.chat,
            "date": int(time.time()),
            "text": text,
        }
        route = "/sendMessage"
        if text.startswith("/"):
            body["entities"] = [
                {"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}
            ]
            route = "/sendCommand"
        self._post(route, body)
        return self.wait_reply()

    def send_document(self, file_id: str, file_name: str, size: int) -> None:
        """Send a file (the bytes were given to the proxy with `RepairProxy.add_file`); the
        bot's reply may take a while, so wait for it with `wait_for`."""
        self._changes()
        self._post(
            "/sendMessage",
            {
                "botToken": self.token,
                "from": self.user,
                "chat": self.chat,
                "date": int(time.time()),
                "document": {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "file_name": file_name,
                    "mime_type": "text/csv",
                    "file_size": size,
                },
            },
        )

    def tap(self, label: str, *, exact: bool = False) -> list[Shown]:
        """Tap the button whose label contains `label` in the newest message with buttons."""
        self._changes()
        message = self.last_with_buttons()
        for text, data in message.buttons:
            if (text == label) if exact else (label.casefold() in text.casefold()):
                return self.press(data, message)
        raise AssertionError(f"no button {label!r} in {[t for t, _ in message.buttons]}")

    def press(self, data: str, message: Shown) -> list[Shown]:
        """A callback query with `data` from the bot's `message` (older buttons included)."""
        self._changes()
        self._post(
            "/sendCallback",
            {
                "botToken": self.token,
                "from": self.user,
                "data": data,
                "message": {
                    "message_id": message.message_id,
                    "date": int(time.time()),
                    "chat": self.chat,
                    "from": BOT_USER,
                    "text": message.plain,
                },
            },
        )
        return self.wait_reply()

    def _post(self, route: str, body: dict[str, Any]) -> None:
        answer = self.client.post(route, json=body)
        answer.raise_for_status()

    # --- seeing ----------------------------------------------------------------------

    def _changes(self) -> list[Shown]:
        """Bot messages in this chat that are new or changed since the last look.

        The history route is used because the emulator shows edits only there."""
        history = self.client.post("/getUpdatesHistory", json={"token": self.token}).json()
        changed: list[Shown] = []
        for item in history.get("result") or []:
            message = item.get("message")
            if not isinstance(message, dict) or "chat_id" not in message:
                continue  # a user's message or callback
            if str(message["chat_id"]) != str(self.chat_id):
                continue
            shown = Shown(int(item["messageId"]), str(message.get("text", "")), _buttons(message))
            if self.shown.get(shown.message_id) != shown:
                self.shown[shown.message_id] = shown
                changed.append(shown)
        return changed

    def wait_reply(self) -> list[Shown]:
        """Wait until the bot answered and the chat stayed quiet for a moment."""
        changed: list[Shown] = []
        deadline = time.monotonic() + self.TIMEOUT
        quiet_since = time.monotonic()
        while True:
            fresh = self._changes()
            now = time.monotonic()
            if fresh:
                changed.extend(fresh)
                quiet_since = now
            elif changed and now - quiet_since >= self.QUIET:
                return changed
            if now > deadline:
                raise AssertionError(
                    f"no reply from the bot in chat {self.chat_id}:\n{self.describe()}"
                )
            time.sleep(POLL_EVERY)

    def wait_for(self, needle: str, timeout: float = TIMEOUT) -> Shown:
        """The newest message containing `needle`, waiting for it if need be."""
        deadline = time.monotonic() + timeout
        while True:
            self._changes()
            for message in self.messages()[::-1]:
                if needle in message.plain:
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{needle!r} never showed in chat {self.chat_id}: {self.all_text()!r}\n"
                    f"{self.describe()}"
                )
            time.sleep(POLL_EVERY)

    def mark(self) -> int:
        """The newest message's id: what came later is the answer to what follows."""
        self._changes()
        return max(self.shown, default=0)

    def wait_for_button(self, label: str, after: int, timeout: float = TIMEOUT) -> list[Shown]:
        """The messages newer than `after`, once one of them has a button labelled `label`
        (the last of a reply of several messages)."""
        deadline = time.monotonic() + timeout
        while True:
            self._changes()
            newer = [m for m in self.messages() if m.message_id > after]
            if any(label in text for m in newer for text, _ in m.buttons):
                return newer
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no button {label!r} in chat {self.chat_id}: {self.all_text()!r}\n"
                    f"{self.describe()}"
                )
            time.sleep(POLL_EVERY)

    def messages(self) -> list[Shown]:
        return [self.shown[i] for i in sorted(self.shown)]

    def last_text(self) -> str:
        return self.messages()[-1].plain

    def last_with_buttons(self) -> Shown:
        for message in reversed(self.messages()):
            if message.buttons:
                return message
        raise AssertionError(f"no message with buttons yet in chat {self.chat_id}")

    def all_text(self) -> str:
        return "\n".join(m.plain for m in self.messages())

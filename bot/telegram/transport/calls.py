"""What the fake Bot API records: each call the bot made, and the faults it is told to answer
with."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


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


def shown_text(call: ApiCall) -> str:
    """The raw text (or caption) a call shows, as Telegram compares it for edits."""
    return str(call.params.get("text", call.params.get("caption", "")) or "")


def markup_key(markup: Any) -> Any:
    """A keyboard in one form (the JSON the request carried, or nothing), for comparing."""
    if isinstance(markup, str):
        markup = json.loads(markup)
    return json.dumps(markup or None, sort_keys=True)

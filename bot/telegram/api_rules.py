"""What Telegram's Bot API refuses, checked the way its server checks it.

The in-process Bot API (`bot/telegram/transport/`) answers every test and the terminal chat;
it refuses here what the real server refuses, with the real server's words, so that a
message the bot could never send on Telegram fails a test instead of a user:

- a text over 4,096 characters, a caption over 1,024 (counted as Telegram counts them:
  after the HTML is parsed, in UTF-16 code units), or an empty text;
- HTML that Telegram's parser refuses (an unknown or unclosed tag, a stray `<`, `>` or
  `&`; https://core.telegram.org/bots/api#html-style);
- a button's `callback_data` over 64 bytes, a button without text, a Mini App button
  that isn't https.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

# The tags Telegram's HTML parse mode knows (attributes as the Bot API documents them).
TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_SPECIAL = re.compile(r"[<>&]")


class Refused(Exception):
    """A request Telegram answers with 400 Bad Request; the text is its description."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def utf16_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """The plain text Telegram shows for `text` in HTML parse mode; raise `Refused` where
    its parser would."""
    out: list[str] = []
    open_tags: list[str] = []
    position = 0
    while True:
        special = _SPECIAL.search(text, position)
        if special is None:
            out.append(text[position:])
            break
        out.append(text[position : special.start()])
        char = special.group()
        if char == "&":
            entity = _ENTITY.match(text, special.start())
            if entity is None:
                raise Refused(
                    "Bad Request: can't parse entities: unsupported HTML entity at byte "
                    f"offset {len(text[: special.start()].encode())}"
                )
            out.append(html.unescape(entity.group()))
            position = entity.end()
            continue
        if char == ">":
            raise Refused(
                "Bad Request: can't parse entities: unexpected end tag at byte offset "
                f"{len(text[: special.start()].encode())}"
            )
        tag = _TAG.match(text, special.start())
        if tag is None or tag.group(2).lower() not in TAGS:
            raise Refused(
                "Bad Request: can't parse entities: unsupported start tag at byte offset "
                f"{len(text[: special.start()].encode())}"
            )
        closing, name = tag.group(1), tag.group(2).lower()
        if closing:
            if not open_tags or open_tags[-1] != name:
                raise Refused(
                    "Bad Request: can't parse entities: can't find start tag for end tag "
                    f'"{name}"'
                )
            open_tags.pop()
        else:
            open_tags.append(name)
        position = tag.end()
    if open_tags:
        raise Refused(
            "Bad Request: can't parse entities: can't find end tag corresponding to start "
            f'tag "{open_tags[-1]}"'
        )
    return "".join(out)


def shown_text(text: str, parse_mode: str | None) -> str:
    """What the user would see of `text`, checked as Telegram checks it."""
    return parse_html(text) if (parse_mode or "").upper() == "HTML" else text


def check_text(text: Any, parse_mode: Any, *, caption: bool = False) -> str:
    """Raise `Refused` where Telegram refuses this text (or caption); return what it shows."""
    shown = shown_text(str(text or ""), str(parse_mode) if parse_mode else None)
    limit = MAX_CAPTION if caption else MAX_TEXT
    if utf16_length(shown) > limit:
        raise Refused(
            "Bad Request: message caption is too long"
            if caption
            else "Bad Request: message is too long"
        )
    if not caption and not shown.strip():
        raise Refused("Bad Request: message text is empty")
    return shown


def check_markup(markup: Any) -> None:
    """Raise `Refused` where Telegram refuses an inline keyboard's buttons."""
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not str(button.get("text", "")).strip():
                raise Refused("Bad Request: text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise Refused("Bad Request: BUTTON_DATA_INVALID")
            web_app = button.get("web_app")
            if web_app is not None and not str(web_app.get("url", "")).startswith("https://"):
                raise Refused("Bad Request: BUTTON_TYPE_INVALID")

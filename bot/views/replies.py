"""What the services hand the transports: who spoke, and the messages and buttons to send."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Telegram's update ids are positive and far below this.
MAX_UPDATE_ID = 2**53


@dataclass(frozen=True)
class Who:
    """Where an input came from."""

    chat_id: int
    user_id: int
    chat_kind: str = "private"
    chat_title: str | None = None
    first_name: str = ""
    username: str | None = None
    # A group administrator (checked with Telegram, briefly cached); in a private chat the
    # user administers their own team of one.
    is_admin: bool = False
    # Telegram's update id (0 when unknown): a redelivered update is applied once.
    update_id: int = 0
    # Which update it was (its chat and message, or its button press): see UpdateMark.
    update_key: str = ""
    # The user's Telegram client language (an IETF tag like "pt-br"), when Telegram says.
    language_code: str | None = None

    @property
    def in_group(self) -> bool:
        return self.chat_kind in ("group", "supergroup")

    @property
    def known_update_id(self) -> int:
        """The update's id, or 0 when it is out of Telegram's range (forged or broken): such
        an id is neither recorded nor stored, where a BIGINT couldn't hold it."""
        return self.update_id if 0 < self.update_id < MAX_UPDATE_ID else 0


@dataclass(frozen=True)
class Button:
    """A callback button (`data`), a link button when `url` is set, or a button that opens
    a Mini App (`web_app`, its https:// address)."""

    label: str
    data: str = ""
    url: str | None = None
    web_app: str | None = None


def in_rows(buttons: list[Button], width: int = 2) -> list[list[Button]]:
    """`buttons` laid out `width` to a row."""
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    caption: str


@dataclass
class Reply:
    """One message for the chat: Telegram HTML, buttons in rows, maybe a file."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    document: Document | None = None
    # A picture (a PNG) sent before the text, its caption with it; with no text, the
    # buttons go on the picture.
    photo: Document | None = None
    # Another chat than the one the update came from (a team's group), and an earlier
    # message there to edit instead of sending a new one.
    chat_id: int | None = None
    edit_message_id: int | None = None
    # The group card of this case: the transport reports the sent message's id back.
    card_case_id: int | None = None
    # Forum supergroups: the topic to post in, or a topic to create first (its name).
    thread_id: int | None = None
    create_topic: str | None = None
    # A typed answer is expected: ask Telegram to open the reply field (groups, where the
    # bot only sees replies to its own messages).
    force_reply: bool = False
    # After this reply, read the import that waited for an account just saved.
    resume_import: bool = False


@dataclass
class ButtonResult:
    """What to do after a button press: a short toast (or none) and messages to send."""

    toast: str | None
    replies: list[Reply]
    # The replies come beside the tapped message, whose buttons stay usable (a file of the
    # message, an escalation text, a list to pick from); otherwise its buttons are removed.
    keep_buttons: bool = False


def account_label(account: dict[str, Any]) -> str:
    """`Northwind Apparel · 7289…1010`: an ad account as a button or a list shows it."""
    advertiser_id = str(account.get("advertiser_id") or "")
    tail = f"{advertiser_id[:4]}…{advertiser_id[-4:]}" if len(advertiser_id) > 8 else advertiser_id
    name = account.get("account_name")
    return f"{name} · {tail}" if name else f"Ad account {tail}"
